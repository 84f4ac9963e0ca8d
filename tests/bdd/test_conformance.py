"""Step definitions for features/conformance: a partner's journey with mcc verify.

The partner is the simulator served on a loopback port, switched to the
"compliant" or "sloppy" profile through its control plane, and reached with
``--target`` and a fixtures file, as a real partner would be.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from pytest_bdd import given, parsers, scenarios, then, when

import connector
import simulator
from contracts.cli import verify
from contracts.fixtures import EMBEDDED, EMBEDDED_CAMPAIGN, ControlPlane, arrange_simulator
from contracts.target import embedded_env
from simulator.serve import start_in_thread

scenarios("conformance/verify.feature")

CANARY_ENV = {
    "GENERIC_API_KEY": "CANARYbddKEY00000000000000000000051",
    "GENERIC_USERNAME": "canary-bdd-user",
}


@pytest.fixture
def partner_state(tmp_path: Path) -> dict[str, Any]:
    """What the Given steps arrange: target URL, fixtures, config name."""
    return {"tmp": tmp_path, "drop": []}


@pytest.fixture
def running_partners() -> Iterator[list[Any]]:
    """Servers started by the steps, stopped after the scenario."""
    servers: list[Any] = []
    yield servers
    for server in servers:
        server.stop()


@given(parsers.parse('a "{profile}" partner for the "{config_name}" config'))
def _partner(
    partner_state: dict[str, Any], running_partners: list[Any], profile: str, config_name: str
) -> None:
    config = connector.resolve_config(config_name)
    server = start_in_thread(simulator.create_app())
    running_partners.append(server)
    control = ControlPlane(server.base_url)
    try:
        control.profile(profile)
        _env, account = embedded_env(config, CANARY_ENV)
        user = {**EMBEDDED.user, config.virtual_number_field: EMBEDDED_CAMPAIGN}
        fixtures = EMBEDDED.model_copy(update={"user": user})
        arrange_simulator(control, account=account, fixtures=fixtures)
    finally:
        control.close()
    partner_state.update(target=server.base_url, config=config_name, fixtures=fixtures)


@given(parsers.parse('the partner answers every request with the fault "{fault}"'))
def _fault(partner_state: dict[str, Any], fault: str) -> None:
    control = ControlPlane(partner_state["target"])
    try:
        control.fault({"fault": fault})
    finally:
        control.close()


@given(parsers.parse('the fixtures file has no "{name}"'))
def _drop_fixture(partner_state: dict[str, Any], name: str) -> None:
    partner_state["drop"].append(name)


@given("no partner listens at the target")
def _nobody(partner_state: dict[str, Any]) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    partner_state.update(target=f"http://127.0.0.1:{port}", config="generic", fixtures=EMBEDDED)


@when(
    parsers.parse('the partner runs mcc verify with the clauses "{clauses}"'),
    target_fixture="verify_result",
)
def _run(partner_state: dict[str, Any], clauses: str) -> tuple[Result, dict[str, Any]]:
    tmp: Path = partner_state["tmp"]
    data = partner_state["fixtures"].model_dump(exclude_none=True)
    for name in partner_state["drop"]:
        data.pop(name, None)
    fixtures_file = tmp / "fixtures.yaml"
    fixtures_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    args = [
        "--config",
        partner_state["config"],
        "--target",
        partner_state["target"],
        "--fixtures",
        str(fixtures_file),
        "--latency-calls",
        "3",
        "--report-dir",
        str(tmp / "reports"),
    ]
    for prefix in clauses.split(","):
        args += ["--only", prefix.strip()]
    result = CliRunner().invoke(verify, args, env=CANARY_ENV)
    report_file = tmp / "reports" / "report.json"
    report: dict[str, Any] = json.loads(report_file.read_text()) if report_file.exists() else {}
    return result, report


@then(parsers.parse("the exit code is {code:d}"))
def _exit_code(verify_result: tuple[Result, dict[str, Any]], code: int) -> None:
    result, _report = verify_result
    assert result.exit_code == code, result.output


@then("no clause failed")
def _no_failure(verify_result: tuple[Result, dict[str, Any]]) -> None:
    _result, report = verify_result
    bad = [c["id"] for c in report["clauses"] if c["status"] in ("fail", "error")]
    assert bad == []
    assert report["counts"]["pass"] > 0


def _clause(report: dict[str, Any], clause_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in report["clauses"] if c["id"] == clause_id]
    assert found, f"{clause_id} did not run"
    return found[0]


@then(parsers.parse('the clause "{clause_id}" fails naming "{defect}"'))
def _fails(verify_result: tuple[Result, dict[str, Any]], clause_id: str, defect: str) -> None:
    _result, report = verify_result
    clause = _clause(report, clause_id)
    assert clause["status"] == "fail"
    assert defect in clause["message"]


@then(parsers.parse('the clause "{clause_id}" is skipped naming "{fixture}"'))
def _skipped(verify_result: tuple[Result, dict[str, Any]], clause_id: str, fixture: str) -> None:
    _result, report = verify_result
    clause = _clause(report, clause_id)
    assert clause["status"] == "skip"
    assert fixture in clause["message"]


@then("stderr says in one line that the target is unreachable")
def _unreachable(verify_result: tuple[Result, dict[str, Any]]) -> None:
    result, _report = verify_result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "unreachable" in lines[0]
    assert "Traceback" not in result.output
