"""JUnit XML report: one ``testcase`` per clause, one ``testsuite`` per API.

CI systems read this: a broken contract is a ``<failure>``, a clause we could
not test is an ``<error>``, a skipped clause carries its reason. Every text
goes through ``contracts.evidence.visible``: XML 1.0 has no way to write most
control characters (an ESC in an answer made the file ill-formed) nor a lone
surrogate (it could not even be written), so they are shown as signs (``␛``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import Path

from contracts.events import ClauseResult, Event, RunFinished, RunSummary, Status
from contracts.evidence import visible

__all__ = ["JUnitReporter", "junit_text", "summary_to_junit"]


def _evidence_text(result: ClauseResult) -> str:
    lines = [result.message]
    for item in result.evidence:
        lines += [
            "",
            f"[{item.label}] {item.method} {item.url}",
            f"  answer: HTTP {item.status} -> {item.outcome}: {item.outcome_message}",
            f"  body: {item.answer_excerpt}",
            f"  replay: {item.curl}",
        ]
    return visible("\n".join(lines))


def summary_to_junit(summary: RunSummary) -> ET.Element:
    """The report as an XML element tree (``<testsuites>`` root)."""
    counts = summary.counts
    root = ET.Element(
        "testsuites",
        name=visible(f"mcc verify {summary.info.config_name}"),
        tests=str(counts["total"]),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        skipped=str(counts["skip"]),
        time=f"{summary.duration_s:.3f}",
    )
    ordered = sorted(summary.results, key=lambda r: r.clause.api)
    for api, group in groupby(ordered, key=lambda r: r.clause.api):
        results = list(group)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=visible(api),
            tests=str(len(results)),
            failures=str(sum(r.status is Status.FAIL for r in results)),
            errors=str(sum(r.status is Status.ERROR for r in results)),
            skipped=str(sum(r.status is Status.SKIP for r in results)),
            time=f"{sum(r.duration_s for r in results):.3f}",
            timestamp=summary.info.started.isoformat(),
        )
        for result in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=visible(f"{summary.info.config_name}.{api}"),
                name=visible(result.clause.id),
                time=f"{result.duration_s:.3f}",
            )
            if result.status is Status.FAIL:
                node = ET.SubElement(
                    case, "failure", message=visible(result.message), type="ContractFailure"
                )
                node.text = _evidence_text(result)
            elif result.status is Status.ERROR:
                node = ET.SubElement(
                    case, "error", message=visible(result.message), type="CouldNotTest"
                )
                node.text = _evidence_text(result)
            elif result.status is Status.SKIP:
                ET.SubElement(case, "skipped", message=visible(result.message))
    return root


def junit_text(summary: RunSummary) -> str:
    """The whole ``junit.xml``: declaration, indented tree, final newline."""
    root = summary_to_junit(summary)
    ET.indent(root)
    return f"<?xml version='1.0' encoding='utf-8'?>\n{ET.tostring(root, encoding='unicode')}\n"


class JUnitReporter:
    """Writes ``junit.xml`` when the run finishes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def handle(self, event: Event) -> None:
        """Write the file on ``RunFinished``."""
        if isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(junit_text(event.summary), encoding="utf-8")
