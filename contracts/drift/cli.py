"""``mcc drift``: probe a partner again and report what drifted from the baseline.

Exit codes: 0 no breaking drift (benign drift allowed, unless ``--fail-on
benign``), 1 breaking drift (or any drift with ``--fail-on benign``), 2 could
not check (bad config, fixtures or baseline, unreachable target), with one
line on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

import connector
from contracts.clauses.context import Options
from contracts.drift.check import check_drift
from contracts.drift.check import update_baseline as write_baseline
from contracts.drift.console import print_report
from contracts.drift.kinds import Verdict
from contracts.drift.reports import DRIFT_FORMATS, write_reports
from contracts.errors import ContractsError
from contracts.evidence import visible
from contracts.fixtures import load_fixtures

__all__ = ["drift"]


def _fail(message: str) -> None:
    click.echo(f"mcc drift: {visible(message.splitlines()[0] if message else 'failed')}", err=True)
    sys.exit(2)


@click.command("drift")
@click.option(
    "--baseline",
    "baseline_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The cassette directory mcc record wrote.",
)
@click.option(
    "--config",
    "config_name",
    required=True,
    metavar="NAME_OR_PATH",
    help="A preset name or a connector config YAML file.",
)
@click.option(
    "--target",
    metavar="BASE_URL",
    default=None,
    help="The partner's base URL; default: the embedded simulator.",
)
@click.option(
    "--fixtures",
    "fixtures_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Partner fixtures YAML.",
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
    default=2.0,
    show_default=True,
    help="p95 drift: slower (or faster) by this factor...",
)
@click.option(
    "--latency-floor-ms",
    type=click.FloatRange(min=0.0, max=600_000.0),
    default=500.0,
    show_default=True,
    help="...and by at least this many ms.",
)
@click.option(
    "--callback-listen",
    metavar="HOST:PORT",
    default=None,
    help="Where the call-log receiver listens.",
)
@click.option(
    "--callback-url",
    metavar="URL",
    default=None,
    help="The receiver's address as the partner reaches it.",
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
    try:
        config = connector.resolve_config(config_name)
        fixtures = load_fixtures(fixtures_path) if fixtures_path is not None else None
    except (connector.ConfigError, ContractsError) as exc:
        _fail(str(exc))
        return
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
        return
    except KeyboardInterrupt:
        _fail("interrupted")
        return
    sys.exit(report.exit_code)
