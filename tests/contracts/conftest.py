"""Synthetic runs for the reporter tests: every status, evidence, latency figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from contracts.events import (
    ClauseFinished,
    ClauseInfo,
    ClauseResult,
    ClauseStarted,
    Coverage,
    Event,
    Evidence,
    RuleUse,
    RunFinished,
    RunInfo,
    RunStarted,
    RunSummary,
    Status,
    UnmappedAnswer,
)

CLAUSES = (
    ClauseInfo("click_to_call.success", "click_to_call", "success with a call id"),
    ClauseInfo("click_to_call.dnd", "click_to_call", "DND maps to error"),
    ClauseInfo("agent_popup.error.no_call", "agent_popup", "no call maps to error"),
    ClauseInfo("agent_popup.error.max_limit", "agent_popup", "max limit maps to error"),
    ClauseInfo("latency.agent_popup", "agent_popup", "pop-up latency"),
)


def make_evidence(label: str = "call DND number") -> Evidence:
    """One redacted exchange, with characters that need escaping in XML and HTML."""
    return Evidence(
        label=label,
        method="GET",
        url="http://127.0.0.1:1/click2call?api_key=***&customerNumber=%2B91-******0001",
        headers=(("user-agent", "mcc-connector/0.1"),),
        body=None,
        status=200,
        answer_headers=(("content-type", "application/json"),),
        answer_excerpt='{"status": "success", "note": "<b>&amp;</b>"}',
        outcome="success",
        outcome_message="call initiated successfully",
        elapsed_ms=12.5,
        curl='curl -sS -X GET "http://127.0.0.1:1/click2call?api_key=${GENERIC_API_KEY}"',
    )


def make_summary(statuses: tuple[Status, ...] | None = None) -> RunSummary:
    """A finished run with one clause per entry of ``statuses``."""
    statuses = statuses or (Status.PASS, Status.FAIL, Status.ERROR, Status.SKIP, Status.FAIL)
    info = RunInfo(
        target="http://127.0.0.1:1",
        target_kind="embedded",
        config_name="generic",
        started=datetime(2024, 6, 7, 10, 0, tzinfo=UTC),
        tool_version="0.1.0",
        clauses=CLAUSES[: len(statuses)],
        options={"latency_calls": 3},
    )
    results = []
    for info_item, status in zip(CLAUSES, statuses, strict=False):
        figures = {}
        samples: tuple[float, ...] = ()
        if info_item.id.startswith("latency"):
            figures = {
                "p50_ms": 1500.0,
                "p95_ms": 1510.0,
                "max_ms": 1520.0,
                "budget_p95_ms": 1000.0,
            }
            samples = (1500.0, 1505.0, 1520.0)
        evidence = (make_evidence(),) if status in (Status.FAIL, Status.ERROR) else ()
        results.append(
            ClauseResult(
                clause=info_item,
                status=status,
                message=f"{info_item.id} ended {status.value} <&>",
                evidence=evidence,
                duration_s=0.25,
                figures=figures,
                samples_ms=samples,
            )
        )
    return RunSummary(
        info=info,
        results=tuple(results),
        duration_s=1.5,
        coverage=Coverage(
            rules=(RuleUse("click_to_call", "status", "success", "success", 3),),
            unmapped=(UnmappedAnswer("agent_popup", 200, "text/html", "<html>[oops]</html>"),),
            answers_seen=4,
        ),
        metadata={"dialect": "generic"},
    )


def make_events(summary: RunSummary) -> list[Event]:
    """The event stream a runner would yield for ``summary``."""
    events: list[Event] = [RunStarted(summary.info)]
    for index, result in enumerate(summary.results, start=1):
        events.append(ClauseStarted(result.clause, index, len(summary.results)))
        events.append(ClauseFinished(result))
    events.append(RunFinished(summary))
    return events


@pytest.fixture
def summary() -> RunSummary:
    """A run with pass, fail, error, skip and a failed latency clause."""
    return make_summary()


@pytest.fixture
def summary_factory() -> Callable[[tuple[Status, ...] | None], RunSummary]:
    """Build a run with one clause per given status."""
    return make_summary


@pytest.fixture
def events_of() -> Callable[[RunSummary], list[Event]]:
    """The event stream a runner would yield for a summary."""
    return make_events
