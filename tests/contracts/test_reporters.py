"""Reporters on a synthetic run: JUnit, JSON, HTML and console agree with the events."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from rich.console import Console

from contracts.events import (
    ClauseInfo,
    Coverage,
    Event,
    RuleUse,
    RunSummary,
    Status,
    UnmappedAnswer,
)
from contracts.reporters import StreamReporter, build_file_reporters
from contracts.reporters.console import ConsoleReporter
from contracts.reporters.html import HtmlReporter, _environment, latency_svg, summary_to_html
from contracts.reporters.json_report import JsonReporter
from contracts.reporters.junit import JUnitReporter

pytestmark = pytest.mark.conformance


@pytest.fixture
def feed(events_of: Callable[[RunSummary], list[Event]]) -> Callable[[object, RunSummary], None]:
    """Hand a reporter every event of a run, in order."""

    def run(reporter: object, summary: RunSummary) -> None:
        for event in events_of(summary):
            reporter.handle(event)  # type: ignore[attr-defined]

    return run


def test_junit_has_one_testcase_per_clause_with_the_right_element(
    feed: Callable[[object, RunSummary], None], tmp_path: Path, summary: RunSummary
) -> None:
    path = tmp_path / "junit.xml"
    feed(JUnitReporter(path), summary)
    root = ET.parse(path).getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert sorted(str(name) for name in cases) == sorted(r.clause.id for r in summary.results)
    expected_child = {
        Status.PASS: None,
        Status.FAIL: "failure",
        Status.ERROR: "error",
        Status.SKIP: "skipped",
    }
    for result in summary.results:
        children = [child.tag for child in cases[result.clause.id]]
        want = expected_child[result.status]
        assert children == ([want] if want else [])
    skipped = cases["agent_popup.error.max_limit"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "agent_popup.error.max_limit ended skip <&>"
    assert root.get("failures") == "2"
    assert root.get("errors") == "1"


def test_junit_failure_text_carries_the_evidence_and_replay(
    feed: Callable[[object, RunSummary], None], tmp_path: Path, summary: RunSummary
) -> None:
    path = tmp_path / "junit.xml"
    feed(JUnitReporter(path), summary)
    failure = ET.parse(path).getroot().find(".//testcase[@name='click_to_call.dnd']/failure")
    assert failure is not None
    assert failure.text is not None
    assert "curl -sS" in failure.text
    assert "HTTP 200 -> success" in failure.text


def test_json_report_keeps_its_field_names(
    feed: Callable[[object, RunSummary], None], tmp_path: Path, summary: RunSummary
) -> None:
    path = tmp_path / "report.json"
    feed(JsonReporter(path), summary)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {
        "schema_version",
        "tool",
        "run",
        "counts",
        "exit_code",
        "clauses",
        "coverage",
    }
    assert set(data["run"]) == {
        "config",
        "target",
        "target_kind",
        "started",
        "duration_s",
        "options",
        "metadata",
    }
    assert data["counts"] == {"pass": 1, "fail": 2, "error": 1, "skip": 1, "total": 5}
    assert data["exit_code"] == 1
    clause = data["clauses"][1]
    assert set(clause) == {
        "id",
        "api",
        "title",
        "status",
        "message",
        "duration_s",
        "figures",
        "samples_ms",
        "evidence",
    }
    assert set(clause["evidence"][0]) == {"label", "request", "answer", "outcome", "curl"}
    assert set(clause["evidence"][0]["answer"]) == {
        "status",
        "headers",
        "body_excerpt",
        "elapsed_ms",
    }
    assert data["schema_version"] == 2
    assert data["run"]["metadata"] == {"dialect": "generic"}
    assert data["coverage"]["unmapped"][0]["api"] == "agent_popup"


_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_html_is_self_contained_and_escapes_partner_text(
    feed: Callable[[object, RunSummary], None], tmp_path: Path, summary: RunSummary
) -> None:
    path = tmp_path / "report.html"
    feed(HtmlReporter(path), summary)
    text = path.read_text(encoding="utf-8")
    assert _EXTERNAL.search(text) is None
    assert "<script" not in text
    assert "<link" not in text
    assert "<svg" in text  # the latency chart is inline
    assert "<b>&amp;</b>" not in text  # the answer body is escaped, not rendered
    assert "&lt;b&gt;" in text


def test_html_has_no_chart_without_latency_figures(
    feed: Callable[[object, RunSummary], None],
    summary_factory: Callable[[tuple[Status, ...] | None], RunSummary],
    tmp_path: Path,
) -> None:
    path = tmp_path / "report.html"
    feed(HtmlReporter(path), summary_factory((Status.PASS, Status.PASS)))
    assert "<svg" not in path.read_text(encoding="utf-8")


def test_console_scorecard_groups_by_api_and_names_each_problem(
    feed: Callable[[object, RunSummary], None], summary: RunSummary
) -> None:
    out = io.StringIO()
    feed(ConsoleReporter(Console(file=out, width=200, color_system=None)), summary)
    text = out.getvalue()
    assert text.index("agent_popup") < text.index("click_to_call.success")
    for result in summary.results:
        assert result.clause.id in text
    assert "1 passed, 2 failed, 1 errors, 1 skipped" in text
    assert "NOT conformant" in text
    assert "[oops]" in text  # an excerpt with brackets is printed, not parsed as markup
    assert "overhead" not in text  # a benchmark figure (python -m benchmarks), not a result


def test_build_file_reporters_writes_every_format(
    feed: Callable[[object, RunSummary], None], tmp_path: Path, summary: RunSummary
) -> None:
    for reporter in build_file_reporters(tmp_path / "out", ("junit", "json", "html")):
        feed(reporter, summary)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "junit.xml",
        "report.html",
        "report.json",
    ]


@pytest.mark.parametrize(
    ("name", "file"), [("junit", "junit.xml"), ("json", "report.json"), ("html", "report.html")]
)
def test_a_report_on_a_stream_is_the_file_byte_for_byte(
    feed: Callable[[object, RunSummary], None],
    tmp_path: Path,
    summary: RunSummary,
    name: str,
    file: str,
) -> None:
    (reporter,) = build_file_reporters(tmp_path, (name,))
    feed(reporter, summary)
    stream = io.StringIO()
    feed(StreamReporter(name, stream), summary)
    assert stream.getvalue() == (tmp_path / file).read_text(encoding="utf-8")


def test_build_file_reporters_rejects_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        build_file_reporters(tmp_path, ("pdf",))


_SCRIPT = "<script>alert(1)</script>"
_BREAKOUT = "\"'><img src=x onerror=alert(1)>"


class _Markup(HTMLParser):
    """Every element and attribute of a document, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.extend(attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _hostile_summary(summary: RunSummary) -> RunSummary:
    """``summary`` with partner-controlled text set to markup in every place it lands."""
    evidence = dataclasses.replace(
        summary.results[1].evidence[0],
        label=_SCRIPT,
        url="http://x/?q=" + _BREAKOUT,
        headers=(("x-note", _BREAKOUT),),
        body=_BREAKOUT,
        answer_excerpt=_SCRIPT,
        outcome_message=_BREAKOUT,
        curl="curl " + _BREAKOUT,
    )
    clause = ClauseInfo("click_to_call.dnd", _BREAKOUT, _SCRIPT)
    results = list(summary.results)
    results[1] = dataclasses.replace(
        results[1], clause=clause, message=_SCRIPT, evidence=(evidence,)
    )
    latency = next(i for i, r in enumerate(results) if r.figures)
    results[latency] = dataclasses.replace(
        results[latency], clause=dataclasses.replace(results[latency].clause, api=_BREAKOUT)
    )
    coverage = Coverage(
        rules=(RuleUse(_SCRIPT, _BREAKOUT, _BREAKOUT, "error", 1),),
        unmapped=(UnmappedAnswer(_BREAKOUT, 500, _SCRIPT, _BREAKOUT),),
        answers_seen=1,
    )
    return dataclasses.replace(
        summary,
        info=dataclasses.replace(summary.info, config_name=_SCRIPT, target=_BREAKOUT),
        results=tuple(results),
        coverage=coverage,
        metadata={_SCRIPT: _BREAKOUT},
    )


def test_html_shows_a_hostile_message_and_body_only_escaped(summary: RunSummary) -> None:
    text = summary_to_html(_hostile_summary(summary))
    assert "<script" not in text
    assert "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&#34;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;" in text


def test_html_keeps_hostile_text_as_text_wherever_it_lands(summary: RunSummary) -> None:
    plain = _Markup()
    plain.feed(summary_to_html(summary))
    hostile = _Markup()
    hostile.feed(summary_to_html(_hostile_summary(summary)))
    # The same elements and attributes as an ordinary report: no text became markup.
    assert hostile.tags == plain.tags
    assert {name for name, _ in hostile.attributes} == {name for name, _ in plain.attributes}
    assert not any(name.startswith("on") for name, _ in hostile.attributes)
    assert all(_BREAKOUT not in (value or "") for _, value in hostile.attributes)
    # ...and the text reads back exactly as the partner sent it.
    shown = "".join(hostile.text)
    assert _SCRIPT in shown
    assert _BREAKOUT in shown


def test_the_html_templates_are_compiled_once_per_process(summary: RunSummary) -> None:
    summary_to_html(summary)
    before = _environment.cache_info().misses
    summary_to_html(summary)
    latency_svg(list(summary.results))
    assert _environment.cache_info().misses == before == 1
    shipped = resources.files("contracts").joinpath("templates")
    assert shipped.joinpath("report.html.j2").is_file()
    assert shipped.joinpath("latency.svg.j2").is_file()
