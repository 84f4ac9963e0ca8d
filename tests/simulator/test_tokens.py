"""Unresolved mail-merge tokens and null numbers are refused and flagged."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from simulator import FakeClock, create_app

from .demo import KEY

pytestmark = pytest.mark.simulator

C2C = {
    "api_key": KEY,
    "username": "demouser",
    "agentID": "agent1",
    "campaignName": "Inbound_918030000001",
    "customerNumber": "9876543210",
}


@pytest.fixture
def client() -> FlaskClient:
    app = create_app({"clock": FakeClock(), "deliver_callbacks": False})
    return app.test_client()


def _last_entry(client: FlaskClient) -> dict[str, object]:
    entries = client.get("/_sim/journal").get_json()["entries"]
    assert entries, "the request was not journaled"
    entry: dict[str, object] = entries[-1]
    return entry


@pytest.mark.parametrize(
    ("name", "value", "token"),
    [
        ("customerNumber", "@{Lead:Phone,}", "@{Lead:Phone,}"),
        ("customerNumber", "@{Lead:Phone}", "@{Lead:Phone}"),
        ("customerNumber", "@CustomerNumber", "@CustomerNumber"),
        ("campaignName", "@VirtualNumber", "@VirtualNumber"),
        ("agentID", "@{User:TelephonyAgentId,}", "@{User:TelephonyAgentId,}"),
        ("customerNumber", "+91-@{Lead:Mobile,9800000000}", "@{Lead:Mobile,9800000000}"),
        ("customerNumber", "@CustomerNumber[e164]", "@CustomerNumber"),
        ("callback", "@CallbackUrl", "@CallbackUrl"),
    ],
)
def test_unresolved_token_is_refused_with_400(
    client: FlaskClient, name: str, value: str, token: str
) -> None:
    response = client.get("/click2call", query_string={**C2C, name: value})
    assert response.status_code == 400
    assert response.get_json() == {
        "status": "error",
        "message": f"unresolved mail-merge token in {name}: {token}",
    }
    entry = _last_entry(client)
    assert entry["flags"] == ["unresolved_token"]
    assert entry["status"] == 400


def test_agent_number_token_on_pull_api(client: FlaskClient) -> None:
    params = {"userName": "demouser", "apiKey": KEY, "agentPhoneNumber": "{{Agent_Number}}"}
    response = client.post("/CAServices/LeadSquare/PullAPI.php", json=params)
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "unresolved mail-merge token in agentPhoneNumber: {{Agent_Number}}"
    )


@pytest.mark.parametrize("value", ["null", "NULL", "undefined"])
def test_null_number_is_refused_and_flagged(client: FlaskClient, value: str) -> None:
    path = "/CAServices/AgentManualDial.php"
    response = client.get(path, query_string={**C2C, "customerNumber": value})
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("null value in customerNumber")
    assert _last_entry(client)["flags"] == ["null_value"]


def test_null_outside_a_number_is_flagged_but_answered(client: FlaskClient) -> None:
    response = client.get("/click2call", query_string={**C2C, "uui": "null"})
    assert response.get_json()["status"] == "success"
    assert _last_entry(client)["flags"] == ["null_value"]


def test_empty_number_is_flagged_and_answered_with_the_dialect_text(client: FlaskClient) -> None:
    params = {"userName": "demouser", "apiKey": KEY, "agentPhoneNumber": ""}
    body = client.get("/PullAPI", query_string=params).get_json()
    assert body == {"status": "error", "message": "agentPhoneNumber should not be empty"}
    assert _last_entry(client)["flags"] == ["null_value"]


def test_clean_request_has_no_flags(client: FlaskClient) -> None:
    client.get("/click2call", query_string=C2C)
    assert _last_entry(client)["flags"] == []
    flagged = client.get("/_sim/journal?flagged=true").get_json()
    assert flagged["count"] == 0


def test_absurdly_nested_json_body_is_answered_not_a_500() -> None:
    from simulator import create_app

    client = create_app().test_client()
    nested = "[" * 100_000 + "]" * 100_000
    response = client.post("/click2call", data=nested, content_type="application/json")
    assert response.status_code < 500
    assert response.get_json()["status"] == "error"
