"""The canary run: the whole product with canary secrets, which must never show anywhere.

Canary API keys and tokens (conftest: they hold ``+``, ``/`` and ``=`` so that
their percent-encoded forms differ) are set as the config's ``${ENV}``
secrets and seeded as the simulator account's credentials. Then every
output is searched for every spelling of them: ``mcc verify`` in each report
format (console stdout and stderr, JSON, JUnit, HTML), ``mcc test-api``,
``mcc call`` / ``mcc popup`` / ``mcc dids sync``, the connector service's
answers and logs, the simulator's journal, state and callbacks, and the text
of errors, also when things go wrong on purpose (wrong key, unreachable host,
missing variable). Customer numbers are masked in reports: a full test number
never shows, its last four digits do.

CLI commands run in-process through click's CliRunner; the simulator is
served on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from click.testing import CliRunner, Result

import simulator
from calling.did_sync import sync_dids
from calling.service import create_service
from connector.calllog import parse_callback
from connector.client import Client
from connector.config import with_base_url
from connector.errors import ConnectorError, MissingSecretError
from connector.phone import parse_phone
from connector.presets import load_preset
from connector.templating import MergeContext
from contracts.cli import verify
from contracts.fixtures import EMBEDDED, EMBEDDED_CAMPAIGN, ControlPlane, arrange_simulator
from contracts.target import embedded_env
from crm import CrmStore, import_file
from mcc.cli import cli
from simulator import get_simulator
from simulator.serve import RunningServer, start_in_thread

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = EMBEDDED.customer_number or "9812345678"
RINGING_CUSTOMER = EMBEDDED.ringing_customer_number or "9876501234"
FORMATS = ("console", "json", "junit", "html")
WRONG_KEY = "KKwrongwrongwrongwrongwrongwrong00"


@dataclass
class Sim:
    """A served simulator and its app (for in-process reads of its state)."""

    server: RunningServer
    app: Any

    @property
    def url(self) -> str:
        return self.server.base_url

    def seed_account(self, api_key: str, username: str) -> None:
        control = ControlPlane(self.url)
        try:
            control.seed({"accounts": {"demo": {"api_key": api_key, "username": username}}})
        finally:
            control.close()


@pytest.fixture(scope="module")
def sim(canaries: Any) -> Iterator[Sim]:
    """A simulator on 127.0.0.1 whose demo account holds the canary key."""
    app = simulator.create_app({"random_seed": 3, "deliver_callbacks": False})
    with start_in_thread(app) as server:
        served = Sim(server, app)
        served.seed_account(canaries.api_key, canaries.username)
        yield served


def _closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _outputs(result: Result, folder: Path | None = None) -> list[tuple[str, str]]:
    found = [("stdout", result.stdout), ("stderr", result.stderr)]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        found.append(("exception", f"{type(result.exception).__name__}: {result.exception}"))
    if folder is not None and folder.is_dir():
        found += [(p.name, p.read_text("utf-8")) for p in sorted(folder.iterdir())]
    return found


def _verify(args: list[str], env: dict[str, str], reports: Path) -> Result:
    formats = [part for f in FORMATS for part in ("--format", f)]
    return CliRunner().invoke(
        verify,
        [*args, "--latency-calls", "2", "--report-dir", str(reports), *formats],
        env=env,
    )


# -- mcc verify --------------------------------------------------------------------


@pytest.mark.conformance
@pytest.mark.parametrize("preset", ["generic", "ozonetel"])
def test_verify_against_the_embedded_simulator_leaks_no_canary(
    preset: str, canaries: Any, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    result = _verify(["--config", preset], canaries.env(), reports)
    assert result.exit_code == 0, result.output
    outputs = _outputs(result, reports)
    assert {name for name, _ in outputs} >= {"stdout", "junit.xml", "report.json", "report.html"}
    canaries.assert_absent_all(outputs)


@pytest.fixture(scope="module")
def wrong_key_partner(canaries: Any) -> Iterator[str]:
    """A partner at a URL that knows another key than the canary: every call is refused."""
    config = load_preset("ozonetel")
    app = simulator.create_app({"random_seed": 4, "deliver_callbacks": False})
    with start_in_thread(app) as server:
        control = ControlPlane(server.base_url)
        _env, account = embedded_env(config, {**canaries.env(), "OZONETEL_API_KEY": WRONG_KEY})
        user = {**EMBEDDED.user, config.virtual_number_field: EMBEDDED_CAMPAIGN}
        arrange_simulator(
            control, account=account, fixtures=EMBEDDED.model_copy(update={"user": user})
        )
        control.close()
        yield server.base_url


@pytest.mark.conformance
def test_a_failing_verify_run_shows_evidence_but_no_canary_and_masks_numbers(
    wrong_key_partner: str, canaries: Any, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    fixtures = tmp_path / "fixtures.yaml"
    user = {**EMBEDDED.user, "mx_Custom_8": EMBEDDED_CAMPAIGN}
    fixtures.write_text(
        json.dumps(EMBEDDED.model_copy(update={"user": user}).model_dump(exclude_none=True)),
        encoding="utf-8",
    )
    args = ["--config", "ozonetel", "--target", wrong_key_partner, "--fixtures", str(fixtures)]
    result = _verify(args, canaries.env(), reports)
    assert result.exit_code == 1, result.output
    outputs = _outputs(result, reports)
    canaries.assert_absent_all(outputs)
    report = (reports / "report.json").read_text("utf-8")
    assert "please provide proper user credentials" in report  # evidence was written
    for name, text in outputs:
        assert CUSTOMER not in text, name
        assert RINGING_CUSTOMER not in text, name
    assert CUSTOMER[-4:] in report  # masked, with its last four digits


@pytest.mark.conformance
def test_verify_against_an_unreachable_host_names_it_without_a_canary(
    canaries: Any, tmp_path: Path
) -> None:
    url = _closed_url()
    result = _verify(["--config", "generic", "--target", url], canaries.env(), tmp_path / "r")
    assert result.exit_code == 2
    assert "unreachable" in result.stderr
    assert url.removeprefix("http://") in result.stderr
    canaries.assert_absent_all(_outputs(result, tmp_path / "r"))


@pytest.mark.conformance
def test_verify_with_a_missing_variable_names_it(canaries: Any, sim: Sim, tmp_path: Path) -> None:
    env = {k: v for k, v in canaries.env().items() if k != "GENERIC_API_KEY"}
    result = _verify(["--config", "generic", "--target", sim.url], env, tmp_path / "r")
    assert result.exit_code == 2
    assert "GENERIC_API_KEY is not set" in result.stderr
    canaries.assert_absent_all(_outputs(result, tmp_path / "r"))


# -- mcc test-api ------------------------------------------------------------------

_SAMPLES = [
    "--sample",
    "User:TelephonyAgentId=agent1",
    "--sample",
    f"VirtualNumber={EMBEDDED_CAMPAIGN}",
    "--sample",
    f"CustomerNumber={CUSTOMER}",
]


@pytest.mark.parametrize("preset", ["generic", "ozonetel"])
def test_test_api_output_holds_no_canary(preset: str, sim: Sim, canaries: Any) -> None:
    result = CliRunner().invoke(
        cli,
        ["test-api", preset, "click_to_call", *_SAMPLES, "--target", sim.url],
        env=canaries.env(),
    )
    assert result.exit_code == 0, result.output
    assert "***" in result.stdout  # the key was there, redacted
    assert CUSTOMER not in result.stdout  # masked unless --show-numbers
    canaries.assert_absent_all(_outputs(result))


@pytest.mark.parametrize("where", ["wrong_key", "unreachable"])
def test_test_api_failures_hold_no_canary(
    where: str, sim: Sim, wrong_key_partner: str, canaries: Any
) -> None:
    target = wrong_key_partner if where == "wrong_key" else _closed_url()
    result = CliRunner().invoke(
        cli,
        ["test-api", "ozonetel", "click_to_call", *_SAMPLES, "--target", target],
        env=canaries.env(),
    )
    assert result.exit_code == 1, result.output
    expected = "proper user credentials" if where == "wrong_key" else "connection refused"
    assert expected in result.stdout
    canaries.assert_absent_all(_outputs(result))


def test_test_api_with_a_missing_variable_names_it(sim: Sim, canaries: Any) -> None:
    env = {**canaries.env(), "OZONETEL_API_KEY": ""}
    result = CliRunner().invoke(
        cli,
        ["test-api", "ozonetel", "click_to_call", *_SAMPLES, "--target", sim.url],
        env=env,
    )
    assert result.exit_code == 2
    assert "OZONETEL_API_KEY" in result.stderr
    assert "Traceback" not in result.output
    canaries.assert_absent_all(_outputs(result))


# -- mcc call, popup, dids sync ----------------------------------------------------


@pytest.fixture
def crm_db(tmp_path: Path) -> Path:
    """A CRM database file holding examples/crm.yaml."""
    db = tmp_path / "crm.sqlite3"
    store = CrmStore(db)
    import_file(store, ROOT / "examples" / "crm.yaml")
    store.close()
    return db


def _mcc(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(cli, args, env=env)


def test_call_popup_and_did_sync_outputs_hold_no_canary(
    sim: Sim, crm_db: Path, canaries: Any
) -> None:
    env = {**canaries.env(), "MCC_DB": str(crm_db)}
    where = ["--config", "ozonetel", "--base-url", sim.url]
    synced = _mcc(["dids", "sync", *where], env)
    assert synced.exit_code == 0, synced.output
    called = _mcc(["call", "--lead", "L-1002", "--user", "agent1", *where], env)
    assert called.exit_code == 0, called.output
    assert "initiated" in called.stdout
    assert CUSTOMER not in called.stdout  # the lead's number, masked
    control = ControlPlane(sim.url)
    control.incoming(customer="9876543210", agent_phone="9800000001", did="918030000001")
    control.close()
    popped = _mcc(["popup", "--agent-phone", "9800000001", "--caller", "918030000001", *where], env)
    assert popped.exit_code == 0, popped.output
    assert "Asha" in popped.stdout
    for result in (synced, called, popped):
        canaries.assert_absent_all(_outputs(result))


def test_call_with_a_wrong_key_or_no_host_holds_no_canary(
    wrong_key_partner: str, crm_db: Path, canaries: Any
) -> None:
    env = {**canaries.env(), "MCC_DB": str(crm_db)}
    for base in (wrong_key_partner, _closed_url()):
        args = ["call", "--lead", "L-1001", "--user", "agent1", "--config", "ozonetel"]
        called = _mcc([*args, "--base-url", base], env)
        assert called.exit_code == 1, called.output
        assert "failed" in called.stdout
        canaries.assert_absent_all(_outputs(called))
    store = CrmStore(crm_db)
    try:
        canaries.assert_absent(repr(store.activities()), "the recorded activities")
    finally:
        store.close()


# -- the connector service ---------------------------------------------------------


def _record(canaries: Any, **changes: str) -> dict[str, str]:
    record = {
        "monitorUCID": "9049754955340984",
        "CallerID": "919876543210",
        "Did": "918030000001",
        "Type": "inbound",
        "Status": "Answered",
        "StartTime": "2024-05-06 16:59:33",
        "EndTime": "2024-05-06 17:00:03",
        "Duration": "00:00:23",
        "CallDuration": "00:00:30",
        "AudioFile": "http://recordings.example.test/x.mp3",
        "Apikey": canaries.api_key,  # Ozonetel echoes the account key
        "UserName": canaries.username,
    }
    record.update(changes)
    return record


def test_the_service_answers_logs_and_store_hold_no_canary(
    crm_db: Path, canaries: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = CrmStore(crm_db)
    http = create_service(store, token=canaries.token).test_client()
    bearer = {"Authorization": f"Bearer {canaries.token}"}
    in_query = quote(canaries.token, safe="")
    answers = [
        http.post("/calllog", data={"data": json.dumps(_record(canaries))}, headers=bearer),
        http.post(f"/calllog?token={in_query}", json=_record(canaries, monitorUCID="2")),
        http.post("/calllog", json=_record(canaries, Status="Exploded"), headers=bearer),
        http.post("/calllog", json=_record(canaries), headers={"X-MCC-Token": "wrong"}),
        http.post("/calllog", data=b"{" * 50, content_type="application/json", headers=bearer),
        http.get("/healthz"),
    ]
    try:
        assert [a.status_code for a in answers] == [200, 200, 400, 401, 400, 200]
        canaries.assert_absent_all(
            [(f"answer {i}", a.get_data(as_text=True)) for i, a in enumerate(answers)]
        )
        canaries.assert_absent_all(
            [("log", f"{r.name} {r.getMessage()} {r.exc_text or ''}") for r in caplog.records]
        )
        stored = store.activities()
        assert stored
        canaries.assert_absent(repr(stored), "the stored activities")
    finally:
        store.close()


def test_the_call_log_parser_drops_the_echoed_key(canaries: Any) -> None:
    body = json.dumps(_record(canaries)).encode()
    (record,) = parse_callback(body, "application/json")
    canaries.assert_absent(json.dumps(dict(record.raw), default=str), "CallRecord.raw")


def test_did_sync_logs_and_results_hold_no_canary(
    wrong_key_partner: str, crm_db: Path, canaries: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = with_base_url(load_preset("ozonetel"), wrong_key_partner)
    store = CrmStore(crm_db)
    try:
        with Client(env=canaries.env()) as client:
            result = sync_dids(store, client, config)
        assert not result.ok
        canaries.assert_absent(repr(result), "the DID sync result")
        canaries.assert_absent(repr(store.did_sync_status()), "the DID sync status")
    finally:
        store.close()
    canaries.assert_absent_all([("log", r.getMessage()) for r in caplog.records])


# -- the simulator's own records ---------------------------------------------------


def test_the_simulator_journal_state_and_callbacks_hold_no_canary(sim: Sim, canaries: Any) -> None:
    control = httpx.Client(base_url=sim.url, timeout=5.0)
    try:
        control.post(
            "/_sim/seed",
            json={"accounts": {"demo": {"callback_url": "http://127.0.0.1:9/calllog"}}},
        )
        config = with_base_url(load_preset("ozonetel"), sim.url)
        ctx = MergeContext(
            user={"TelephonyAgentId": "agent1", "mx_Custom_8": EMBEDDED_CAMPAIGN},
            customer_number=parse_phone(CUSTOMER),
        )
        with Client(env=canaries.env()) as client:
            placed = client.call(config.apis["click_to_call"], ctx, name="click_to_call")
        assert placed.outcome.ok, placed.outcome.message
        ucid = str(control.get("/_sim/calls").json()["calls"][-1]["ucid"])
        # Calls move on at once (transitions: immediate): the callback is queued.
        callbacks = control.get("/_sim/callbacks").text
        assert ucid in callbacks  # the callback with its Apikey echo is queued
        texts = [
            ("journal", control.get("/_sim/journal").text),
            ("state", control.get("/_sim/state").text),
            ("callbacks", callbacks),
            ("calls", control.get("/_sim/calls").text),
        ]
        canaries.assert_absent_all(texts)
    finally:
        control.close()
    # The journal kept in memory, not just its JSON rendering.
    entries = get_simulator(sim.app).journal.entries()
    canaries.assert_absent(repr(entries), "the in-memory journal")


# -- error texts -------------------------------------------------------------------


def test_error_texts_name_the_variable_never_the_value(canaries: Any) -> None:
    config = with_base_url(load_preset("ozonetel"), "http://127.0.0.1:9")
    ctx = MergeContext(
        user={"TelephonyAgentId": "agent1", "mx_Custom_8": EMBEDDED_CAMPAIGN},
        customer_number=parse_phone(CUSTOMER),
    )
    env = {k: v for k, v in canaries.env().items() if k != "OZONETEL_USERNAME"}
    with Client(env=env) as client, pytest.raises(MissingSecretError) as missing:
        client.call(config.apis["click_to_call"], ctx)
    assert "OZONETEL_USERNAME" in str(missing.value)
    canaries.assert_absent(str(missing.value), "MissingSecretError")
    with Client(env=canaries.env()) as client:
        refused = client.call(config.apis["click_to_call"], ctx, name="click_to_call")
    assert "127.0.0.1:9" in refused.outcome.message
    texts = [
        ("message", refused.outcome.message),
        ("request.redacted_url", refused.request.redacted_url()),
        ("request.redacted_headers", repr(refused.request.redacted_headers())),
        ("repr(outcome)", repr(refused.outcome)),
    ]
    canaries.assert_absent_all(texts)
    assert isinstance(missing.value, ConnectorError)


def test_the_canary_checks_would_catch_each_spelling(canaries: Any) -> None:
    # Guards every test above: each way a canary can travel is caught.
    key = canaries.api_key
    spellings = [
        key,
        quote(key, safe=""),
        quote_plus(key),
        quote(key, safe="").replace("%2B", "%2b").replace("%2F", "%2f").replace("%3D", "%3d"),
        json.dumps(key)[1:-1],
    ]
    assert len(set(spellings)) >= 3  # the canary really changes under encoding
    for spelled in spellings:
        assert canaries.found_in(f"x {spelled} y"), spelled
    assert not canaries.found_in("nothing secret here ***")


def test_request_logs_hide_every_query_value(
    sim: Sim, canaries: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The client logs each request at INFO; query strings carry keys and numbers.
    caplog.set_level(logging.INFO, logger="connector.client")
    caplog.set_level(logging.INFO, logger="httpx")
    config = with_base_url(load_preset("generic"), sim.url)
    ctx = MergeContext(
        user={"TelephonyAgentId": "agent1", "mx_Custom_8": EMBEDDED_CAMPAIGN},
        customer_number=parse_phone(CUSTOMER),
        callback_url=f"http://127.0.0.1:9/calllog?token={canaries.token}",
    )
    with Client(env=canaries.env()) as client:
        client.call(config.apis["click_to_call"], ctx)
    lines = [r.getMessage() for r in caplog.records if r.name in ("httpx", "connector.client")]
    assert any("/click2call?api_key=***&username=***" in line for line in lines), lines
    assert not any(CUSTOMER in line for line in lines)
    canaries.assert_absent_all([("httpx log", line) for line in lines])
