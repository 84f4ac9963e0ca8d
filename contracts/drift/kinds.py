"""The kinds of drift, named for telephony, and what a drift is.

A drift is one difference between a partner's answer as recorded (the
baseline) and as it came now. Its verdict is decided by impact, not by how
big the difference looks: **breaking** when the connector's outcome for the
answer changed (success, error, the data captured, or unmapped), **benign**
when the connector decides exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["DRIFT_FORMATS", "LATENCY_FACTOR", "LATENCY_FLOOR_MS", "Drift", "DriftKind", "Verdict"]

# The report files mcc drift writes (contracts.drift.reports writes them).
DRIFT_FORMATS = ("json", "junit", "html")
# p95 latency drifts when it moves by this factor and by at least this many ms
# (mcc drift --latency-factor, --latency-floor-ms).
LATENCY_FACTOR = 2.0
LATENCY_FLOOR_MS = 500.0


class DriftKind(StrEnum):
    """What changed in an answer or a call log."""

    STATUS_CASE_CHANGED = "status case changed"
    STATUS_TEXT_CHANGED = "status text changed"
    MESSAGE_TEXT_CHANGED = "message text changed"
    BODY_KIND_CHANGED = "body kind changed"
    CONTENT_TYPE_CHANGED = "content type changed"
    ERROR_HTTP_STATUS_CHANGED = "HTTP status of an error changed"
    HTTP_STATUS_CHANGED = "HTTP status changed"
    FIELD_ADDED = "field added"
    FIELD_REMOVED = "field removed"
    FIELD_TYPE_CHANGED = "field type changed"
    NUMBER_FORMAT_CHANGED = "number format changed"
    TIME_FORMAT_CHANGED = "time format changed"
    LATENCY_P95_CHANGED = "latency p95 changed"
    NO_ANSWER = "no usable answer"
    OUTCOME_CHANGED = "connector outcome changed"
    PROBE_NOT_SENT = "probe not sent"
    PROBE_NEW = "new probe"
    CALLBACK_FIELD_ADDED = "callback field added"
    CALLBACK_FIELD_REMOVED = "callback field removed"
    CALLBACK_FORMAT_CHANGED = "callback format changed"
    CALLBACK_MISSING = "call log no longer sent"
    CALLBACK_NEW = "call log now sent"


class Verdict(StrEnum):
    """How much a drift matters to the connector."""

    BREAKING = "breaking"
    BENIGN = "benign"


@dataclass(frozen=True)
class Drift:
    """One difference: its kind, where (a key path), and the before and after."""

    kind: DriftKind
    where: str = ""
    before: str = ""
    after: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.name.lower(),
            "title": str(self.kind),
            "where": self.where,
            "before": self.before,
            "after": self.after,
        }

    def describe(self) -> str:
        """``field added: ucid (string)`` style, one line."""
        where = f" {self.where}" if self.where else ""
        if self.before or self.after:
            return f"{self.kind}:{where} {self.before or '-'} -> {self.after or '-'}"
        return f"{self.kind}:{where}"
