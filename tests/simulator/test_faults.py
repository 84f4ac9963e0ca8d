"""Faults from the control plane and from magic numbers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient

from simulator import FakeClock, create_app
from simulator.faults import HUGE_BYTES, SimulatedReset

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
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> FlaskClient:
    app = create_app(
        {"clock": FakeClock(), "sleep": sleeps.append, "hang_s": 0.5, "deliver_callbacks": False}
    )
    return app.test_client()


def _fault(client: FlaskClient, **rule: Any) -> str:
    response = client.post("/_sim/faults", json=rule)
    assert response.status_code == 201, response.get_json()
    fault_id: str = response.get_json()["id"]
    return fault_id


def _c2c(client: FlaskClient, **changes: str) -> Any:
    return client.get("/click2call", query_string={**C2C, **changes})


def test_status_fault_answers_that_status_with_json(client: FlaskClient) -> None:
    _fault(client, operation="generic.click2call", fault="status", status=503)
    response = _c2c(client)
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "message": "simulated HTTP 503 (fault)"}
    other = client.get("/LeadSquare/PullDIDNumbers.php", query_string={"apiKey": KEY})
    assert other.status_code == 200  # another operation is untouched


def test_fault_by_number_matches_any_written_form(client: FlaskClient) -> None:
    _fault(client, number="+91-9876543210", fault="html")
    assert _c2c(client, customerNumber="09876543210").mimetype == "text/html"
    assert _c2c(client, customerNumber="9811111111").mimetype == "application/json"


@pytest.mark.parametrize(
    ("kind", "status", "mimetype", "check"),
    [
        ("html", 200, "text/html", lambda b: b.startswith(b"<!DOCTYPE html>")),
        ("malformed_json", 200, "application/json", lambda b: b == b'{"status": "success",'),
        ("empty", 200, "application/json", lambda b: b == b""),
        ("wrong_content_type", 200, "application/octet-stream", json.loads),
        ("bad_utf8", 200, "application/json", lambda b: b"\xff" in b),
    ],
)
def test_body_faults(
    client: FlaskClient, kind: str, status: int, mimetype: str, check: Any
) -> None:
    _fault(client, fault=kind)
    response = _c2c(client)
    assert (response.status_code, response.mimetype) == (status, mimetype)
    assert check(response.get_data())


def test_bad_utf8_is_not_decodable(client: FlaskClient) -> None:
    _fault(client, fault="bad_utf8")
    with pytest.raises(UnicodeDecodeError):
        _c2c(client).get_data().decode("utf-8")


def test_huge_body_is_20_mb(client: FlaskClient) -> None:
    _fault(client, fault="huge")
    response = _c2c(client)
    assert int(response.headers["Content-Length"]) == HUGE_BYTES
    assert len(response.get_data()) == HUGE_BYTES


def test_latency_sleeps_then_answers_normally(client: FlaskClient, sleeps: list[float]) -> None:
    _fault(client, fault="latency", latency_ms=1500)
    assert _c2c(client).get_json()["status"] == "success"
    assert sleeps == [1.5]


def test_hang_is_bounded(client: FlaskClient, sleeps: list[float]) -> None:
    _fault(client, fault="hang")
    assert _c2c(client).status_code == 504
    _fault(client, fault="hang", hang_s=0.1)
    _c2c(client)
    assert sleeps == [0.5, 0.5]  # the first rule matches first, with the config's hang_s


def test_reset_raises_inside_the_body(client: FlaskClient) -> None:
    _fault(client, fault="reset")
    with pytest.raises(SimulatedReset):
        _c2c(client).get_data()


def test_reset_over_real_http_truncates_the_response() -> None:
    from simulator.serve import start_in_thread

    app = create_app({"deliver_callbacks": False})
    app.test_client().post("/_sim/faults", json={"fault": "reset"})
    with start_in_thread(app) as server, httpx.Client(timeout=5) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(f"{server.base_url}/click2call", params=C2C)
        # The server survives: the next request is answered.
        assert http.get(f"{server.base_url}/_sim/state").status_code == 200


@pytest.mark.parametrize(
    ("kind", "host"), [("redirect_other_host", "127.0.0.2"), ("redirect_loop", "localhost")]
)
def test_redirect_faults(client: FlaskClient, kind: str, host: str) -> None:
    _fault(client, fault=kind)
    response = _c2c(client)
    assert response.status_code == 302
    location = httpx.URL(response.headers["Location"])
    assert location.host == host
    assert location.path == "/click2call"
    assert location.params["customerNumber"] == "9876543210"


def test_fail_first_fails_n_times_then_succeeds(client: FlaskClient) -> None:
    _fault(client, operation="generic.click2call", fault="fail_first", count=2)
    statuses = [_c2c(client).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    rule = client.get("/_sim/faults").get_json()["faults"][0]
    assert (rule["fired"], rule["exhausted"]) == (2, True)


def test_count_limits_any_rule(client: FlaskClient) -> None:
    _fault(client, fault="empty", count=1)
    assert _c2c(client).get_data() == b""
    assert _c2c(client).get_json()["status"] == "success"


def test_faults_are_journaled_as_flags(client: FlaskClient) -> None:
    _fault(client, fault="status", status=500)
    _c2c(client)
    entry = client.get("/_sim/journal").get_json()["entries"][-1]
    assert (entry["status"], entry["flags"]) == (500, ["fault:status"])


@pytest.mark.parametrize(
    ("number", "status", "mimetype", "body"),
    [
        ("9000000010", 500, "application/json", None),
        ("9000000011", 200, "text/html", None),
        ("9000000012", 200, "application/json", b'{"status": "success",'),
        ("9000000013", 200, "application/json", b""),
        ("9000000018", 503, "application/json", None),
    ],
)
def test_magic_numbers_trigger_transport_faults(
    client: FlaskClient, number: str, status: int, mimetype: str, body: bytes | None
) -> None:
    response = _c2c(client, customerNumber=f"+91-{number}")
    assert (response.status_code, response.mimetype) == (status, mimetype)
    if body is not None:
        assert response.get_data() == body


def test_magic_reset_hang_and_latency(client: FlaskClient, sleeps: list[float]) -> None:
    with pytest.raises(SimulatedReset):
        _c2c(client, customerNumber="9000000014").get_data()
    assert _c2c(client, customerNumber="9000000015").status_code == 504
    assert _c2c(client, customerNumber="9000000016").get_json()["status"] == "success"
    assert sleeps == [0.5, 2.0]


def test_magic_fail_first_fails_twice_then_succeeds_until_reset(client: FlaskClient) -> None:
    statuses = [_c2c(client, customerNumber="9000000017").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    client.post("/_sim/reset")
    assert _c2c(client, customerNumber="09000000017").status_code == 503


def test_list_get_and_delete_rules(client: FlaskClient) -> None:
    first = _fault(client, fault="empty")
    second = _fault(client, fault="html", operation="ozonetel.pull_api")
    assert [r["id"] for r in client.get("/_sim/faults").get_json()["faults"]] == [first, second]
    assert client.get(f"/_sim/faults/{second}").get_json()["operation"] == "ozonetel.pull_api"
    assert client.delete(f"/_sim/faults/{first}").status_code == 200
    assert client.delete(f"/_sim/faults/{first}").status_code == 404
    assert client.get("/_sim/faults/nope").status_code == 404
    client.delete("/_sim/faults")
    assert client.get("/_sim/faults").get_json()["faults"] == []


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"fault": "explode"}, "fault must be one of"),
        ({}, "fault must be one of"),
        ({"fault": "status", "operation": "generic.nope"}, "unknown operation 'generic.nope'"),
        ({"fault": "status", "status": 42}, "status must be a whole number from 100 to 599"),
        ({"fault": "latency", "latency_ms": "2s"}, "latency_ms must be a whole number"),
        ({"fault": "html", "number": "abc"}, "is not a valid Indian phone number"),
        ({"fault": "html", "colour": "red"}, "unknown fault field(s): colour"),
        ({"fault": "hang", "hang_s": "long"}, "hang_s must be a number"),
        ({"fault": ["status"]}, "fault must be a string"),
        ({"fault": "html", "operation": {"a": 1}}, "operation must be a string"),
        ({"fault": "html", "number": [9000000001]}, "number must be a string"),
    ],
)
def test_bad_rules_are_400_with_a_reason(
    client: FlaskClient, rule: dict[str, Any], fragment: str
) -> None:
    response = client.post("/_sim/faults", json=rule)
    assert response.status_code == 400
    assert fragment in response.get_json()["message"]


def test_non_json_fault_body_is_400(client: FlaskClient) -> None:
    response = client.post("/_sim/faults", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"] == "the request body must be a JSON object"
