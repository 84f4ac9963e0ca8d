"""The call-log service: auth, accepted shapes, idempotency, clear 4xx answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from calling.service import create_service
from connector.calllog import CallStatus
from connector.errors import ConfigError
from crm import CrmStore

pytestmark = pytest.mark.flows

TOKEN = "test-token-not-a-secret-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(store: CrmStore) -> Flask:
    return create_service(store, token=TOKEN, max_body_bytes=64_000)


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    return app.test_client()


def _form(record: dict[str, Any]) -> dict[str, Any]:
    """Ozonetel's shape: form-encoded, one field ``data`` holding the JSON."""
    return {
        "data": urlencode({"data": json.dumps(record)}),
        "content_type": "application/x-www-form-urlencoded",
    }


def test_the_service_refuses_to_start_without_a_token(store: CrmStore) -> None:
    with pytest.raises(ConfigError, match="MCC_CALLLOG_TOKEN"):
        create_service(store)
    assert create_service(store, allow_no_auth=True).name == "calling.service"


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, ""),
        ({"Authorization": "Bearer wrong"}, ""),
        ({"X-MCC-Token": "wrong"}, ""),
        ({}, "?token=wrong"),
        ({"Authorization": f"Basic {TOKEN}"}, ""),
    ],
    ids=["none", "wrong-bearer", "wrong-header", "wrong-query", "not-bearer"],
)
def test_a_missing_or_wrong_token_is_401_and_stores_nothing(
    http: FlaskClient,
    store: CrmStore,
    cdr: Callable[..., dict[str, Any]],
    headers: dict[str, str],
    query: str,
) -> None:
    answer = http.post(f"/calllog{query}", json=cdr(), headers=headers)
    assert answer.status_code == 401
    assert answer.json is not None
    assert answer.json["status"] == "error"
    assert TOKEN not in answer.get_data(as_text=True)
    assert store.activities() == []


@pytest.mark.parametrize(
    ("headers", "query"),
    [(BEARER, ""), ({"X-MCC-Token": TOKEN}, ""), ({}, f"?token={TOKEN}")],
    ids=["bearer", "header", "query"],
)
def test_each_documented_token_form_is_accepted(
    http: FlaskClient,
    store: CrmStore,
    cdr: Callable[..., dict[str, Any]],
    headers: dict[str, str],
    query: str,
) -> None:
    answer = http.post(f"/calllog{query}", json=cdr(), headers=headers)
    assert answer.status_code == 200, answer.json
    assert len(store.activities()) == 1


def test_ozonetel_form_field_data_becomes_one_answered_activity_on_the_lead(
    http: FlaskClient, store: CrmStore, cdr: Callable[..., dict[str, Any]]
) -> None:
    answer = http.post("/calllog/ozonetel", headers=BEARER, **_form(cdr("1111")))
    assert answer.status_code == 200, answer.json
    assert answer.json is not None
    assert answer.json["created"] == 1
    assert answer.json["call_ids"] == ["1111"]
    (activity,) = store.activities("L-1001")
    assert activity.status is CallStatus.ANSWERED
    assert activity.duration_s == 23
    assert activity.recording_url is not None
    assert activity.recording_url.endswith("_1111.mp3")


def test_a_json_array_makes_one_activity_per_record(
    http: FlaskClient, store: CrmStore, cdr: Callable[..., dict[str, Any]]
) -> None:
    records = [cdr("2001"), cdr("2002", Status="NotAnswered", DialStatus="not_answered")]
    answer = http.post("/calllog", json=records, headers=BEARER)
    assert answer.status_code == 200, answer.json
    statuses = {a.provider_call_id: a.status for a in store.activities()}
    assert statuses == {"2001": CallStatus.ANSWERED, "2002": CallStatus.NOT_ANSWERED}


def test_the_generic_call_log_is_accepted(http: FlaskClient, store: CrmStore) -> None:
    log = {
        "SourceNumber": "+91-9812345678",
        "DestinationNumber": "+91-9800000001",
        "DisplayNumber": "+91-8030000001",
        "StartTime": "2024-05-06 10:00:00",
        "EndTime": "2024-05-06 10:01:00",
        "CallDuration": 60,
        "Status": "Answered",
        "ResourceURL": "https://recordings.example.test/g1.mp3",
        "Direction": "Inbound",
        "CallSessionId": "g-1",
    }
    answer = http.post("/calllog/generic", json=log, headers=BEARER)
    assert answer.status_code == 200, answer.json
    (activity,) = store.activities("L-1002")
    assert activity.provider_call_id == "g-1"


def test_a_redelivered_callback_changes_nothing(
    http: FlaskClient, store: CrmStore, cdr: Callable[..., dict[str, Any]]
) -> None:
    first = http.post("/calllog", headers=BEARER, **_form(cdr("3001")))
    again = http.post("/calllog", headers=BEARER, **_form(cdr("3001")))
    assert first.status_code == again.status_code == 200
    assert again.json is not None
    assert again.json["unchanged"] == 1
    assert [a.provider_call_id for a in store.activities()] == ["3001"]


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        (b"", "application/json", "body"),
        (b"{not json", "application/json", "body"),
        (b"data=%7Bbroken", "application/x-www-form-urlencoded", "data"),
        (b'[{"monitorUCID": "1"}, 7]', "application/json", "record"),
        (b'{"hello": "world"}', "application/json", ""),
    ],
    ids=["empty", "bad-json", "bad-form-json", "not-an-object", "unknown-shape"],
)
def test_a_malformed_body_is_400_naming_the_field_and_stores_nothing(
    http: FlaskClient, store: CrmStore, body: bytes, content_type: str, field: str
) -> None:
    answer = http.post("/calllog", data=body, content_type=content_type, headers=BEARER)
    assert answer.status_code == 400
    assert answer.json is not None
    assert answer.json["status"] == "error"
    assert field in answer.json["message"]
    assert store.activities() == []


def test_one_bad_record_in_a_batch_stores_none_of_it(
    http: FlaskClient, store: CrmStore, cdr: Callable[..., dict[str, Any]]
) -> None:
    records = [cdr("4001"), cdr("4002", StartTime="2024-13-45 99:00:00")]
    answer = http.post("/calllog", json=records, headers=BEARER)
    assert answer.status_code == 400
    assert answer.json is not None
    assert "StartTime" in answer.json["message"]
    assert store.activities() == []


def test_a_body_over_the_limit_is_413(http: FlaskClient, store: CrmStore) -> None:
    answer = http.post(
        "/calllog", data=b"x" * 70_000, content_type="application/json", headers=BEARER
    )
    assert answer.status_code == 413
    assert answer.json is not None
    assert "larger than" in answer.json["message"]
    assert store.activities() == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/calllog", 405), ("POST", "/nowhere", 404), ("DELETE", "/healthz", 405)],
)
def test_unknown_routes_and_methods_answer_json(
    http: FlaskClient, method: str, path: str, status: int
) -> None:
    answer = http.open(path, method=method, headers=BEARER)
    assert answer.status_code == status
    assert answer.json is not None
    assert answer.json["status"] == "error"
    if status == 405:  # RFC 9110: a 405 names the methods that work
        assert "Allow" in answer.headers
        assert method not in answer.headers["Allow"]


def test_healthz_reports_the_did_sync_without_auth(http: FlaskClient) -> None:
    answer = http.get("/healthz")
    assert answer.status_code == 200
    assert answer.json is not None
    assert answer.json["status"] == "ok"
    assert answer.json["dids"] == 0
    assert answer.json["did_sync"]["healthy"] is False
