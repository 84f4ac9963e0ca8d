"""The console view of a drift report (rich): one row per drifted probe, then the fixes."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from contracts.drift.check import DriftReport
from contracts.drift.kinds import Verdict
from contracts.evidence import visible

__all__ = ["print_report"]


def print_report(console: Console, report: DriftReport) -> None:
    """Print what drifted, its verdict, and for breaking drift the suggested rules."""
    drifted = [p for p in report.probes if p.verdict is not None]
    if drifted:
        table = Table(title=f"drift against {visible(report.baseline_dir)}")
        for column in ("probe", "verdict", "connector decides", "drift"):
            table.add_column(column)
        for item in drifted:
            style = "bold red" if item.verdict is Verdict.BREAKING else "yellow"
            table.add_row(
                visible(item.probe),
                f"[{style}]{item.verdict}[/]",
                visible(f"{item.before.describe()} -> {item.after.describe()}"),
                visible("\n".join(d.describe() for d in item.drifts)),
                end_section=True,
            )
        console.print(table)
    for drift in report.latency:
        console.print(f"[yellow]benign[/] {visible(drift.describe())}")
    for item in drifted:
        if item.suggestions:
            console.print(
                f"suggested rules for {visible(item.probe)} (apis.{item.api}.response):",
                markup=False,
            )
            for rule in item.suggestions:
                line = f"  - {{key: {rule.key}, value: {rule.value!r}, outcome: {rule.outcome}}}"
                console.print(visible(line), markup=False)
    counts = report.counts
    console.print(
        f"{counts['breaking']} breaking, {counts['benign']} benign, {counts['unchanged']}"
        f" unchanged of {counts['probes']} probes",
        markup=False,
    )
