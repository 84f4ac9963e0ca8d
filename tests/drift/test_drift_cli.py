"""``mcc drift`` and ``mcc record`` from the command line: exit codes, reports, baseline update."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from contracts.cassettes.cli import record
from contracts.drift.cli import drift


def _fixtures(partner: Any, tmp_path: Path) -> Path:
    path = tmp_path / "fixtures.yaml"
    path.write_text(yaml.safe_dump(partner.fixtures.model_dump(exclude_none=True)))
    return path


def test_breaking_drift_exits_1_with_reports_and_update_writes_the_baseline(
    tmp_path: Path, partner_factory: Any, kit: Any
) -> None:
    partner = partner_factory()
    fixtures = _fixtures(partner, tmp_path)
    base = tmp_path / "baseline"
    common = ["--config", "generic", "--target", partner.url, "--fixtures", str(fixtures)]
    runner = CliRunner()
    recorded = runner.invoke(record, [*common, "--out", str(base), "--safe-only"], env=partner.env)
    assert recorded.exit_code == 0, recorded.output
    same = runner.invoke(drift, [*common, "--baseline", str(base)], env=partner.env)
    assert same.exit_code == 0, same.output
    assert "0 breaking, 0 benign" in same.output

    def _no_status(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k != "status"}

    partner.mutations.append(
        kit.Mutation(
            "/PullAPI",
            kit.json_change(_no_status),
            lambda p: p.get("agentPhoneNumber", "").endswith("9800000002"),
        )
    )
    reports = tmp_path / "reports"
    args = [*common, "--baseline", str(base), "--report-dir", str(reports)]
    broken = runner.invoke(drift, args, env=partner.env)
    assert broken.exit_code == 1, broken.output
    assert "breaking" in broken.output
    assert "+++ b/baseline/agent_popup.error.no_call.json" in broken.output
    data = json.loads((reports / "drift.json").read_text())
    assert data["exit_code"] == 1
    suite = ET.parse(reports / "drift-junit.xml").getroot()
    assert int(suite.get("tests", "0")) == len(data["probes"])
    assert suite.find("testcase/failure") is not None
    html = (reports / "drift.html").read_text()
    assert "baseline" in html
    assert "agent_popup.error.no_call" in html
    for secret in partner.env.values():
        if len(secret) > 8:
            assert secret not in html
            assert secret not in (reports / "drift.json").read_text()

    updated = runner.invoke(drift, [*args, "--update-baseline"], env=partner.env)
    assert updated.exit_code == 1
    assert "baseline updated" in updated.output
    again = runner.invoke(drift, [*common, "--baseline", str(base)], env=partner.env)
    assert again.exit_code == 0, again.output


def test_a_missing_baseline_is_one_line_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        drift, ["--config", "generic", "--baseline", str(tmp_path / "none")]
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "mcc record" in result.output
