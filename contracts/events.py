"""What a conformance run tells its reporters, as plain frozen records.

The runner yields these events and never prints; every reporter (console,
JUnit, JSON, HTML) is a consumer of the same stream, so a report can never
say something the run did not observe.

A clause ends in one of four states, kept strictly apart:

- ``pass``  the partner's API did what the contract asks;
- ``fail``  the partner broke the contract (exit code 1);
- ``error`` we could not test it, e.g. the target could not be reached (exit code 2);
- ``skip``  not applicable or a fixture is missing, always with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "ClauseFinished",
    "ClauseInfo",
    "ClauseResult",
    "ClauseStarted",
    "Coverage",
    "Event",
    "Evidence",
    "RuleUse",
    "RunFinished",
    "RunInfo",
    "RunStarted",
    "RunSummary",
    "Status",
    "UnmappedAnswer",
]


class Status(StrEnum):
    """How a clause ended."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"


@dataclass(frozen=True)
class Evidence:
    """One exchange with the partner, already redacted (secrets, numbers)."""

    label: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None
    status: int
    answer_headers: tuple[tuple[str, str], ...]
    answer_excerpt: str
    outcome: str
    outcome_message: str
    elapsed_ms: float
    curl: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable field names."""
        return {
            "label": self.label,
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": [list(pair) for pair in self.headers],
                "body": self.body,
            },
            "answer": {
                "status": self.status,
                "headers": [list(pair) for pair in self.answer_headers],
                "body_excerpt": self.answer_excerpt,
                "elapsed_ms": round(self.elapsed_ms, 3),
            },
            "outcome": {"kind": self.outcome, "message": self.outcome_message},
            "curl": self.curl,
        }


@dataclass(frozen=True)
class ClauseInfo:
    """A clause as announced before it runs."""

    id: str
    api: str
    title: str


@dataclass(frozen=True)
class ClauseResult:
    """How one clause ended, why, and what was seen."""

    clause: ClauseInfo
    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()
    duration_s: float = 0.0
    figures: Mapping[str, float] = field(default_factory=dict)
    samples_ms: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable field names."""
        return {
            "id": self.clause.id,
            "api": self.clause.api,
            "title": self.clause.title,
            "status": self.status.value,
            "message": self.message,
            "duration_s": round(self.duration_s, 4),
            "figures": {key: round(value, 3) for key, value in self.figures.items()},
            "samples_ms": [round(value, 3) for value in self.samples_ms],
            "evidence": [item.to_dict() for item in self.evidence],
        }


@dataclass(frozen=True)
class RunInfo:
    """What is being verified, against what, with which tool."""

    target: str
    target_kind: str  # "embedded" or "url"
    config_name: str
    started: datetime
    tool_version: str
    clauses: tuple[ClauseInfo, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    # Where the partner pushes call logs during the run, and how it learns it
    # ("account": set once in its portal; "per_call": sent with each call).
    call_log_url: str | None = None
    call_log_delivery: str | None = None


@dataclass(frozen=True)
class RuleUse:
    """A response rule of the config and how often it fired in the run."""

    api: str
    key: str
    value: str
    outcome: str
    fired: int


@dataclass(frozen=True)
class UnmappedAnswer:
    """An answer that no rule of the config mapped (redacted excerpt)."""

    api: str
    status: int
    content_type: str
    excerpt: str


@dataclass(frozen=True)
class Coverage:
    """Mapping coverage over every answer seen in the run."""

    rules: tuple[RuleUse, ...] = ()
    unmapped: tuple[UnmappedAnswer, ...] = ()
    answers_seen: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable field names."""
        return {
            "answers_seen": self.answers_seen,
            "rules": [
                {
                    "api": r.api,
                    "key": r.key,
                    "value": r.value,
                    "outcome": r.outcome,
                    "fired": r.fired,
                }
                for r in self.rules
            ],
            "unmapped": [
                {
                    "api": u.api,
                    "status": u.status,
                    "content_type": u.content_type,
                    "excerpt": u.excerpt,
                }
                for u in self.unmapped
            ],
        }


@dataclass(frozen=True)
class RunSummary:
    """The whole run: every result, counts, coverage and run metadata."""

    info: RunInfo
    results: tuple[ClauseResult, ...]
    duration_s: float
    coverage: Coverage = field(default_factory=Coverage)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Number of clauses per status, every status present."""
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        counts["total"] = len(self.results)
        return counts

    @property
    def exit_code(self) -> int:
        """0 all passed (skips allowed), 1 the partner failed a clause, 2 we could not test."""
        statuses = {result.status for result in self.results}
        if Status.FAIL in statuses:
            return 1
        if Status.ERROR in statuses:
            return 2
        return 0


@dataclass(frozen=True)
class RunStarted:
    """The run begins; ``info.clauses`` lists what will run, in order."""

    info: RunInfo


@dataclass(frozen=True)
class ClauseStarted:
    """A clause begins (``index`` counts from 1 to ``total``)."""

    clause: ClauseInfo
    index: int
    total: int


@dataclass(frozen=True)
class ClauseFinished:
    """A clause ended."""

    result: ClauseResult


@dataclass(frozen=True)
class RunFinished:
    """The run ended; the summary holds everything a report needs."""

    summary: RunSummary


Event = RunStarted | ClauseStarted | ClauseFinished | RunFinished
