"""Generic dialect: the seed's sample APIs, texts verbatim."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator import FakeClock, create_app, get_simulator

from .demo import KEY

pytestmark = [pytest.mark.simulator, pytest.mark.generic]

C2C = {
    "api_key": KEY,
    "username": "demouser",
    "agentID": "agent1",
    "campaignName": "Inbound_918030000001",
    "customerNumber": "+91-9876543210",
}
PULL = {"apiKey": KEY, "userName": "demouser", "agentPhoneNumber": "9800000001"}


@pytest.fixture
def app() -> Flask:
    return create_app({"random_seed": 7, "clock": FakeClock(), "deliver_callbacks": False})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _c2c(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    params = {k: v for k, v in {**C2C, **changes}.items() if v is not None}
    body = client.get("/click2call", query_string=params).get_json()
    assert isinstance(body, dict)
    return body


def test_click2call_success_has_the_seed_shape(client: FlaskClient) -> None:
    body = _c2c(client)
    assert list(body) == ["status", "message", "monitorUcid", "callStartTime"]
    assert body["status"] == "success"
    assert body["message"] == "call initiated successfully"
    assert body["monitorUcid"].isdigit()
    assert 16 <= len(body["monitorUcid"]) <= 17
    # FakeClock starts at 04:30 UTC = 10:00 IST.
    assert body["callStartTime"] == "2024-01-15 10:00:00"


@pytest.mark.parametrize(
    ("ucid", "started"),
    [
        ("16517209125077121", "2024-01-15 10:00:00"),
        ('a"b\\c', "\u00e9\u2028"),
        ("\x00\x1f", "%s{}"),
    ],
)
def test_click2call_success_bytes_are_json_dumps_of_the_seed_object(
    app: Flask, ucid: str, started: str
) -> None:
    # The answer is formatted around its two values (cheaper than encoding a
    # dict); it must stay byte for byte what json.dumps of the object gives.
    from simulator.providers.generic.render import call_initiated

    want = json.dumps(
        {
            "status": "success",
            "message": "call initiated successfully",
            "monitorUcid": ucid,
            "callStartTime": started,
        }
    )
    with app.app_context():
        assert call_initiated(ucid, started).get_data(as_text=True) == want


@pytest.mark.parametrize(
    ("source", "kwargs"),
    [
        ("query GET", lambda p: {"method": "GET", "query_string": p}),
        ("query POST", lambda p: {"method": "POST", "query_string": p}),
        ("form POST", lambda p: {"method": "POST", "data": p}),
        ("json POST", lambda p: {"method": "POST", "json": p}),
    ],
)
def test_click2call_reads_params_from_every_source(
    client: FlaskClient, source: str, kwargs: Any
) -> None:
    response = client.open("/click2call", **kwargs(C2C))
    assert response.get_json()["status"] == "success", source


@pytest.mark.parametrize(
    "number", ["+91-9876543210", "919876543210", "09876543210", "9876543210", "98765 43210"]
)
def test_click2call_accepts_indian_written_forms(app: Flask, number: str) -> None:
    body = _c2c(app.test_client(), customerNumber=number)
    assert body["status"] == "success"
    call = get_simulator(app).calls.get(body["monitorUcid"])
    assert call is not None
    assert call.customer == "9876543210"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"api_key": None}, "apiKey should not be empty"),
        ({"username": None}, "userName should not be empty"),
        ({"api_key": "KKwrong"}, "userName or apiKey is Invalid"),
        ({"username": "someone"}, "userName or apiKey is Invalid"),
        ({"customerNumber": "9000000001"}, "Customer number is in DND"),
        ({"customerNumber": "9000000007"}, "max limit exceeded"),
    ],
)
def test_click2call_seed_errors(client: FlaskClient, changes: dict[str, Any], message: str) -> None:
    assert _c2c(client, **changes) == {"status": "error", "message": message}


@pytest.mark.inferred
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"agentID": None}, "agentID should not be empty"),
        ({"campaignName": None}, "campaignName should not be empty"),
        ({"customerNumber": "12345"}, "Invalid Customer Number"),
        ({"customerNumber": "9000000003"}, "Invalid Customer Number"),
        ({"agentID": "nobody"}, "Agent is not available"),
        ({"customerNumber": "9000000006"}, "Agent is not available"),
        ({"customerNumber": "9000000002"}, "9000000002 is a black listed number"),
    ],
)
def test_click2call_inferred_errors(
    client: FlaskClient, changes: dict[str, Any], message: str
) -> None:
    assert _c2c(client, **changes) == {"status": "error", "message": message}


def test_dnd_registry_from_control_plane(client: FlaskClient) -> None:
    client.post("/_sim/seed", json={"dnd": ["+91-9811111111"]})
    assert _c2c(client, customerNumber="9811111111")["message"] == "Customer number is in DND"


def test_dnd_click2call_records_a_failed_call(app: Flask) -> None:
    _c2c(app.test_client(), customerNumber="9000000001")
    calls = list(get_simulator(app).calls.calls.values())
    assert [(c.state.value, c.reason) for c in calls] == [("failed", "dnd")]


def test_rate_limit_per_account_per_minute(app: Flask) -> None:
    client = app.test_client()
    client.post("/_sim/seed", json={"rate_limits": {"demo": 2}})
    assert [_c2c(client)["status"] for _ in range(3)] == ["success", "success", "error"]
    assert _c2c(client)["message"] == "max limit exceeded"
    get_simulator(app).clock.advance(61)  # type: ignore[attr-defined]
    assert _c2c(client)["status"] == "success"


def _pull(client: FlaskClient, path: str = "/PullAPI", **changes: Any) -> dict[str, Any]:
    params = {k: v for k, v in {**PULL, **changes}.items() if v is not None}
    body = client.post(path, data=params).get_json()
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"userName": None}, "userName should not be empty"),
        ({"apiKey": None}, "apiKey should not be empty"),
        ({"agentPhoneNumber": None}, "agentPhoneNumber should not be empty"),
        ({"apiKey": "KKwrong"}, "userName or apiKey is Invalid"),
        ({"agentPhoneNumber": "9811111111"}, "Invalid Agent Phone Number"),
        ({"agentPhoneNumber": "abc"}, "Invalid Agent Phone Number"),
        ({}, "There is no call at this moment with this Agent PhoneNumber"),
    ],
)
def test_pull_api_seed_errors(client: FlaskClient, changes: dict[str, Any], message: str) -> None:
    assert _pull(client, **changes) == {"status": "error", "message": message}


def test_pull_api_max_limit(client: FlaskClient) -> None:
    client.post("/_sim/seed", json={"rate_limits": {"demo": 1}})
    _pull(client)
    assert _pull(client) == {"status": "error", "message": "max limit exceeded"}


@pytest.mark.parametrize("path", ["/PullAPI", "/CAServices/LeadSquare/PullAPI.php"])
@pytest.mark.parametrize("phone", ["9000000007", "+91-90000 00007"])
def test_pull_api_for_the_max_limit_magic_agent_phone(
    client: FlaskClient, path: str, phone: str
) -> None:
    # A rate-limited agent of its own: the conformance run's rate_limited_agent_phone.
    assert _pull(client, path, agentPhoneNumber=phone)["message"].lower() == "max limit exceeded"
    assert _pull(client, path)["message"] != "max limit exceeded"  # the account is not limited


def test_pull_api_returns_the_ringing_customer(client: FlaskClient) -> None:
    created = client.post(
        "/_sim/incoming",
        json={"customer": "+91-9876543210", "did": "918030000001", "agent": "agent1"},
    ).get_json()
    body = _pull(client, agentPhoneNumber="+91-9800000001")
    assert body == {
        "status": "success",
        "customerNumber": "9876543210",
        "monitorUcid": created["ucid"],
        "callStartTime": "2024-01-15 10:00:00",
    }
    client.post(f"/_sim/calls/{created['ucid']}/advance", json={"to": "connected"})
    assert _pull(client)["customerNumber"] == "9876543210"
    client.post(f"/_sim/calls/{created['ucid']}/advance", json={"to": "completed"})
    assert _pull(client)["message"] == (
        "There is no call at this moment with this Agent PhoneNumber"
    )


def test_pull_did_numbers(client: FlaskClient) -> None:
    body = client.get("/LeadSquare/PullDIDNumbers.php", query_string={"apiKey": KEY}).get_json()
    assert body == {"status": "success", "did_list": ["8030000001", "8030000002"]}


@pytest.mark.parametrize(
    ("params", "message"),
    [({}, "apiKey should not be empty"), ({"apiKey": "KKx"}, "userName or apiKey is Invalid")],
)
def test_pull_did_numbers_errors(client: FlaskClient, params: dict[str, str], message: str) -> None:
    body = client.post("/LeadSquare/PullDIDNumbers.php", data=params).get_json()
    assert body == {"status": "error", "message": message}
