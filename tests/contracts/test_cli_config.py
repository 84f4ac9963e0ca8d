"""``mcc verify --config BAD.yaml`` lists every problem, as ``mcc config check`` does."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from contracts.cli import verify
from mcc.cli import cli

pytestmark = pytest.mark.conformance

BAD = """\
name: bad
apis:
  click_to_call:
    url: https://a.example
    method: PUT
    timout: 3
  agent_popup:
    url: ftp://b.example
    response:
      - {key: status, value: success, outcome: maybe}
"""


def _lines(stderr: str, prefix: str) -> list[str]:
    lines = stderr.rstrip("\n").splitlines()
    assert lines[0].startswith(prefix), lines
    return [lines[0].removeprefix(prefix), *lines[1:]]


def test_a_bad_config_lists_every_problem_as_config_check_does(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    check = CliRunner().invoke(cli, ["config", "check", str(path)], prog_name="mcc")
    run = CliRunner().invoke(verify, ["--config", str(path)])
    assert (check.exit_code, run.exit_code) == (2, 2)
    expected = _lines(check.stderr, "mcc: ")
    assert len(expected) >= 4, expected  # the head line and a line per problem
    assert _lines(run.stderr, "mcc verify: ") == expected
    assert run.stdout == ""
    assert "Traceback" not in run.output
