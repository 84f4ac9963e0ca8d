"""Drift reports as files: JSON (``drift.json``), JUnit (``drift-junit.xml``), HTML.

JUnit has one test case per probe (and one per API whose latency drifted):
breaking drift is a ``<failure>``, benign drift a test case that passes with
its drift in ``<system-out>`` (or a ``<failure>`` with ``--fail-on benign``).
Partner text passes through ``visible`` before it reaches XML or HTML.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import jinja2

from contracts.drift.check import DriftReport, ProbeDrift
from contracts.drift.kinds import Verdict
from contracts.errors import ReportFormatError
from contracts.evidence import visible

__all__ = ["DRIFT_FORMATS", "to_html", "to_json", "to_junit", "write_reports"]

DRIFT_FORMATS = ("json", "junit", "html")
_FILES = {"json": "drift.json", "junit": "drift-junit.xml", "html": "drift.html"}


def to_json(report: DriftReport) -> str:
    """The report as JSON (partner text JSON-escaped, as it came)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _message(item: ProbeDrift) -> str:
    return (
        f"{item.verdict} drift: {item.before.describe()} -> {item.after.describe()}: "
        + "; ".join(d.describe() for d in item.drifts)
    )


def _details(item: ProbeDrift) -> str:
    lines = [d.describe() for d in item.drifts]
    if item.suggestions:
        lines.append("suggested rules:")
        lines += [
            f"  - {{key: {r.key}, value: {r.value!r}, outcome: {r.outcome}}}"
            for r in item.suggestions
        ]
    if item.diff:
        lines += ["cassette diff:", item.diff]
    return visible("\n".join(lines))


def to_junit(report: DriftReport) -> str:
    """JUnit XML: one suite, one test case per probe."""
    suite = ET.Element("testsuite", name="mcc drift")
    failures = 0
    for item in report.probes:
        case = ET.SubElement(
            suite, "testcase", classname=f"drift.{item.api}", name=visible(item.probe)
        )
        fails = item.verdict is Verdict.BREAKING or (
            item.verdict is Verdict.BENIGN and report.fail_on is Verdict.BENIGN
        )
        if fails:
            failures += 1
            failure = ET.SubElement(case, "failure", message=visible(_message(item)))
            failure.text = _details(item)
        elif item.verdict is not None:
            ET.SubElement(case, "system-out").text = _details(item)
    for drift in report.latency:
        case = ET.SubElement(suite, "testcase", classname="drift.latency", name=drift.where)
        if report.fail_on is Verdict.BENIGN:
            failures += 1
            ET.SubElement(case, "failure", message=drift.describe())
        else:
            ET.SubElement(case, "system-out").text = drift.describe()
    suite.set("tests", str(len(report.probes) + len(report.latency)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("contracts", "templates"),
        autoescape=True,
        finalize=lambda value: visible(value) if isinstance(value, str) else value,
        undefined=jinja2.StrictUndefined,
    )


def to_html(report: DriftReport) -> str:
    """One self-contained page: counts, then each drifted probe with a side-by-side."""
    template = _environment().get_template("drift.html.j2")
    return template.render(
        report=report,
        counts=report.counts,
        drifted=[p for p in report.probes if p.verdict is not None],
        unchanged=[p for p in report.probes if p.verdict is None],
    )


def write_reports(report: DriftReport, directory: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write the chosen formats into ``directory``; the paths written."""
    makers = {"json": to_json, "junit": to_junit, "html": to_html}
    written = []
    directory.mkdir(parents=True, exist_ok=True)
    for name in formats:
        if name not in makers:
            raise ReportFormatError(
                f"unknown report format {name!r}; use {', '.join(DRIFT_FORMATS)}"
            )
        path = directory / _FILES[name]
        path.write_text(makers[name](report), encoding="utf-8")
        written.append(path)
    return written
