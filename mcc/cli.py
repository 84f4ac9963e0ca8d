"""``mcc``: the harness's command line.

Built-in commands: ``presets``, ``config check`` and ``test-api``. Other parts
plug their command groups in through the ``mcc.commands`` entry point group
(``sim``, ``verify``, ``crm``, ``call``...), so this root imports none of them
until a command runs. A plug-in that
fails to load costs only its own command: the others keep working, and the
warning shows when that command is invoked.

Exit codes: 0 done (and, for ``test-api``, mapped to success); 1 the provider's
answer mapped to an error, or a plug-in could not load; 2 bad input (a wrong
config, preset, sample or option), reported as clear lines, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint, PackageNotFoundError, entry_points, version
from typing import TYPE_CHECKING, Any, NoReturn

import click

# Only leaf modules here: ``mcc --help`` must not pay for the config model
# (pydantic), httpx or rich; the commands import what they use when they run.
from connector.apis import API_NAMES
from connector.document import visible
from connector.errors import ConnectorError
from mcc.help_index import SHORT_HELP

if TYPE_CHECKING:
    from connector.config import ConnectorConfig

__all__ = ["PLUGIN_GROUP", "cli", "main", "plugin_entry_points"]

PLUGIN_GROUP = "mcc.commands"
DIST_NAME = "mobile-cloud-calling-harness"
BAD_INPUT = 2


class BadInput(click.ClickException):
    """A ``ConnectorError`` shown as its lines on stderr, exit code 2.

    Its text may quote a config a partner wrote (YAML's ``"\\e"`` is an ESC):
    control characters are shown, never sent to the terminal.
    """

    exit_code = BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"mcc: {visible(self.format_message())}", err=True)


def plugin_entry_points() -> list[EntryPoint]:
    """The installed ``mcc.commands`` entry points (tests replace this function)."""
    return sorted(entry_points(group=PLUGIN_GROUP), key=lambda ep: ep.name)


def _unavailable(name: str, problem: str) -> click.Command:
    """A stand-in for a plug-in that failed to load: warns only when invoked."""

    def warn(**_: object) -> NoReturn:
        click.echo(f"mcc: warning: command {name!r} is unavailable: {problem}", err=True)
        sys.exit(1)

    return click.Command(
        name,
        callback=warn,
        help=f"(unavailable: {problem})",
        short_help="(unavailable: failed to load)",
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


class _PluginGroup(click.Group):
    """Built-in commands plus lazily loaded ``mcc.commands`` plug-ins."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: dict[str, click.Command] = {}

    def _plugins(self) -> dict[str, EntryPoint]:
        return {ep.name: ep for ep in plugin_entry_points() if ep.name not in self.commands}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self._plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in self._loaded:
            return self._loaded[cmd_name]
        point = self._plugins().get(cmd_name)
        if point is None:
            return None
        try:
            loaded = point.load()
        except Exception as exc:  # any import-time failure: keep the other commands alive
            command = _unavailable(cmd_name, f"{point.value} failed to import ({exc!r:.120})")
        else:
            if isinstance(loaded, click.Command):
                command = loaded
            else:
                command = _unavailable(cmd_name, f"{point.value} is not a click command")
        self._loaded[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # As click's own, but a shipped plug-in not yet loaded is listed with
        # its line from SHORT_HELP instead of being imported to ask for it.
        plugins = self._plugins()
        rows: list[tuple[str, Callable[[int], str]]] = []
        for name in self.list_commands(ctx):
            point = plugins.get(name)
            known = SHORT_HELP.get(point.value) if point is not None else None
            if known is not None and name not in self._loaded:
                # A stand-in carrying only the help: click shortens it as its own.
                rows.append((name, click.Command(name, help=known).get_short_help_str))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, short(limit)) for name, short in rows])

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConnectorError as exc:
            raise BadInput(str(exc)) from None


# -h as well as --help on every command, also when one runs outside the mcc
# root: click keeps the help option a command first made, so a command first
# run on its own (without the root's names) would refuse -h from then on.
_HELP = {"help_option_names": ["-h", "--help"]}


def _version() -> str:
    try:
        return version(DIST_NAME)
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


