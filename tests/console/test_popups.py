"""The incoming pop-up: the phone's ring notification, the real pop-up flow, Add Contact.

The simulator's phone posts its ring notification to ``/phone/ring`` (in
process); the console runs ``calling.show_popup`` with its DID gate and puts
the pop-up on that agent's board only.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from crm import Lead
from simulator import get_simulator

pytestmark = pytest.mark.console

Desk = Any  # tests/console/conftest.py
TOKEN = "console-token-0123456789abcdef"  # the desk's call-log token (conftest)
POPUP_PATH = "/CAServices/LeadSquare/PullAPI.php"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _ring(desk: Desk, body: Any, *, token: str | None = TOKEN, raw: bytes | None = None) -> Any:
    headers = {"X-MCC-Token": token} if token else {}
    data = raw if raw is not None else json.dumps(body).encode()
    return desk.app.test_client().post(
        "/phone/ring", data=data, headers=headers, content_type="application/json"
    )


def _popup_ids(desk: Desk, user: str) -> list[str]:
    board = desk.server.console.extensions["mcc_console"].board
    current = board.current(user)
    return [current.id] if current else []


def test_a_ring_from_a_known_lead_shows_its_card(synced: Desk) -> None:
    browser = synced.login("agent1")
    synced.ring("+91 98765 43210")
    (note,) = synced.notifications()
    assert note["state"] == "delivered"
    assert json.loads(note["answer"])["reason"] == "lead"
    html = browser.get("/leads").get_data(as_text=True)
    assert 'Incoming call: <span class="lead-name">Asha Rao</span>' in html
    assert "+91-9876543210" in html
    assert 'aria-live="assertive"' in html


def test_an_unknown_caller_gets_add_contact_with_the_real_number(synced: Desk) -> None:
    browser = synced.login("agent1")
    synced.ring("9123456780")
    page = browser.get("/leads").get_data(as_text=True)
    assert "+918030000001 is not present" in page
    assert 'name="phone" value="+91-9123456780"' in page
    (popup_id,) = _popup_ids(synced, "agent1")
    saved = browser.post(
        f"/popups/{popup_id}/contact",
        data={
            "first_name": "Meera",
            "last_name": "Iyer",
            "phone": "+91-9123456780",
            "next": "/leads",
            "csrf_token": _csrf(page),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    lead = synced.store.find_lead_by_phone("09123456780")
    assert lead is not None
    assert (lead.first_name, lead.last_name, lead.owner_id) == ("Meera", "Iyer", "agent1")
    assert f"Lead {lead.id} saved." in saved
    assert 'Incoming call: <span class="lead-name">Meera Iyer</span>' in saved
    # A second save of the same pop-up creates nothing more.
    browser.post(
        f"/popups/{popup_id}/contact",
        data={"first_name": "Again", "phone": "+91-9123456780", "csrf_token": _csrf(page)},
    )
    assert [item.id for item in synced.store.search_leads("Again")] == []


def test_add_contact_needs_a_name_and_a_number(synced: Desk) -> None:
    browser = synced.login("agent1")
    synced.ring("9123456780")
    page = browser.get("/leads").get_data(as_text=True)
    (popup_id,) = _popup_ids(synced, "agent1")
    no_name = browser.post(
        f"/popups/{popup_id}/contact",
        data={"first_name": " ", "phone": "9123456780", "csrf_token": _csrf(page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "needs a first or a last name" in no_name
    bad = browser.post(
        f"/popups/{popup_id}/contact",
        data={"first_name": "X", "phone": "12", "csrf_token": _csrf(page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "is not a phone number" in bad
    assert synced.store.find_lead_by_phone("9123456780") is None


def test_a_call_not_through_a_synced_did_shows_nothing_and_asks_no_provider(synced: Desk) -> None:
    browser = synced.login("agent1")
    synced.control("DELETE", "/_sim/journal")
    synced.control("POST", "/_sim/agents/agent1/ring", {"caller": "9876543210"})
    assert get_simulator(synced.sim).ringer.wait_idle(30)
    (note,) = synced.notifications()
    answer = json.loads(note["answer"])
    assert (answer["shown"], answer["reason"]) == (False, "not_a_did")
    assert synced.control("GET", f"/_sim/journal?path={POPUP_PATH}")["count"] == 0
    assert "data-popup-id" not in browser.get("/leads").get_data(as_text=True)


def test_before_any_did_sync_nothing_passes_the_gate(desk: Desk) -> None:
    desk.ring("9876543210")
    (note,) = desk.notifications()
    assert json.loads(note["answer"])["reason"] == "not_a_did"


def test_a_pop_up_is_only_for_the_agent_whose_phone_rang(synced: Desk) -> None:
    first, second = synced.login("agent1"), synced.login("agent2")
    synced.ring("9876543210", agent="agent1")
    (popup_id,) = _popup_ids(synced, "agent1")
    assert _popup_ids(synced, "agent2") == []
    assert "data-popup-id" not in second.get("/leads").get_data(as_text=True)
    assert "data-popup-id" in first.get("/leads").get_data(as_text=True)
    page = second.get("/leads").get_data(as_text=True)
    for action in ("contact", "dismiss"):
        answer = second.post(f"/popups/{popup_id}/{action}", data={"csrf_token": _csrf(page)})
        assert answer.status_code == 404


def test_dismissing_closes_the_pop_up(synced: Desk) -> None:
    browser = synced.login("agent1")
    synced.ring("9876543210")
    page = browser.get("/leads").get_data(as_text=True)
    (popup_id,) = _popup_ids(synced, "agent1")
    browser.post(f"/popups/{popup_id}/dismiss", data={"csrf_token": _csrf(page), "next": "/dids"})
    assert "data-popup-id" not in browser.get("/leads").get_data(as_text=True)


# -- the ring endpoint's own rules -----------------------------------------------------


def test_a_ring_without_the_token_is_refused_before_anything_runs(synced: Desk) -> None:
    body = {"agent_phone": "+919800000001", "caller": "+918030000001"}
    for token in (None, "wrong-token-0123456789"):
        answer = _ring(synced, body, token=token)
        assert answer.status_code == 401
    assert _popup_ids(synced, "agent1") == []


@pytest.mark.parametrize(
    ("raw", "status", "says"),
    [
        (b"not json", 400, "JSON object"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"caller": "+918030000001"}', 400, "agent_phone: required"),
        (b'{"agent_phone": "+919800000001", "caller": 5}', 400, "caller: required"),
        (b'{"agent_phone": "12", "caller": "+918030000001"}', 400, "not a phone number"),
        (b'{"agent_phone": "+919811111111", "caller": "+918030000001"}', 404, "no CRM user"),
        (b'{"agent_phone": "+919800000001", "caller": "' + b"9" * 100 + b'"}', 400, "at most"),
        (b"[" * 100_000, 413, "at most 4096 bytes"),
    ],
)
def test_a_bad_ring_is_a_clear_4xx(synced: Desk, raw: bytes, status: int, says: str) -> None:
    answer = _ring(synced, None, raw=raw)
    assert answer.status_code == status
    assert says in answer.json["message"]


def test_a_ring_answers_what_the_console_decided(synced: Desk) -> None:
    answer = _ring(synced, {"agent_phone": "9800000001", "caller": "08030000001", "id": "n9"})
    # No call rings at agent1 in the simulator: its pop-up API says so.
    assert answer.status_code == 200
    assert answer.json["shown"] is False
    assert answer.json["reason"] == "provider_error"
    synced.store.upsert_lead(Lead("L-Z", "Zed", phone="9000000099"))
    synced.control("POST", "/_sim/agents/agent2/notify", {"url": None})  # this test rings
    ringing = {"customer": "9000000099", "did": "918030000001", "agent": "agent2"}
    synced.control("POST", "/_sim/incoming", ringing)
    shown = _ring(synced, {"agent_phone": "+91-98000 00002", "caller": "918030000001"})
    assert shown.json["shown"] is True
    assert shown.json["reason"] == "lead"
    assert _popup_ids(synced, "agent2") == [shown.json["popup"]]
