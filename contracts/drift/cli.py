"""``mcc drift``: probe a partner again and report what drifted from the baseline.

Exit codes: 0 no breaking drift (benign drift allowed, unless ``--fail-on
benign``), 1 breaking drift (or any drift with ``--fail-on benign``), 2 could
not check (bad config, fixtures or baseline, unreachable target), with one
line on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from contracts.cli_options import callback_options, fail, load_inputs, partner_options
from contracts.drift.kinds import DRIFT_FORMATS, LATENCY_FACTOR, LATENCY_FLOOR_MS

# The run's modules (httpx, rich, Jinja2, the clauses) are imported when the
# command runs, so ``mcc drift --help`` stays fast.

__all__ = ["drift"]


def _fail(message: str) -> NoReturn:
    fail("drift", message)


@click.command("drift", context_settings={"help_option_names": ["-h", "--help"]})
@partner_options
@callback_options
@click.option(
    "--baseline",
    "baseline_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The cassette directory mcc record wrote.",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write the new cassettes of drifted probes into the baseline.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["breaking", "benign"]),
    default="breaking",
    show_default=True,
    help="Exit 1 on breaking drift only, or on any drift.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write drift.json, drift-junit.xml and drift.html here.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(DRIFT_FORMATS),
    multiple=True,
    help="File reports to write (default: all, with --report-dir).",
)
@click.option(
    "--latency-factor",
    type=click.FloatRange(min=1.0, max=100.0),
    default=LATENCY_FACTOR,
    show_default=True,
    help="p95 drift: slower (or faster) by this factor...",
)
@click.option(
    "--latency-floor-ms",
    type=click.FloatRange(min=0.0, max=600_000.0),
    default=LATENCY_FLOOR_MS,
    show_default=True,
    help="...and by at least this many ms.",
)
def drift(  # noqa: PLR0917 - click passes every option by keyword
    baseline_dir: Path,
    config_name: str,
    target: str | None,
    fixtures_path: Path | None,
    update_baseline: bool,
    fail_on: str,
    report_dir: Path | None,
    formats: tuple[str, ...],
    latency_factor: float,
    latency_floor_ms: float,
    callback_listen: str | None,
    callback_url: str | None,
) -> None:
    """Compare a partner's answers now with a recorded baseline; exit 1 on breaking drift."""
    from rich.console import Console

    import connector
    from contracts.clauses.context import Options
    from contracts.drift.check import check_drift
    from contracts.drift.check import update_baseline as write_baseline
    from contracts.drift.console import print_report
    from contracts.drift.kinds import Verdict
    from contracts.drift.reports import write_reports
    from contracts.errors import ContractsError
    from contracts.evidence import visible

    config, fixtures = load_inputs("drift", config_name, fixtures_path)
    options = Options(callback_listen=callback_listen, callback_url=callback_url)
    try:
        report, _recording = check_drift(
            config,
            baseline_dir,
            target,
            fixtures,
            options=options,
            fail_on=Verdict(fail_on),
            latency_factor=latency_factor,
            latency_floor_ms=latency_floor_ms,
        )
        print_report(Console(), report)
        if report_dir is not None or formats:
            write_reports(report, report_dir or Path("reports"), formats or DRIFT_FORMATS)
        if update_baseline:
            written = write_baseline(baseline_dir, report)
            click.echo(f"baseline updated: {len(written)} cassette(s) rewritten in {baseline_dir}")
        else:
            for item in report.probes:
                if item.diff:
                    click.echo(visible(item.diff), nl=False)
    except (ContractsError, connector.ConnectorError, OSError) as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted")
    sys.exit(report.exit_code)