@click.group(cls=_PluginGroup, context_settings=_HELP)
@click.version_option(_version(), "--version", prog_name="mcc")
def cli() -> None:
    """Mobile cloud calling harness: connector, simulator and conformance checks."""


@cli.command("presets", context_settings=_HELP)
def presets_command() -> None:
    """List the shipped provider presets."""
    from connector.presets import preset_description, preset_names

    names = preset_names()
    width = max((len(name) for name in names), default=0)
    for name in names:
        click.echo(f"{name.ljust(width)}  {preset_description(name)}")


@cli.group("config", context_settings=_HELP)
def config_group() -> None:
    """Check connector configurations."""


def _summary(source: str, config: ConnectorConfig) -> list[str]:
    lines = [f"OK: {source} ({config.name}, mode {config.mode.value})"]
    for name in API_NAMES:
        api = config.apis.get(name)
        if api is None:
            if name in config.not_offered:
                lines.append(f"  {name}: not offered ({config.not_offered[name]})")
            continue
        extra = f", every {api.sync_every:g} s" if api.sync_every else ""
        lines.append(
            f"  {name}: {api.method} {api.url.split('?')[0]}"
            f" ({len(api.response)} rules, timeout {api.timeout:g} s{extra})"
        )
    log = config.call_log
    if log is not None:
        how = (
            "with each call (@CallbackUrl)"
            if log.delivery == "per_call"
            else "set once in the account"
        )
        lines.append(f"  call_log: {log.format} call logs, URL {how}")
    else:
        lines.append("  call_log: none (mcc verify skips the callback clauses)")
    return lines


@config_group.command("check", context_settings=_HELP)
@click.argument("source", metavar="FILE_OR_PRESET")
def config_check(source: str) -> None:
    """Validate a config file or preset; print a summary or every problem."""
    from connector.presets import resolve_config

    config = resolve_config(source)
    for line in _summary(source, config):
        click.echo(line)


def _parse_samples(values: Sequence[str]) -> dict[str, str]:
    from mcc import testapi

    try:
        return testapi.parse_samples(values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sample") from None


@cli.command("test-api", context_settings=_HELP)
@click.argument("config_source", metavar="CONFIG")
@click.argument("api_name", metavar="API", type=click.Choice(API_NAMES))
@click.option(
    "--sample",
    "samples",
    multiple=True,
    metavar="TOKEN=VALUE",
    help="Sample value for a token, e.g. --sample Lead:Phone=9876543210 (repeat).",
)
@click.option("--target", metavar="BASE_URL", help="Send to this scheme://host:port instead.")
@click.option("--show-numbers", is_flag=True, help="Do not mask phone numbers in the output.")
def test_api_command(
    config_source: str,
    api_name: str,
    samples: tuple[str, ...],
    target: str | None,
    show_numbers: bool,
) -> None:
    """Call one API of CONFIG (a preset or a file) with sample values and map the answer."""
    from connector.presets import resolve_config
    from mcc import testapi

    config = resolve_config(config_source)
    values = _parse_samples(samples)
    unknown = testapi.unknown_samples(config, api_name, values)
    if unknown:
        keys = testapi.sample_keys(config, api_name)
        takes = (
            f"its tokens take {', '.join(keys)}"
            if keys
            else "it takes no sample (its only tokens are ${VAR} secrets from the environment)"
        )
        raise BadInput(
            f"--sample {', '.join(unknown)}: no token of {api_name} in {config.name} reads"
            f" {'it' if len(unknown) == 1 else 'them'}; {takes}"
        )
    missing = testapi.missing_samples(config, api_name, values)
    if missing:
        lines = "\n".join(f"  --sample {key}=VALUE" for key in missing)
        raise BadInput(f"{api_name} needs a sample value for each token:\n{lines}")
    report = testapi.run_test_api(
        config, api_name, values, target=target, transport=testapi.make_transport()
    )
    testapi.print_report(report, show_numbers=show_numbers)
    if not report.result.outcome.ok:
        sys.exit(1)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``mcc`` console script."""
    run: Callable[..., Any] = cli.main
    run(args=list(argv) if argv is not None else None, prog_name="mcc")
