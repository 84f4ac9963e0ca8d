"""Profiles: compliant (default) and sloppy."""

from __future__ import annotations

import pytest
from flask import Flask

from simulator import FakeClock, create_app, get_simulator

from .demo import KEY

pytestmark = pytest.mark.simulator

C2C = {
    "api_key": KEY,
    "username": "demouser",
    "agentID": "agent1",
    "campaignName": "Inbound_918030000001",
    "customerNumber": "9000000001",
}


def _app(sleeps: list[float]) -> Flask:
    app = create_app({"clock": FakeClock(), "sleep": sleeps.append, "deliver_callbacks": False})
    response = app.test_client().post("/_sim/profile", json={"name": "sloppy"})
    assert response.get_json()["profile"]["name"] == "sloppy"
    return app


def test_sloppy_answers_dnd_with_success_but_the_call_fails() -> None:
    app = _app([])
    body = app.test_client().get("/click2call", query_string=C2C).get_json()
    assert body["status"] == "success"
    call = get_simulator(app).calls.get(body["monitorUcid"])
    assert call is not None
    assert (call.state.value, call.reason) == ("failed", "dnd")
    amd = app.test_client().get(
        "/CAServices/AgentManualDial.php", query_string={**C2C, "format": "json"}
    )
    assert amd.get_json()["status"] == "queued successfully"


def test_sloppy_pull_errors_are_html_and_slow() -> None:
    sleeps: list[float] = []
    app = _app(sleeps)
    params = {"userName": "demouser", "apiKey": KEY, "agentPhoneNumber": "9800000001"}
    response = app.test_client().get("/PullAPI", query_string=params)
    assert (response.status_code, response.mimetype) == (200, "text/html")
    assert "There is no call at this moment" in response.get_data(as_text=True)
    assert sleeps == [1.5]


def test_sloppy_did_lists_hold_duplicates_and_junk() -> None:
    client = _app([]).test_client()
    dids = client.get("/LeadSquare/PullDIDNumbers.php", query_string={"apiKey": KEY}).get_json()
    assert dids["did_list"][:3] == ["8030000001", "8030000002", "8030000001"]
    assert "12345" in dids["did_list"]
    running = client.get(
        "/CAServices/DID/RunningDIDs.php", query_string={"userName": "demouser", "apiKey": KEY}
    ).get_json()["data"]
    assert len(running) > len(set(running))
    assert "" in running


def test_back_to_compliant_and_bad_names() -> None:
    app = _app([])
    client = app.test_client()
    assert client.post("/_sim/profile", json={"name": "compliant"}).status_code == 200
    body = client.get("/click2call", query_string=C2C).get_json()
    assert body == {"status": "error", "message": "Customer number is in DND"}
    bad = client.post("/_sim/profile", json={"name": "chaotic"})
    assert bad.status_code == 400
    assert "use one of: compliant, sloppy" in bad.get_json()["message"]
    assert client.post("/_sim/profile", json={}).status_code == 400
