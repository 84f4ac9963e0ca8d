"""``mcc verify``: check a partner's APIs against a connector config.

Exit codes: 0 every clause passed (skips allowed), 1 the partner failed a
clause, 2 we could not test (bad config, unreachable target, missing
variable, a clause that could not run), always with one line on stderr (a
bad config: that line, then one line per problem, as ``mcc config check``
prints them) and never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from contracts.cli_options import (
    callback_options,
    fail,
    load_inputs,
    partner_options,
    selection_options,
)
from contracts.reporters import FILE_FORMATS

# The run (the connector, httpx, the clauses, rich) is imported when the
# command runs, so ``mcc verify --help`` stays fast.
if TYPE_CHECKING:
    from contracts.events import RunSummary

__all__ = ["verify"]

FORMATS = ("console", *FILE_FORMATS)


def _fail(message: str, *, every_line: bool = False) -> NoReturn:
    fail("verify", message, every_line=every_line)


def _could_not_test(summary: RunSummary) -> str:
    from contracts.events import Status

    errors = [r for r in summary.results if r.status is Status.ERROR]
    return (
        f"could not test {len(errors)} clause(s); first: {errors[0].clause.id}: {errors[0].message}"
    )


@click.command("verify", context_settings={"help_option_names": ["-h", "--help"]})
@partner_options
@selection_options
@callback_options
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write junit.xml, report.json and report.html here.",
)
@click.option(
    "--latency-calls",
    type=click.IntRange(min=0, max=1000),
    default=20,
    show_default=True,
    help="Sequential calls per API for the latency clauses (0 skips them).",
)
@click.option("--fuzz", is_flag=True, help="Also fuzz the dialect's OpenAPI contract.")
@click.option(
    "--fuzz-examples",
    type=click.IntRange(min=1, max=500),
    default=10,
    show_default=True,
    help="Generated requests per operation with --fuzz.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(FORMATS),
    multiple=True,
    help="Reports to produce (repeatable); default: console, plus all files with --report-dir."
    " Without --report-dir one of junit/json/html is written to stdout (the scorecard,"
    " if asked for, to stderr).",
)
def verify(  # noqa: PLR0917 - click passes every option by keyword
    config_name: str,
    target: str | None,
    fixtures_path: Path | None,
    report_dir: Path | None,
    latency_calls: int,
    fuzz: bool,
    fuzz_examples: int,
    show_numbers: bool,
    formats: tuple[str, ...],
    only: tuple[str, ...],
    callback_listen: str | None,
    callback_url: str | None,
) -> None:
    """Verify a partner's APIs against a connector config; write a scorecard and reports."""
    from rich.console import Console

    import connector
    from contracts.clauses.context import Options
    from contracts.errors import ContractsError
    from contracts.events import RunFinished
    from contracts.evidence import visible
    from contracts.reporters import Reporter, StreamReporter, build_file_reporters
    from contracts.reporters.console import ConsoleReporter
    from contracts.runner import run

    config, fixtures = load_inputs("verify", config_name, fixtures_path)
    chosen = formats or (("console", *FILE_FORMATS) if report_dir else ("console",))
    file_formats = tuple(dict.fromkeys(f for f in chosen if f in FILE_FORMATS))
    if report_dir is None and len(file_formats) > 1:
        _fail(
            f"--format {' and '.join(file_formats)} without --report-dir: only one report"
            " can go to stdout; pass --report-dir DIR to write them all as files"
        )
    # Without --report-dir a file format is written whole to stdout (for CI
    # pipes: mcc verify --format json | jq); the scorecard then goes to stderr.
    to_stdout = report_dir is None and bool(file_formats)
    reporters: list[Reporter] = []
    if "console" in chosen:
        reporters.append(ConsoleReporter(Console(stderr=to_stdout)))
    if to_stdout:
        reporters.append(StreamReporter(file_formats[0], sys.stdout))
    elif file_formats and report_dir is not None:
        reporters += build_file_reporters(report_dir, file_formats)
    options = Options(
        latency_calls=latency_calls,
        fuzz=fuzz,
        fuzz_examples=fuzz_examples,
        show_numbers=show_numbers,
        only=only,
        callback_listen=callback_listen,
        callback_url=callback_url,
    )
    summary: RunSummary | None = None
    try:
        for event in run(config, target=target, fixtures=fixtures, options=options):
            for reporter in reporters:
                reporter.handle(event)
            if isinstance(event, RunFinished):
                summary = event.summary
    except (ContractsError, connector.ConnectorError, OSError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted")
    except Exception as exc:  # never a traceback for the partner
        _fail(f"internal error: {type(exc).__name__}: {exc}")
    if summary is None:
        _fail("the run ended without a summary")
    code = summary.exit_code
    if code == 2:
        click.echo(f"mcc verify: {visible(_could_not_test(summary))}", err=True)
    sys.exit(code)
