"""What ``mcc verify``, ``mcc record`` and ``mcc drift`` share on the command line.

The three probe a partner the same way, so they take the same options with
the same words (``--config``, ``--target``, ``--fixtures``, ``--only``,
``--show-numbers``, ``--callback-listen``, ``--callback-url``), fail the same
way (one line on stderr, exit code 2) and read their inputs the same way.
Only click is imported here: ``--help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    import connector
    from contracts.fixtures import Fixtures

__all__ = [
    "BAD_INPUT",
    "callback_options",
    "fail",
    "load_inputs",
    "partner_options",
    "selection_options",
]

BAD_INPUT = 2
F = TypeVar("F", bound=Callable[..., object])


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def partner_options(function: F) -> F:
    """``--config``, ``--target`` and ``--fixtures``: whom to probe, with what."""
    return _stack(
        click.option(
            "--config",
            "config_name",
            required=True,
            metavar="NAME_OR_PATH",
            help="A preset name (generic, ozonetel, ...) or a connector config YAML file.",
        ),
        click.option(
            "--target",
            metavar="BASE_URL",
            default=None,
            help="The partner's base URL; default: the embedded simulator on a free loopback port.",
        ),
        click.option(
            "--fixtures",
            "fixtures_path",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Partner fixtures YAML (test agent, DND number, ...); see docs/conformance.md.",
        ),
    )(function)


def selection_options(function: F) -> F:
    """``--only`` and ``--show-numbers``: which clauses run, and what reports show."""
    return _stack(
        click.option(
            "--only",
            multiple=True,
            metavar="PREFIX",
            help="Run only clauses whose id starts with PREFIX (repeatable), e.g. agent_popup.",
        ),
        click.option(
            "--show-numbers", is_flag=True, help="Show customer numbers unmasked in reports."
        ),
    )(function)


def callback_options(function: F) -> F:
    """``--callback-listen`` and ``--callback-url``: where the call-log receiver is."""
    return _stack(
        click.option(
            "--callback-listen",
            metavar="HOST:PORT",
            default=None,
            help="Where the run's call-log receiver listens; default: a free loopback port.",
        ),
        click.option(
            "--callback-url",
            metavar="URL",
            default=None,
            help="The receiver's address as the partner reaches it (NAT, tunnel); default: the"
            " listen address. /calllog is added when the URL has no path.",
        ),
    )(function)


def fail(command: str, message: str, *, every_line: bool = False) -> NoReturn:
    """``mcc <command>: <message>`` on stderr (its first line, or every line) and exit 2."""
    from contracts.evidence import visible

    lines = message.splitlines() or ["failed"]
    # A bad config lists each problem on its own line, as `mcc config check` does.
    text = "\n".join(lines if every_line else lines[:1])
    click.echo(f"mcc {command}: {visible(text)}", err=True)
    sys.exit(BAD_INPUT)


def load_inputs(
    command: str, config_name: str, fixtures_path: Path | None
) -> tuple[connector.ConnectorConfig, Fixtures | None]:
    """The config (a preset or a file) and the fixtures, or :func:`fail` naming the problem."""
    import connector
    from contracts.errors import ContractsError
    from contracts.fixtures import load_fixtures

    try:
        config = connector.resolve_config(config_name)
        fixtures = load_fixtures(fixtures_path) if fixtures_path is not None else None
    except connector.ConfigError as exc:
        fail(command, str(exc), every_line=True)
    except ContractsError as exc:
        fail(command, str(exc))
    return config, fixtures
