"""``mcc record``: run the probes of ``mcc verify`` and keep every exchange as cassettes.

Exit codes: 0 recorded (whatever the clauses said: a recording is a record,
not a verdict; the console shows the scorecard), 2 could not record (bad
config or fixtures, unreachable target, missing variable, unwritable
directory), with one line on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import click

from contracts.cli_options import (
    callback_options,
    fail,
    load_inputs,
    partner_options,
    selection_options,
)

# The run's modules (httpx, rich, the clauses) are imported when the command
# runs, so ``mcc record --help`` stays fast.

__all__ = ["record"]


def _fail(message: str) -> NoReturn:
    fail("record", message)


@click.command("record", context_settings={"help_option_names": ["-h", "--help"]})
@partner_options
@selection_options
@callback_options
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the cassettes (one JSON file per probe).",
)
@click.option(
    "--safe-only",
    is_flag=True,
    help="Only the error-path probes, with no side effect (for production).",
)
@click.option(
    "--har",
    "har_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the exchanges as a HAR 1.2 file.",
)
@click.option(
    "--latency-calls",
    type=click.IntRange(min=0, max=1000),
    default=0,
    show_default=True,
    help="Calls per API for the latency clauses.",
)
def record(  # noqa: PLR0917 - click passes every option by keyword
    config_name: str,
    target: str | None,
    fixtures_path: Path | None,
    out_dir: Path,
    safe_only: bool,
    har_path: Path | None,
    latency_calls: int,
    show_numbers: bool,
    only: tuple[str, ...],
    callback_listen: str | None,
    callback_url: str | None,
) -> None:
    """Record a partner: every probe of mcc verify, one redacted cassette per probe."""
    from rich.console import Console

    import connector
    from contracts.cassettes.format import write_directory
    from contracts.cassettes.har import to_har
    from contracts.clauses.context import Options
    from contracts.errors import ContractsError
    from contracts.record import record as record_run
    from contracts.reporters.console import ConsoleReporter
    from contracts.runner import tool_version

    config, fixtures = load_inputs("record", config_name, fixtures_path)
    options = Options(
        latency_calls=latency_calls,
        show_numbers=show_numbers,
        only=only,
        callback_listen=callback_listen,
        callback_url=callback_url,
    )
    console = ConsoleReporter(Console())
    try:
        recording = record_run(
            config, target, fixtures, options, safe_only=safe_only, on_event=console.handle
        )
        write_directory(out_dir, recording.index, recording.cassettes)
        if har_path is not None:
            har = to_har(recording.cassettes, version=tool_version())
            har_path.parent.mkdir(parents=True, exist_ok=True)
            har_path.write_text(json.dumps(har, indent=2, ensure_ascii=False), encoding="utf-8")
    except (ContractsError, connector.ConnectorError, OSError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted")
    click.echo(
        f"recorded {len(recording.cassettes)} probes of {config.name} into {out_dir}"
        + (f" and {har_path}" if har_path else "")
    )
