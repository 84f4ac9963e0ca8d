"""Reporters: consumers of the runner's events (console, JUnit XML, JSON, HTML).

Each reporter has one method, ``handle(event)``; file reporters write their
file when the run finishes. ``build_reporters`` picks them by format name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from contracts.errors import ReportFormatError
from contracts.events import Event

__all__ = ["FILE_FORMATS", "Reporter", "build_file_reporters"]

FILE_FORMATS = ("junit", "json", "html")


class Reporter(Protocol):
    """Anything that consumes run events."""

    def handle(self, event: Event) -> None:
        """Take one event, in run order."""


def build_file_reporters(report_dir: Path, formats: tuple[str, ...]) -> list[Reporter]:
    """File reporters for ``formats`` writing into ``report_dir`` (created when needed)."""
    from contracts.reporters.html import HtmlReporter
    from contracts.reporters.json_report import JsonReporter
    from contracts.reporters.junit import JUnitReporter

    makers: dict[str, Reporter] = {}
    for name in formats:
        if name == "junit":
            makers[name] = JUnitReporter(report_dir / "junit.xml")
        elif name == "json":
            makers[name] = JsonReporter(report_dir / "report.json")
        elif name == "html":
            makers[name] = HtmlReporter(report_dir / "report.html")
        else:
            raise ReportFormatError(
                f"unknown report format {name!r}; use {', '.join(FILE_FORMATS)}"
            )
    return list(makers.values())
