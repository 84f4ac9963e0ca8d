"""The README says what the code does: its tables and commands are checked here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mcc.cli import cli
from simulator import behaviour_rows

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_magic_number_table_is_the_simulators() -> None:
    rows = re.findall(r"^\| `?([^|`]+?)`? \| ([^|]+?) \|$", README, flags=re.MULTILINE)
    documented = {number: outcome for number, outcome in rows if number != "number dialled"}
    expected = {row["number"]: row["description"] for row in behaviour_rows()}
    assert {n: documented.get(n) for n in expected} == expected


def _readme_commands() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    text = "\n".join(blocks).replace("\\\n", " ")
    commands = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip().rstrip("&").strip()
        if line.startswith("mcc "):
            commands.append(shlex.split(line)[1:])
    return commands


@pytest.mark.parametrize("argv", _readme_commands(), ids=" ".join)
def test_every_mcc_command_in_the_readme_exists_with_its_options(argv: list[str]) -> None:
    # Resolve the sub-command path, then ask click to parse the options without
    # running anything: an unknown command or option fails here.
    ctx = cli.make_context("mcc", list(argv), resilient_parsing=True)
    command: click.Command = cli
    args = list(argv)
    while isinstance(command, click.Group) and args:
        name, sub, args = command.resolve_command(ctx, args)
        assert sub is not None, f"mcc has no command {name!r}"
        command = sub
    result = CliRunner().invoke(command, [*args, "--help"])
    assert result.exit_code == 0, result.output
    for option in [a.split("=", 1)[0] for a in args if a.startswith("--")]:
        assert option in result.output, f"{' '.join(argv)}: no option {option}"
