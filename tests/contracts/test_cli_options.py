"""mcc verify, record and drift take the partner options alike and fail alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mcc.cli import cli

# The extra arguments each command needs besides --config.
COMMANDS = {
    "verify": [],
    "record": ["--out", "cassettes"],
    "drift": ["--baseline", "cassettes"],
}


def _help(command: str) -> str:
    result = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def _line(text: str, option: str) -> str:
    # The option's line, spaces folded: each command aligns its help column its own way.
    return next(
        " ".join(line.split()) for line in text.splitlines() if line.strip().startswith(option)
    )


@pytest.mark.parametrize(
    "option", ["--config", "--target", "--fixtures", "--callback-listen", "--callback-url"]
)
def test_the_partner_options_read_the_same_everywhere(option: str) -> None:
    assert len({_line(_help(command), option) for command in COMMANDS}) == 1


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_bad_config_lists_every_problem_and_exits_2(command: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nmode: cloud_only\napis:\n  click_to_call:\n    method: PUT\n    url: nope\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, [command, "--config", str(bad), *COMMANDS[command]])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"mcc {command}: ")
    assert len(lines) >= 2  # one line per problem, as mcc config check prints them
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_missing_fixtures_file_is_one_line(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    args = [command, "--config", "generic", "--fixtures", str(missing), *COMMANDS[command]]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"mcc {command}: ")
    assert "nowhere.yaml" in result.stderr
