"""``mcc verify --format junit|json|html`` without ``--report-dir``: the report on stdout.

A CI job pipes it (``mcc verify --format json | jq``), so stdout holds that
one document and nothing else; the scorecard, when asked for, goes to stderr.
Two file formats cannot share stdout: refused with one line, before any run.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from contracts.cli import verify

pytestmark = pytest.mark.conformance

# One quick clause against the embedded simulator: the reports' shape is the point.
QUICK = ["--config", "generic", "--only", "did_list.numbers", "--latency-calls", "0"]


def _verify(*args: str, cwd: Path) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        result = CliRunner().invoke(verify, [*QUICK, *args])
    # Nothing is written anywhere (no reports/ folder) when the report goes to stdout.
    assert list(cwd.iterdir()) == []
    return result


def test_json_without_report_dir_is_written_to_stdout(tmp_path: Path) -> None:
    result = _verify("--format", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["total"] == 1
    assert report["clauses"][0]["id"] == "did_list.numbers"
    assert report["exit_code"] == 0


def test_junit_without_report_dir_is_written_to_stdout(tmp_path: Path) -> None:
    result = _verify("--format", "junit", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert root.tag == "testsuites"
    assert [case.get("name") for case in root.iter("testcase")] == ["did_list.numbers"]


def test_html_without_report_dir_is_written_to_stdout(tmp_path: Path) -> None:
    result = _verify("--format", "html", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.lstrip().lower().startswith("<!doctype html>")
    assert "did_list.numbers" in result.stdout
    assert result.stdout.rstrip().endswith("</html>")


def test_the_scorecard_goes_to_stderr_beside_a_report_on_stdout(tmp_path: Path) -> None:
    result = _verify("--format", "json", "--format", "console", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["pass"] == 1
    assert "conformant" in result.stderr


def test_two_file_formats_without_report_dir_are_refused_in_one_line(tmp_path: Path) -> None:
    result = _verify("--format", "json", "--format", "junit", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "only one report can go to stdout" in lines[0]
    assert "--report-dir" in lines[0]


def test_with_report_dir_the_file_is_written_and_stdout_has_no_report(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    result = CliRunner().invoke(verify, [*QUICK, "--format", "json", "--report-dir", str(reports)])
    assert result.exit_code == 0, result.stderr
    assert json.loads((reports / "report.json").read_text("utf-8"))["counts"]["total"] == 1
    assert result.stdout == ""
