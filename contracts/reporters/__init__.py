"""Reporters: consumers of the runner's events (console, JUnit XML, JSON, HTML).

Each reporter has one method, ``handle(event)``; file reporters write their
file when the run finishes. ``build_file_reporters`` picks them by format
name; ``StreamReporter`` writes one format's whole document to a stream
(``mcc verify --format json`` without ``--report-dir`` writes it to stdout).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, TextIO

from contracts.errors import ReportFormatError
from contracts.events import Event, RunFinished, RunSummary

__all__ = ["FILE_FORMATS", "Reporter", "StreamReporter", "build_file_reporters", "report_text"]

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


def report_text(name: str, summary: RunSummary) -> str:
    """The whole ``name`` report (``junit``, ``json`` or ``html``) as text, as its file holds it."""
    if name == "junit":
        from contracts.reporters.junit import junit_text

        return junit_text(summary)
    if name == "json":
        from contracts.reporters.json_report import json_text

        return json_text(summary)
    if name == "html":
        from contracts.reporters.html import summary_to_html

        return summary_to_html(summary)
    raise ReportFormatError(f"unknown report format {name!r}; use {', '.join(FILE_FORMATS)}")


class StreamReporter:
    """Writes one format's whole report to ``stream`` when the run finishes."""

    def __init__(self, name: str, stream: TextIO) -> None:
        if name not in FILE_FORMATS:
            raise ReportFormatError(
                f"unknown report format {name!r}; use {', '.join(FILE_FORMATS)}"
            )
        self.name = name
        self.stream = stream

    def handle(self, event: Event) -> None:
        """Write the report on ``RunFinished``; other events carry nothing new."""
        if isinstance(event, RunFinished):
            self.stream.write(report_text(self.name, event.summary))
            self.stream.flush()
