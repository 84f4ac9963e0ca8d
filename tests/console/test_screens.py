"""The console's screens through Flask's test client: login, leads, Cloud Call, pop-ups, DIDs.

Every flow is the real one (``calling``) against the simulator in-process;
the browser scenarios (features/console, tests/bdd/test_console.py) check
the same screens in Chromium.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from connector import CallStatus, parse_phone
from connector.config import Mode
from console.app import CONTENT_SECURITY_POLICY
from console.throttle import MAX_FAILURES
from crm import Lead

Desk = Any  # tests/console/conftest.py: the console, its service, store and simulator
PASSWORD = "agent-password-1"  # the desk's agents' password (conftest)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


pytestmark = pytest.mark.console


def _page(browser: FlaskClient, path: str) -> str:
    answer = browser.get(path)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


# -- logging in ----------------------------------------------------------------


def test_every_screen_asks_for_a_login_first(desk: Desk) -> None:
    browser = desk.app.test_client()
    for path in ("/leads", "/leads/L-1001", "/dids", "/simulator"):
        answer = browser.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/login?next=")
    assert browser.get("/events").status_code == 401


def test_a_login_starts_a_signed_http_only_session(desk: Desk) -> None:
    browser = desk.app.test_client()
    page = _page(browser, "/login?next=/dids")
    answer = browser.post(
        "/login",
        data={
            "user_id": "agent1",
            "password": PASSWORD,
            "csrf_token": csrf_of(page),
            "next": "/dids",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/dids"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert PASSWORD not in cookie
    assert "Agent One" in _page(browser, "/dids")


def test_a_wrong_password_is_refused_and_tries_are_limited(desk: Desk) -> None:
    browser = desk.app.test_client()
    token = csrf_of(_page(browser, "/login"))
    for _ in range(MAX_FAILURES):
        answer = browser.post(
            "/login", data={"user_id": "agent1", "password": "wrong-password", "csrf_token": token}
        )
        assert answer.status_code == 401
        assert "Wrong user id or password" in answer.get_data(as_text=True)
    locked = browser.post(
        "/login", data={"user_id": "agent1", "password": PASSWORD, "csrf_token": token}
    )
    assert locked.status_code == 429
    assert browser.get("/leads").status_code == 302  # still logged out


def test_a_user_without_a_password_cannot_log_in(desk: Desk) -> None:
    browser = desk.app.test_client()
    token = csrf_of(_page(browser, "/login"))
    answer = browser.post(
        "/login", data={"user_id": "agent3", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 401


def test_after_a_login_only_a_local_path_is_followed(desk: Desk) -> None:
    browser = desk.app.test_client()
    token = csrf_of(_page(browser, "/login"))
    for target in ("https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere"):
        answer = browser.post(
            "/login",
            data={"user_id": "agent1", "password": PASSWORD, "csrf_token": token, "next": target},
        )
        assert answer.headers["Location"] == "/"
        browser = desk.app.test_client()
        token = csrf_of(_page(browser, "/login"))


def test_logging_out_ends_the_session(desk: Desk) -> None:
    browser = desk.login()
    token = csrf_of(_page(browser, "/leads"))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert browser.get("/leads").status_code == 302


# -- CSRF and escaping -------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(desk: Desk) -> None:
    browser = desk.login()
    before = len(desk.store.activities())
    answer = browser.post("/leads/L-1001/call", data={"number": "phone"})
    assert answer.status_code == 400
    assert "CSRF token" in answer.get_data(as_text=True)
    wrong = browser.post("/leads/L-1001/call", data={"number": "phone", "csrf_token": "forged"})
    assert wrong.status_code == 400
    assert len(desk.store.activities()) == before
    assert browser.post("/logout").status_code == 400
    assert browser.get("/leads").status_code == 200  # still logged in


def test_a_lead_name_is_shown_as_text_never_as_markup(desk: Desk) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    desk.store.upsert_lead(Lead("L-X", hostile, "", phone="9812300000"))
    browser = desk.login()
    for path in ("/leads/L-X", "/leads?q=img"):
        html = _page(browser, path)
        assert hostile not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_every_page_carries_the_security_headers(desk: Desk) -> None:
    browser = desk.login()
    answer = browser.get("/leads")
    assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Cache-Control"] == "no-store"
    html = answer.get_data(as_text=True)
    head = html.split("<head>", 1)[1].split("</head>", 1)[0]
    assert "<script>" not in html  # no inline script: only /static/console.js
    assert "http" not in head  # every asset from the console itself (no CDN)


# -- leads and Cloud Call -----------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["+91-98450 12345", "09845012345", "919845012345", "98450-12345", "+91 9876543210"]
)
def test_a_lead_is_found_by_any_written_form_of_a_number(desk: Desk, query: str) -> None:
    html = _page(desk.login(), f"/leads?q={query.replace('+', '%2B')}")
    assert "read as a number" in html
    assert 'href="/leads/L-1001"' in html


def test_a_lead_is_found_by_part_of_its_name_and_wildcards_are_literal(desk: Desk) -> None:
    browser = desk.login()
    assert 'href="/leads/L-1002"' in _page(browser, "/leads?q=vikr")
    assert "0 leads" in _page(browser, "/leads?q=%25")
    desk.store.upsert_lead(Lead("L-P", "100%", "Sure"))
    found = _page(browser, "/leads?q=%25")
    assert 'href="/leads/L-P"' in found
    assert 'href="/leads/L-1001"' not in found


def test_the_lead_page_offers_what_the_mode_offers(desk: Desk) -> None:
    browser = desk.login()
    html = _page(browser, "/leads/L-1001")
    assert html.count(">Cloud Call</button>") == 2  # Phone and Mobile
    assert 'href="tel:' not in html
    state = desk.server.console.extensions["mcc_console"]
    state.config = state.config.model_copy(update={"mode": Mode.DEFAULT_AND_CLOUD})
    both = _page(browser, "/leads/L-1001")
    assert 'href="tel:+919876543210"' in both
    assert both.count(">Cloud Call</button>") == 2


def test_each_lead_field_shows_once_phone_fields_in_the_phone_table(desk: Desk) -> None:
    # Phone fields are the ones the CRM indexes (Lead.phone_fields): a name that
    # says phone or mobile anywhere, not only at its end.
    lead = Lead(
        "L-F",
        "Field",
        "Test",
        phone="9812300001",
        fields={"mx_Mobile_Alt": "9812300002", "mx_City": "Pune", "mx_Phone_Note": ""},
    )
    desk.store.upsert_lead(lead)
    assert desk.store.find_lead_by_phone("9812300002") == lead
    html = _page(desk.login(), "/leads/L-F")
    phones, fields = html.split('id="fields-h"', 1)
    assert "mx_Mobile_Alt" in phones
    assert "+91-9812300002" in phones
    assert "mx_Mobile_Alt" not in fields
    assert "mx_Phone_Note" not in html  # empty: neither a number nor a field to show
    assert "<dt>mx_City</dt><dd>Pune</dd>" in fields
    assert html.count(">Cloud Call</button>") == 1  # Phone; a custom field is not dialled


def test_an_unknown_lead_is_404(desk: Desk) -> None:
    assert desk.login().get("/leads/NOPE").status_code == 404


def test_cloud_call_shows_initiated_then_the_call_log_answers_it(desk: Desk) -> None:
    browser = desk.login()
    token = csrf_of(_page(browser, "/leads/L-1001"))
    answer = browser.post("/leads/L-1001/call", data={"number": "phone", "csrf_token": token})
    assert answer.status_code == 302
    html = _page(browser, "/leads/L-1001")
    assert 'data-status="initiated"' in html
    (activity,) = desk.store.activities("L-1001")
    assert activity.status is CallStatus.INITIATED
    ucid = activity.provider_call_id
    desk.control("POST", f"/_sim/calls/{ucid}/advance", {"to": "completed", "disposition": "Keen"})
    desk.control("POST", "/_sim/callbacks/flush")
    html = _page(browser, "/leads/L-1001")
    assert 'data-status="answered"' in html
    assert "Keen" in html
    assert f'src="http://sim.test/recordings/demouser/{ucid}.wav"' in html


def test_a_dnd_lead_is_failed_and_marked_dnd(desk: Desk) -> None:
    browser = desk.login()
    token = csrf_of(_page(browser, "/leads/L-1003"))
    answer = browser.post(
        "/leads/L-1003/call", data={"number": "phone", "csrf_token": token}, follow_redirects=True
    )
    html = answer.get_data(as_text=True)
    assert "DND register" in html
    assert 'data-status="failed" data-dnd="1"' in html


def test_an_agent_sees_only_their_own_calls(desk: Desk) -> None:
    first = desk.login("agent1")
    token = csrf_of(_page(first, "/leads/L-1001"))
    first.post("/leads/L-1001/call", data={"number": "phone", "csrf_token": token})
    assert 'data-status="initiated"' in _page(first, "/leads/L-1001")
    assert 'class="activity' not in _page(desk.login("agent2"), "/leads/L-1001")


# -- DIDs --------------------------------------------------------------------------


def test_sync_now_replaces_the_did_list_and_shows_it(desk: Desk) -> None:
    browser = desk.login()
    assert "None yet" in _page(browser, "/dids")
    token = csrf_of(_page(browser, "/dids"))
    html = browser.post("/dids/sync", data={"csrf_token": token}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Synced: synced 2 DID(s)" in html
    assert "+91-8030000001" in html
    assert desk.store.did_set() == {"+918030000001", "+918030000002"}


def test_a_failed_sync_keeps_the_list_and_shows_the_error(synced: Desk) -> None:
    browser = synced.login()
    synced.control("POST", "/_sim/faults", {"operation": None, "fault": "status", "status": 503})
    token = csrf_of(_page(browser, "/dids"))
    html = browser.post("/dids/sync", data={"csrf_token": token}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Sync failed" in html
    assert "kept the last good list of 2 DID(s)" in html
    assert len(synced.store.did_set()) == 2


# -- the simulator panel -------------------------------------------------------------


def test_the_panel_ends_an_agents_call_with_an_outcome_and_a_disposition(synced: Desk) -> None:
    browser = synced.login()
    token = csrf_of(_page(browser, "/simulator"))
    rung = browser.post(
        "/simulator/ring",
        data={"customer": "9876543210", "did": "918030000001", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Ringing: call" in rung
    (call,) = synced.control("GET", "/_sim/calls")["calls"]
    ended = browser.post(
        f"/simulator/calls/{call['ucid']}/end",
        data={"outcome": "busy", "disposition": "Call back", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "ended: Busy" in ended
    synced.control("POST", "/_sim/callbacks/flush")
    panel = _page(browser, "/simulator")
    assert 'data-state="delivered"' in panel
    (activity,) = synced.store.activities("L-1001")
    assert activity.status is CallStatus.NOT_ANSWERED
    assert activity.disposition == "Call back"
    assert 'data-status="missed"' in _page(browser, "/leads/L-1001")


def test_the_panel_acts_only_on_the_agents_own_calls(synced: Desk) -> None:
    synced.ring(agent="agent1")
    (call,) = synced.control("GET", "/_sim/calls")["calls"]
    other = synced.login("agent2")
    token = csrf_of(_page(other, "/simulator"))
    answer = other.post(
        f"/simulator/calls/{call['ucid']}/end", data={"outcome": "answered", "csrf_token": token}
    )
    assert answer.status_code == 404
    assert synced.control("GET", f"/_sim/calls/{call['ucid']}")["state"] == "agent_ringing"


def test_without_a_simulator_there_is_no_panel(desk: Desk) -> None:
    browser = desk.login()
    desk.server.console.extensions["mcc_console"].simulator = None
    assert browser.get("/simulator").status_code == 404
    assert 'href="/simulator"' not in _page(browser, "/leads")


def test_a_phone_number_that_the_store_cannot_parse_is_shown_as_written(desk: Desk) -> None:
    desk.store.upsert_lead(Lead("L-B", "Bad", "Number", phone="12"))
    html = _page(desk.login(), "/leads/L-B")
    assert "not a valid number" in html
    assert ">Cloud Call</button>" not in html
    assert parse_phone("9876543210").crm == "+91-9876543210"
