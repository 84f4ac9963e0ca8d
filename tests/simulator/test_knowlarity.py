"""Knowlarity dialect: makecall with bare-UUID authorization and nested bodies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator import FakeClock, create_app, get_simulator

pytestmark = [pytest.mark.simulator, pytest.mark.knowlarity]

PATH = "/Basic/v1/account/call/makecall"
HEADERS = {
    "x-api-key": "knowlarity-app-key-demo",
    "authorization": "00000000-0000-4000-8000-000000000001",
}
BODY = {
    "k_number": "+918030000001",
    "agent_number": "+919800000001",
    "customer_number": "+919876543210",
    "caller_id": "+918030000002",
    "additional_params": {"object_id": "lead-1"},
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture
def app() -> Flask:
    return create_app({"random_seed": 5, "clock": FakeClock(), "deliver_callbacks": False})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _call(
    client: FlaskClient, headers: dict[str, str] | None = None, **changes: Any
) -> tuple[int, dict[str, Any]]:
    body = {k: v for k, v in {**BODY, **changes}.items() if v is not None}
    response = client.post(PATH, json=body, headers=HEADERS if headers is None else headers)
    return response.status_code, response.get_json()


def test_makecall_success_is_nested(app: Flask) -> None:
    status, body = _call(app.test_client())
    assert status == 200
    assert list(body) == ["success"]
    assert body["success"]["status"] == "success"
    assert body["success"]["message"] == "Call initiated successfully"
    assert UUID.fullmatch(body["success"]["call_id"])
    call = get_simulator(app).calls.get(body["success"]["call_id"])
    assert call is not None
    assert call.extra["additional_params"] == {"object_id": "lead-1"}


@pytest.mark.inferred
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"x-api-key": "knowlarity-app-key-demo"}, "Authentication credentials were not provided."),
        ({**HEADERS, "x-api-key": "wrong"}, "Invalid x-api-key"),
        ({**HEADERS, "authorization": "Bearer 00000000-0000-4000-8000-000000000001"},
         "Invalid authorization key"),
        ({**HEADERS, "authorization": "00000000-0000-4000-8000-000000000002"},
         "Invalid authorization key"),
    ],
)  # fmt: skip
def test_makecall_auth_errors_are_401(
    client: FlaskClient, headers: dict[str, str], message: str
) -> None:
    status, body = _call(client, headers=headers)
    assert status == 401
    assert body == {"error": {"code": "authentication_failed", "message": message}}


@pytest.mark.inferred
@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"customer_number": "9876543210"}, "invalid_number",
         "customer_number must be an E.164 number like +919876543210"),
        ({"agent_number": "+91-9800000001"}, "invalid_number",
         "agent_number must be an E.164 number like +919876543210"),
        ({"k_number": None}, "missing_field", "k_number is required"),
        ({"k_number": "+918030009999"}, "invalid_k_number",
         "k_number is not an SR number of this account"),
        ({"agent_number": "+919811111111"}, "agent_not_verified",
         "agent_number is not a verified agent"),
        ({"customer_number": "+919000000001"}, "dnd", "Customer number is in DND"),
        ({"customer_number": "+919000000002"}, "blacklisted", "Customer number is blacklisted"),
        ({"customer_number": "+919000000003"}, "invalid_number", "Invalid customer_number"),
        ({"customer_number": "+919000000006"}, "agent_unavailable", "Agent is not available"),
    ],
)  # fmt: skip
def test_makecall_bad_input_is_400(
    client: FlaskClient, changes: dict[str, Any], code: str, message: str
) -> None:
    status, body = _call(client, **changes)
    assert (status, body) == (400, {"error": {"code": code, "message": message}})


@pytest.mark.inferred
def test_makecall_rate_limit_is_429(client: FlaskClient) -> None:
    status, body = _call(client, customer_number="+919000000007")
    assert (status, body["error"]["message"]) == (429, "Max limit exceeded")


@pytest.mark.inferred
def test_makecall_needs_a_json_object(client: FlaskClient) -> None:
    response = client.post(PATH, data="[1, 2]", headers=HEADERS, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Request body must be a JSON object"


def test_makecall_is_post_only(client: FlaskClient) -> None:
    response = client.get(PATH, headers=HEADERS)
    assert response.status_code == 405
    assert response.get_json()["status"] == "error"


def test_makecall_refuses_a_null_number_in_its_own_envelope(client: FlaskClient) -> None:
    response = client.post(PATH, json={**BODY, "customer_number": None}, headers=HEADERS)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "null_value"


def test_makecall_refuses_an_unexpanded_env_var_in_a_header(client: FlaskClient) -> None:
    status, body = _call(client, headers={**HEADERS, "x-api-key": "${KNOWLARITY_KEY}"})
    assert status == 400
    assert body["error"] == {
        "code": "unresolved_token",
        "message": "unresolved mail-merge token in x-api-key: ${KNOWLARITY_KEY}",
    }


# -- the DID list (GET /Basic/v1/account/numbers/) -----------------------------

NUMBERS = "/Basic/v1/account/numbers/"


def test_numbers_lists_the_accounts_dids_in_e164_on_one_tastypie_page(
    client: FlaskClient,
) -> None:
    response = client.get(NUMBERS, headers=HEADERS)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body["meta"] == {
        "limit": 1000,
        "next": "",
        "offset": 0,
        "previous": "",
        "total_count": 2,
    }
    assert [o["number"] for o in body["objects"]] == ["+918030000001", "+918030000002"]
    first = body["objects"][0]
    assert set(first) == {
        "number",
        "cli_type",
        "created_time",
        "expiry_time",
        "is_expired",
        "number_type",
    }
    # The FakeClock starts at 2024-01-15 04:30 UTC; times as in the stored sample.
    assert first["created_time"] == "2023-01-15 04:30:00+00:00"
    assert first["expiry_time"] == "2025-01-14 04:30:00+00:00"
    assert first["is_expired"] is False


def test_numbers_answers_without_the_trailing_slash_too(client: FlaskClient) -> None:
    response = client.get(NUMBERS.rstrip("/"), headers=HEADERS)
    assert response.status_code == 200
    assert response.get_json()["meta"]["total_count"] == 2


@pytest.mark.inferred
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Authentication credentials were not provided."),
        ({**HEADERS, "x-api-key": "wrong"}, "Invalid x-api-key"),
        ({**HEADERS, "authorization": "Bearer 00000000-0000-4000-8000-000000000001"},
         "Invalid authorization key"),
    ],
)  # fmt: skip
def test_numbers_has_the_same_header_auth_as_makecall(
    client: FlaskClient, headers: dict[str, str], message: str
) -> None:
    response = client.get(NUMBERS, headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {"error": {"code": "authentication_failed", "message": message}}


@pytest.mark.inferred
def test_numbers_over_the_rate_limit_is_429(client: FlaskClient) -> None:
    client.post("/_sim/seed", json={"accounts": {"demo": {"rate_limit_per_minute": 0}}})
    response = client.get(NUMBERS, headers=HEADERS)
    assert response.status_code == 429
    assert response.get_json()["error"]["message"] == "Max limit exceeded"


def test_numbers_is_get_only(client: FlaskClient) -> None:
    response = client.post(NUMBERS, headers=HEADERS)
    assert response.status_code == 405
    assert response.get_json()["status"] == "error"


def test_the_sloppy_numbers_list_holds_a_duplicate_and_junk(client: FlaskClient) -> None:
    client.post("/_sim/profile", json={"name": "sloppy"})
    body = client.get(NUMBERS, headers=HEADERS).get_json()
    numbers = [o["number"] for o in body["objects"]]
    assert numbers.count("+918030000001") == 2
    assert "12345" in numbers
    assert body["meta"]["total_count"] == len(numbers)
