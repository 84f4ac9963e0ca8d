"""The flow commands, and the docs/flows.md walkthrough run step by step through the CLI.

The commands run through the real ``mcc`` root group (entry points included);
their provider client is pointed at the in-process simulator, and the
simulator's callbacks at the in-process connector service.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from calling import cli as flows_cli
from calling import click_to_call
from connector.client import Client
from connector.phone import parse_phone
from crm import CrmStore
from mcc.cli import cli

pytestmark = pytest.mark.flows

ROOT = Path(__file__).resolve().parents[2]
SIM = ["--config", "ozonetel", "--base-url", "http://sim.test"]
ENV = {"OZONETEL_API_KEY": "KKdemo0000000000000000000000000001", "OZONETEL_USERNAME": "demouser"}


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rig_factory: Any) -> Any:
    """An empty CRM file, a rig on it, and the CLI's provider client aimed at the rig."""
    db = tmp_path / "walk.sqlite3"
    rig = rig_factory("ozonetel", crm=CrmStore(db))
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MCC_DB", str(db))
    monkeypatch.setattr(
        flows_cli, "make_client", lambda: Client(transport=httpx.WSGITransport(app=rig.sim))
    )
    return rig


def test_the_walkthrough_of_docs_flows_md_works(walk: Any) -> None:
    imported = _run("crm", "import", str(ROOT / "examples" / "crm.yaml"))
    assert imported.exit_code == 0, imported.output

    synced = _run("dids", "sync", *SIM)
    assert synced.exit_code == 0, synced.output
    assert "synced 2 DID(s)" in synced.output
    listed = _run("dids", "list")
    assert "+918030000001" in listed.output
    assert "2 DID(s)" in listed.output

    called = _run("call", "--lead", "L-1001", "--user", "agent1", *SIM)
    assert called.exit_code == 0, called.output
    assert "the app offers Cloud Call Lead" in called.output
    assert "initiated" in called.output
    assert "9876543210" not in called.output  # numbers masked by default
    walk.flush()

    walk.incoming("9876543210")
    shown = _run("popup", "--agent-phone", "9800000001", "--caller", "918030000001", *SIM)
    assert shown.exit_code == 0, shown.output
    assert "pop-up: Asha Rao (lead L-1001)" in shown.output

    private = _run("popup", "--agent-phone", "9800000001", "--caller", "9123456789", *SIM)
    assert "no pop-up (not_a_did)" in private.output

    history = CliRunner(env={"COLUMNS": "240"}).invoke(
        cli, ["crm", "activities", "--lead", "L-1001"], catch_exceptions=False
    )
    assert history.exit_code == 0, history.output
    assert "answered" in history.output


def test_a_dnd_call_exits_1_and_says_dnd(walk: Any) -> None:
    _run("crm", "import", str(ROOT / "examples" / "crm.yaml"))
    result = _run("call", "--lead", "L-1003", "--user", "agent1", "--retries", "2", *SIM)
    assert result.exit_code == 1
    assert "DND: not retried" in result.output
    assert "tries: 1 of at most 3 (--retries 2); not retried: the number is on DND" in (
        result.output
    )
    assert len(walk.journal("/CAServices/AgentManualDial.php")) == 1


def test_an_unknown_caller_is_offered_add_contact(walk: Any) -> None:
    _run("crm", "import", str(ROOT / "examples" / "crm.yaml"))
    _run("dids", "sync", *SIM)
    walk.incoming("9123456789")
    result = _run(
        "popup", "--agent-phone", "9800000001", "--caller", "918030000001", "--show-numbers", *SIM
    )
    assert "918030000001 is not present" in result.output
    assert "[Add Contact] prefilled with +91-9123456789" in result.output


