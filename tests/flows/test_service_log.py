"""What ``mcc serve`` says: a log line per request, call log and DID sync; a truthful /healthz."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from flask.testing import FlaskClient

from calling.service import create_service, service_state
from calling.service_log import (
    CALLLOG_LOGGER,
    DID_LOGGER,
    REQUEST_LOGGER,
    configure_logging,
    log_path,
    service_logging,
)
from crm import CrmStore

from .conftest import ozonetel_record

pytestmark = pytest.mark.flows

TOKEN = "log-test-token-0123456789abcdef"


def _form(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": urlencode({"data": json.dumps(record)}),
        "content_type": "application/x-www-form-urlencoded",
    }


@pytest.fixture
def http(store: CrmStore) -> FlaskClient:
    return create_service(store, token=TOKEN, max_body_bytes=64_000).test_client()


def _lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == logger]


def test_each_request_is_one_line_without_the_token(
    http: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="calling")
    http.get("/healthz")
    http.post(f"/calllog/ozonetel?token={TOKEN}", **_form(ozonetel_record("1001")))
    http.post("/calllog?token=wrong-token-9876543210", data="x")
    http.get("/nowhere?x=1")
    lines = _lines(caplog, REQUEST_LOGGER)
    assert [(r.method, r.path, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/healthz", 200),
        ("POST", "/calllog/ozonetel?token=***", 200),
        ("POST", "/calllog?token=***", 401),
        ("GET", "/nowhere?x=1", 404),
    ]
    assert re.fullmatch(r"POST /calllog/ozonetel\?token=\*\*\* 200 \d+\.\d ms", lines[1].message)
    assert all(isinstance(r.ms, float) for r in lines)  # type: ignore[attr-defined]
    assert TOKEN not in caplog.text
    assert "wrong-token" not in caplog.text


def test_log_path_hides_credentials_masks_numbers_and_shows_control_characters() -> None:
    assert log_path("/calllog", "token=abc&x=1") == "/calllog?token=***&x=1"
    assert log_path("/calllog", "api_key=k&n=9876543210") == "/calllog?api_key=***&n=******3210"
    assert log_path("/a\x1b[31m\nINFO forged", "") == "/a␛[31m␊INFO forged"


def test_each_call_record_is_stored_or_unchanged_in_its_own_line(
    http: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="calling")
    batch = json.dumps([ozonetel_record("2001"), ozonetel_record("2002")])
    assert (
        http.post(
            f"/calllog?token={TOKEN}", data=batch, content_type="application/json"
        ).status_code
        == 200
    )
    assert http.post(f"/calllog?token={TOKEN}", **_form(ozonetel_record("2001"))).status_code == 200
    lines = _lines(caplog, CALLLOG_LOGGER)
    assert [r.message for r in lines] == [
        "call log ozonetel 2001: stored (created), activity 1",
        "call log ozonetel 2002: stored (created), activity 2",
        "call log ozonetel 2001: unchanged, activity 1",
    ]
    assert [r.outcome for r in lines] == ["stored", "stored", "unchanged"]  # type: ignore[attr-defined]


REFUSALS = {
    "malformed": (f"/calllog?token={TOKEN}", {"data": "not json"}, 400, "data: not valid JSON"),
    "no-token": ("/calllog", {"data": "{}"}, 401, "missing or wrong token"),
    "too-large": (f"/calllog?token={TOKEN}", {"data": "x" * 70_000}, 413, "body is larger than"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_delivery_is_one_line_with_its_reason(
    http: FlaskClient, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    path, body, status, reason = REFUSALS[case]
    caplog.set_level(logging.INFO, logger="calling")
    assert http.post(path, data=body).status_code == status
    lines = _lines(caplog, CALLLOG_LOGGER)
    assert len(lines) == 1
    assert lines[0].levelname == "WARNING"
    assert lines[0].message.startswith(f"call log refused ({status}): {reason}")
    assert lines[0].status == status  # type: ignore[attr-defined]


def test_a_refusal_reason_masks_the_customer_number(
    http: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="calling")
    bad = ozonetel_record("3001", StartTime="2024-13-45 99:00:00", CallerID="919876543210")
    http.post(f"/calllog?token={TOKEN}", **_form(bad))
    http.post(f"/calllog?token={TOKEN}", **_form(ozonetel_record("3002", CallerID="98765x43210")))
    text = "\n".join(r.message for r in _lines(caplog, CALLLOG_LOGGER))
    assert "StartTime: '2024-13-45 99:00:00' is not YYYY-MM-DD HH:MM:SS" in text
    assert "9876543210" not in text


def test_json_lines_carry_the_facts(store: CrmStore) -> None:
    out = io.StringIO()
    with service_logging("json", out):
        http = create_service(store, token=TOKEN).test_client()
        http.post(f"/calllog/ozonetel?token={TOKEN}", **_form(ozonetel_record("4001")))
    http.get("/healthz")  # after the block: the handler is gone, nothing more is written
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["calllog", "request"]
    stored, request = lines
    assert stored["logger"] == CALLLOG_LOGGER
    assert stored["outcome"] == "stored"
    assert stored["call_id"] == "4001"
    assert stored["activity_id"] == 1
    assert (request["method"], request["path"], request["status"]) == (
        "POST",
        "/calllog/ozonetel?token=***",
        200,
    )
    assert request["level"] == "info"
    assert {"time", "message", "ms"} <= set(request)
    assert TOKEN not in out.getvalue()


def test_text_lines_are_time_level_message(store: CrmStore) -> None:
    out = io.StringIO()
    handler = configure_logging("text", out)
    try:
        create_service(store, token=TOKEN).test_client().get("/healthz")
    finally:
        logging.getLogger("calling").removeHandler(handler)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO GET /healthz 200 \d+\.\d ms\n", out.getvalue()
    )


# -- /healthz: one truthful status --------------------------------------------------


def test_healthz_without_a_did_sync_is_ok_when_the_store_answers(http: FlaskClient) -> None:
    answer = http.get("/healthz")
    assert answer.status_code == 200
    assert answer.json is not None
    assert answer.json["status"] == "ok"
    assert answer.json["problems"] == []
    assert answer.json["did_sync"]["scheduled"] is False
    assert "healthy" not in json.dumps(answer.json)  # no second, contradicting status


def test_healthz_is_503_when_the_store_cannot_be_read(
    store: CrmStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    http = create_service(store, token=TOKEN).test_client()
    monkeypatch.setattr(store, "did_sync_status", broken)
    answer = http.get("/healthz")
    assert answer.status_code == 503
    assert answer.json is not None
    assert answer.json["status"] == "unhealthy"
    assert answer.json["problems"] == ["the CRM store cannot be read; call logs cannot be stored"]


def test_healthz_follows_the_scheduled_did_sync(rig: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="calling")
    app = create_service(rig.store, rig.config, "tok", client=rig.client)
    http = app.test_client()
    scheduler = service_state(app).scheduler
    assert scheduler is not None

    starting = http.get("/healthz")
    assert starting.status_code == 503
    assert starting.json is not None
    assert starting.json["status"] == "unhealthy"
    assert starting.json["problems"] == ["no DID list: the first DID sync has not finished yet"]

    scheduler.run_now()
    synced = http.get("/healthz")
    assert synced.status_code == 200
    assert synced.json is not None
    assert (synced.json["status"], synced.json["dids"]) == ("ok", 2)

    rig.post("/_sim/faults", {"operation": "ozonetel.running_dids", "fault": "status"})
    scheduler.run_now()
    degraded = http.get("/healthz")
    assert degraded.status_code == 200  # the last good list still serves every pop-up
    assert degraded.json is not None
    assert degraded.json["status"] == "degraded"
    assert degraded.json["problems"][0].startswith("the last DID sync failed (")
    assert degraded.json["problems"][0].endswith("the last good list of 2 DID(s) stays in force")

    syncs = _lines(caplog, DID_LOGGER)
    assert [(r.levelname, r.ok, r.dids) for r in syncs] == [  # type: ignore[attr-defined]
        ("INFO", True, 2),
        ("WARNING", False, 2),
    ]
    assert syncs[0].message.startswith("DID sync done: ")
    assert syncs[1].message.startswith("DID sync failed: ")


def test_healthz_is_503_when_a_scheduled_sync_never_worked(rig: Any) -> None:
    rig.post("/_sim/faults", {"operation": "ozonetel.running_dids", "fault": "status"})
    app = create_service(rig.store, rig.config, "tok", client=rig.client)
    scheduler = service_state(app).scheduler
    assert scheduler is not None
    scheduler.run_now()
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json is not None
    assert answer.json["status"] == "unhealthy"
    assert answer.json["problems"][0].startswith("no DID list: ")
    assert answer.json["did_sync"]["last_error"]


@pytest.mark.slow
def test_mcc_serve_log_format_json_writes_one_object_per_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCC_")}
    env["MCC_CALLLOG_TOKEN"] = TOKEN
    command = [sys.executable, "-c", "from mcc.cli import main; main()", "serve"]
    command += ["--port", "0", "--db", str(tmp_path / "s.sqlite3"), "--log-format", "json"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        match = re.search(r"(http://127\.0\.0\.1:\d+)/calllog", process.stdout.readline())
        assert match
        base = match.group(1)
        record = ozonetel_record("5001")
        answer = httpx.post(
            f"{base}/calllog/ozonetel?token={TOKEN}", data={"data": json.dumps(record)}, timeout=60
        )
        assert answer.status_code == 200
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=120)  # a hang guard, not a speed target
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    lines = [json.loads(line) for line in err.splitlines()]
    assert [(line["event"], line.get("outcome")) for line in lines] == [
        ("calllog", "stored"),
        ("request", None),
    ]
    assert lines[1]["path"] == "/calllog/ozonetel?token=***"
    assert TOKEN not in err
