"""Ozonetel dialect: AgentManualDial, PhoneManualDial, PullAPI.php, RunningDIDs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator import FakeClock, create_app, get_simulator

from .demo import AMD_PARAMS, KEY

pytestmark = [pytest.mark.simulator, pytest.mark.ozonetel]

AMD = "/CAServices/AgentManualDial.php"
PMD = "/CAServices/PhoneManualDial.php"
PMD_PARAMS = {
    "apiKey": KEY,
    "userName": "demouser",
    "custNumber": "+91-9876543210",
    "phoneName": "agent3",
    "did": "918030000002",
}


@pytest.fixture
def app() -> Flask:
    return create_app({"random_seed": 3, "clock": FakeClock(), "deliver_callbacks": False})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _amd(client: FlaskClient, **changes: Any) -> tuple[int, str | None, str]:
    params = {k: v for k, v in {**AMD_PARAMS, **changes}.items() if v is not None}
    response = client.get(AMD, query_string=params)
    return response.status_code, response.mimetype, response.get_data(as_text=True)


def _amd_json(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    status, mimetype, _ = _amd(client, **changes)
    params = {k: v for k, v in {**AMD_PARAMS, **changes, "format": "json"}.items() if v}
    body = client.post(AMD, data=params).get_json()
    assert status == 200
    assert mimetype == "text/xml"
    assert isinstance(body, dict)
    return body


def test_amd_default_body_is_xml_with_status_and_ucid(app: Flask) -> None:
    status, mimetype, text = _amd(app.test_client())
    assert (status, mimetype) == (200, "text/xml")
    assert text.startswith('<?xml version="1.0"?><response><status>queued successfully</status>')
    root = ET.fromstring(text)
    ucid = root.findtext("ucid")
    assert root.findtext("status") == "queued successfully"
    assert ucid is not None
    assert get_simulator(app).calls.get(ucid) is not None


def test_amd_format_text_is_plain_text_for_nonjson_rules(client: FlaskClient) -> None:
    answer = client.get(AMD, query_string={**AMD_PARAMS, "format": "text"})
    assert (answer.status_code, answer.mimetype) == (200, "text/plain")
    status, _, ucid = answer.get_data(as_text=True).rpartition(" ")
    assert status == "queued successfully"
    assert ucid.isdigit()
    refused = client.get(AMD, query_string={**AMD_PARAMS, "agentID": "agent2", "format": "text"})
    assert refused.get_data(as_text=True) == "Fail Agent is not available"


def test_amd_format_json(client: FlaskClient) -> None:
    body = client.get(AMD, query_string={**AMD_PARAMS, "format": "json"}).get_json()
    assert list(body) == ["status", "ucid"]
    assert body["status"] == "queued successfully"


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"api_key": "KKwrong"}, "fail", "please provide proper user credentials"),
        ({"username": "nobody"}, "fail", "please provide proper user credentials"),
        ({"campaignName": "Nope"}, "fails", "Campaign is invalid"),
        ({"agentID": "agent2"}, "Fail", "Agent is not available"),
        ({"agentID": "ghost"}, "Fail", "Agent is not available"),
        ({"agentID": "agent3"}, "Fail", "Agent is not available"),
        ({"customerNumber": "9000000006"}, "Fail", "Agent is not available"),
        ({"agentID": None}, "Fail", "All parameters are mandatory"),
        ({"customerNumber": None}, "Fail", "All parameters are mandatory"),
        ({"customerNumber": "9000000002"}, "Fail", "9000000002 is a black listed number"),
        ({"customerNumber": "9000000007"}, "error", "Max limit exceeded"),
    ],
)
def test_amd_errors_answer_200(
    client: FlaskClient, changes: dict[str, Any], status: str, message: str
) -> None:
    assert _amd_json(client, **changes) == {"status": status, "message": message}
    _, _, text = _amd(client, **changes)
    root = ET.fromstring(text)
    assert (root.findtext("status"), root.findtext("message")) == (status, message)


@pytest.mark.inferred
def test_amd_dnd_only_on_campaigns_with_dnd_check(client: FlaskClient) -> None:
    assert _amd_json(client, customerNumber="9000000001") == {"status": "Fail", "message": "DND"}
    client.post("/_sim/seed", json={"campaigns": {"Inbound_918030000001": {"dnd_check": False}}})
    assert _amd_json(client, customerNumber="9000000001")["status"] == "queued successfully"


@pytest.mark.parametrize(
    ("agent", "ok"),
    [
        ({"logged_in": True, "ready": True, "mode": "blended"}, True),
        ({"logged_in": True, "ready": True, "mode": "inbound"}, False),
        ({"logged_in": True, "ready": False, "mode": "manual"}, False),
        ({"logged_in": False, "ready": True, "mode": "manual"}, False),
    ],
)
def test_amd_needs_logged_in_ready_manual_or_blended(
    client: FlaskClient, agent: dict[str, Any], ok: bool
) -> None:
    client.post("/_sim/seed", json={"agents": {"agent1": agent}})
    status = _amd_json(client)["status"]
    assert (status == "queued successfully") is ok


def _pmd(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    params = {k: v for k, v in {**PMD_PARAMS, **changes}.items() if v is not None}
    body = client.get(PMD, query_string=params).get_json()
    assert isinstance(body, dict)
    return body


def test_pmd_success_puts_the_ucid_in_message(app: Flask) -> None:
    body = _pmd(app.test_client())
    assert body["status"] == "queued"
    call = get_simulator(app).calls.get(body["message"])
    assert call is not None
    assert call.agent_id == "agent3"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"apiKey": "KKwrong"}, "Authentication failed."),
        ({"userName": "x"}, "Authentication failed."),
        ({"apiKey": None}, "Authentication failed."),
        ({"phoneName": "nobody"}, "Phone name not found."),
        ({"did": "918030009999"}, "Something went wrong. Please contact admin!"),
        ({"did": "918030000001"}, "campaign IS NOT offline"),
        ({"custNumber": "9000000002"}, "9000000002 is a black listed number"),
        ({"custNumber": "9000000007"}, "Max limit exceeded"),
    ],
)
def test_pmd_errors(client: FlaskClient, changes: dict[str, Any], message: str) -> None:
    assert _pmd(client, **changes) == {"status": "error", "message": message}


@pytest.mark.inferred
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"custNumber": "9000000001"}, "DND"),
        ({"custNumber": None}, "custNumber should not be empty"),
        ({"custNumber": "9000000006"}, "Agent is busy"),
    ],
)
def test_pmd_inferred_errors(client: FlaskClient, changes: dict[str, Any], message: str) -> None:
    assert _pmd(client, **changes) == {"status": "error", "message": message}


def test_pmd_agent_online_in_toolbar(client: FlaskClient) -> None:
    client.post("/_sim/seed", json={"agents": {"agent3": {"logged_in": True}}})
    assert _pmd(client) == {
        "status": "error",
        "message": "Online agent logged in with same phone number",
    }


def test_pmd_agent_online_and_busy_is_queued_with_the_warning(client: FlaskClient) -> None:
    client.post("/_sim/transitions", json={"mode": "manual"})
    assert _pmd(client)["status"] == "queued"  # agent3 now has a live call
    client.post("/_sim/seed", json={"agents": {"agent3": {"logged_in": True}}})
    assert _pmd(client) == {
        "status": "queued",
        "message": "Online agent logged in with same phone number",
    }
    for call in client.get("/_sim/calls").get_json()["calls"]:
        client.post(f"/_sim/calls/{call['ucid']}/advance", json={"to": "completed"})
    # Its calls have ended: an agent online in the toolbar is refused again.
    assert _pmd(client) == {
        "status": "error",
        "message": "Online agent logged in with same phone number",
    }


@pytest.mark.inferred
def test_pmd_check_status_refuses_a_busy_agent(client: FlaskClient) -> None:
    client.post("/_sim/transitions", json={"mode": "manual"})
    _pmd(client)
    assert _pmd(client, checkStatus="true") == {"status": "error", "message": "Agent is busy"}


@pytest.mark.inferred
def test_ozonetel_pull_api_same_texts_as_generic(client: FlaskClient) -> None:
    path = "/CAServices/LeadSquare/PullAPI.php"
    params = {"userName": "demouser", "apiKey": KEY, "agentPhoneNumber": "9800000001"}
    assert client.get(path, query_string=params).get_json() == {
        "status": "error",
        "message": "There is no call at this moment with this Agent PhoneNumber",
    }
    client.post(
        "/_sim/incoming",
        json={"customer": "9876543210", "did": "918030000001", "agent_phone": "9800000001"},
    )
    assert client.get(path, query_string=params).get_json()["customerNumber"] == "9876543210"
    assert client.get(path, query_string={**params, "userName": ""}).get_json() == {
        "status": "error",
        "message": "userName should not be empty",
    }


@pytest.mark.inferred
def test_running_dids_lists_91_numbers(client: FlaskClient) -> None:
    path = "/CAServices/DID/RunningDIDs.php"
    body = client.get(path, query_string={"userName": "demouser", "apiKey": KEY}).get_json()
    assert body == {"status": "success", "data": ["918030000001", "918030000002"]}
    bad = client.get(path, query_string={"userName": "demouser", "apiKey": "x"}).get_json()
    assert bad == {"status": "error", "message": "userName or apiKey is Invalid"}


def test_ozonetel_rate_limit_text(client: FlaskClient) -> None:
    client.post("/_sim/seed", json={"rate_limits": {"demo": 2}})
    # _amd_json sends two requests (XML, then JSON): the third request is over.
    assert _amd_json(client)["status"] == "queued successfully"
    assert _amd_json(client) == {"status": "error", "message": "Max limit exceeded"}
