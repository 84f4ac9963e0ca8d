"""``-h`` works everywhere: every mcc command and sub-command, and each CLI run alone."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mcc.cli import cli, plugin_entry_points

ROOT = Path(__file__).resolve().parents[2]


def _paths(command: click.Command, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path under ``command`` (itself included), plug-ins loaded."""
    yield prefix
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=" ".join(("mcc", *prefix)))
        for name in command.list_commands(ctx):
            child = command.get_command(ctx, name)
            assert child is not None, f"mcc {' '.join((*prefix, name))} failed to load"
            yield from _paths(child, (*prefix, name))


MCC_PATHS = sorted(_paths(cli))
PLUGINS = {point.name: point for point in plugin_entry_points()}


def test_the_walk_reaches_every_plugin_and_the_sub_commands() -> None:
    tops = {path[0] for path in MCC_PATHS if path}
    assert set(PLUGINS) <= tops
    for nested in (("sim", "serve"), ("crm", "activities"), ("crm", "users"), ("dids", "sync")):
        assert nested in MCC_PATHS


@pytest.mark.parametrize("path", MCC_PATHS, ids=lambda p: " ".join(p) or "mcc")
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_mcc_command_answers_help(path: tuple[str, ...], flag: str) -> None:
    result = CliRunner().invoke(cli, [*path, flag], prog_name="mcc")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: {' '.join(('mcc', *path))}")


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None
        command = found
    return command


@pytest.mark.parametrize("path", MCC_PATHS, ids=lambda p: " ".join(p) or "mcc")
def test_every_command_carries_h_in_its_own_settings(path: tuple[str, ...]) -> None:
    # Click keeps the help option a command first made: a command first run on
    # its own (a test invoking it directly) without -h in its own settings
    # refused `mcc ... -h` from then on, so whether -h worked depended on the
    # order tests ran in. Checked on the settings, which no order changes.
    names = _command(path).context_settings.get("help_option_names", [])
    assert {"-h", "--help"} <= set(names)


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_each_plugin_command_answers_h_when_run_alone(name: str) -> None:
    command = PLUGINS[name].load()
    for path in _paths(command):
        result = CliRunner().invoke(command, [*path, "-h"], prog_name=name)
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith("Usage: "), (path, result.output)


@pytest.mark.parametrize("module", ["simulator", "mcc"])
def test_python_m_accepts_h(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "-h"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,  # a hang guard only: it takes about a second
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: ")
    assert "--help" in done.stdout