def test_add_contact_saves_the_caller_as_a_lead_and_the_popup_shows_it(walk: Any) -> None:
    _run("crm", "import", str(ROOT / "examples" / "crm.yaml"))
    _run("dids", "sync", *SIM)
    walk.incoming("9123456789")
    popup = ["popup", "--agent-phone", "9800000001", "--caller", "918030000001", *SIM]
    result = _run(*popup, "--show-numbers", "--add-contact", "--name", "Ravi  Null Kumar")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "918030000001 is not present" in lines[0]
    added = re.fullmatch(r"added lead (L-[0-9a-f]+) with \+91-9123456789", lines[2])
    assert added is not None, result.output
    lead_id = added.group(1)
    assert lines[3:] == [
        f"pop-up: Ravi Null Kumar (lead {lead_id})",
        "  calling from +91-9123456789",
    ]
    lead = walk.store.get_lead(lead_id)
    assert lead is not None
    assert (lead.first_name, lead.last_name, lead.phone) == ("Ravi", "Null Kumar", "+91-9123456789")
    assert lead.owner_id == "agent1"  # the user whose phone rang
    # The same pop-up, asked again, now finds the lead.
    again = _run(*popup)
    assert again.output.splitlines()[0] == f"pop-up: Ravi Null Kumar (lead {lead_id})"
    twice = _run(*popup, "--add-contact", "--name", "Someone Else")
    assert twice.exit_code == 0
    assert f"Add Contact not offered: the caller is lead {lead_id} already" in twice.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--add-contact"], '--add-contact needs --name "First Last"'),
        (["--add-contact", "--name", "   "], '--add-contact needs --name "First Last"'),
        (["--name", "Ravi"], "pass --add-contact too"),
        (["--add-contact", "--name", "x" * 101], "longer than 100 characters"),
    ],
)
def test_add_contact_without_a_usable_name_is_one_line_exit_2(
    walk: Any, extra: list[str], message: str
) -> None:
    _run("crm", "import", str(ROOT / "examples" / "crm.yaml"))
    _run("dids", "sync", *SIM)
    walk.incoming("9123456789")
    popup = ["popup", "--agent-phone", "9800000001", "--caller", "918030000001", *SIM]
    result = CliRunner().invoke(cli, [*popup, *extra])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert walk.store.find_lead_by_phone(parse_phone("9123456789")) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["call", "--lead", "L-404", "--user", "agent1", *SIM], "lead 'L-404' is not in the CRM"),
        (["call", "--lead", "L-1001", "--user", "agent1"], "pass --config FILE_OR_PRESET"),
        (["call", "--lead", "L-1001", "--user", "agent1", "--config", "nope"], "not a preset"),
        (["dids", "sync", "--config", "ozonetel", "--base-url", "ftp://x"], "not a base URL"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(
    walk: Any, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.delenv("MCC_CONFIG", raising=False)
    _run("crm", "import", str(ROOT / "examples" / "crm.yaml"))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_failed_sync_exits_1_and_keeps_the_list(walk: Any) -> None:
    _run("crm", "import", str(ROOT / "examples" / "crm.yaml"))
    assert _run("dids", "sync", *SIM).exit_code == 0
    walk.post("/_sim/faults", {"operation": "ozonetel.running_dids", "fault": "status"})
    failed = _run("dids", "sync", *SIM)
    assert failed.exit_code == 1
    assert "kept the last good list of 2 DID(s)" in failed.output
    assert "last sync failed" in _run("dids", "list").output


def _serve(tmp_path: Path, *extra: str, token: str | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "MCC_CALLLOG_TOKEN"}
    if token:
        env["MCC_CALLLOG_TOKEN"] = token
    command = [
        sys.executable,
        "-c",
        "from mcc.cli import main; main()",
        "serve",
        "--port",
        "0",
        "--db",
        str(tmp_path / "serve.sqlite3"),
        *extra,
    ]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_mcc_serve_prints_its_url_answers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    process = _serve(tmp_path, token="serve-test-token-0123456789")
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/calllog", first)
        assert match, first
        base = match.group(1)
        assert httpx.get(f"{base}/healthz", timeout=5).json()["status"] == "ok"
        refused = httpx.post(f"{base}/calllog", json={}, timeout=5)
        assert refused.status_code == 401
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)  # a hang guard, not a speed target
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped" in out
    assert "serve-test-token" not in out + err


def test_mcc_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    process = _serve(tmp_path, token=None)
    _out, err = process.communicate(timeout=120)  # a hang guard, not a speed target
    assert process.returncode == 2
    assert "MCC_CALLLOG_TOKEN" in err
    assert "--insecure-no-auth" in err


def test_call_retries_only_a_refused_connection_with_backoff(
    walk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("crm", "import", str(ROOT / "examples" / "crm.yaml"))
    tried: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        tried.append(request.url.path)
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    monkeypatch.setattr(
        flows_cli, "make_client", lambda: Client(transport=httpx.MockTransport(refuse))
    )
    monkeypatch.setattr(click_to_call, "RETRY_BASE_S", 0.01)  # the backoff, kept short here
    result = _run("call", "--lead", "L-1001", "--user", "agent1", "--retries", "2", *SIM)
    assert result.exit_code == 1, result.output
    assert "connection refused by sim.test" in result.output
    assert "tries: 3 of at most 3 (--retries 2)" in result.output
    assert "recorded (failed, 3 tries)" in result.output
    assert len(tried) == 3
    listed = _run("crm", "activities", "--lead", "L-1001", "--format", "json")
    assert [row["attempts"] for row in json.loads(listed.output)] == [3]


def test_call_never_retries_once_the_request_was_sent(
    walk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("crm", "import", str(ROOT / "examples" / "crm.yaml"))
    tried: list[str] = []

    def silent(request: httpx.Request) -> httpx.Response:
        tried.append(request.url.path)
        raise httpx.ReadTimeout("no answer", request=request)

    monkeypatch.setattr(
        flows_cli, "make_client", lambda: Client(transport=httpx.MockTransport(silent))
    )
    result = _run("call", "--lead", "L-1001", "--user", "agent1", "--retries", "3", *SIM)
    assert result.exit_code == 1, result.output
    assert "no complete answer from sim.test" in result.output
    assert len(tried) == 1  # the provider may have queued the call: never dial twice
    assert (
        "tries: 1 of at most 4 (--retries 3); not retried: the request reached the provider"
        in result.output
    )


def test_a_non_ascii_name_in_a_header_template_is_one_clear_line(walk: Any, tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "connector" / "presets" / "ozonetel.yaml").read_text())
    config["apis"]["click_to_call"]["headers"] = {"X-Lead-Name": "@{Lead:FirstName}"}
    path = tmp_path / "named.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    people = tmp_path / "people.yaml"
    people.write_text(
        "users: [{id: agent1, phone: '9800000001', TelephonyAgentId: agent1,"
        " mx_Custom_8: Inbound_918030000001}]\n"
        "leads: [{id: L-9, FirstName: 'Ünïcødé 名前', Phone: '9876543210'}]\n",
        encoding="utf-8",
    )
    _run("crm", "import", str(people))
    result = CliRunner().invoke(
        cli,
        [
            "call",
            "--lead",
            "L-9",
            "--user",
            "agent1",
            "--config",
            str(path),
            "--base-url",
            "http://sim.test",
        ],
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "mcc: headers.X-Lead-Name: the value of @{Lead:FirstName} holds non-ASCII characters"
    )
    assert "Traceback" not in result.output
    assert walk.journal("/CAServices/AgentManualDial.php") == []


def test_the_number_field_choices_are_the_flows_own() -> None:
    # mcc call names them itself so that its --help does not import the flows.
    assert tuple(sorted(click_to_call.NUMBER_FIELDS)) == flows_cli.NUMBER_FIELD_CHOICES


@pytest.mark.parametrize(
    "command", [["dids", "list"], ["call", "--lead", "L-1", "--user", "u", *SIM]]
)
def test_a_file_that_is_not_a_database_is_named_once(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_text("these are my notes, not a database\n" * 100, encoding="utf-8")
    result = CliRunner().invoke(cli, [*command, "--db", str(path)])
    assert result.exit_code == 2
    assert result.stderr.count(str(path)) == 1, result.stderr
    assert "not an SQLite database" in result.stderr
