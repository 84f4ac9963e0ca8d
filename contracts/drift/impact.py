"""Impact first: would the connector decide differently on the new answer?

Each answer, the baseline's and the new one alike, is read from its cassette
and mapped with the config's own rules (``connector.map_answer``), the code
the connector runs in production. Its outcome is summed up as a
:class:`Decision`: success, error, unmapped (or why no answer was usable),
and which data rules captured a value. A drift is breaking exactly when the
decision changed. For call logs the decision is what the connector's
call-log parser made of it (read or not, each record's status, whether call
id and times were readable).

For a breaking answer, :func:`suggest` proposes the rules ``mcc test-api``
would (``connector.suggest_rules``), less the rules the config already has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import connector
from contracts.cassettes.format import Cassette, RecordedCallLog

__all__ = ["Decision", "answer_of", "call_log_decision", "decide", "suggest"]


@dataclass(frozen=True)
class Decision:
    """What the connector made of an answer."""

    outcome: str  # success, error, unmapped, or the reason no answer was usable
    data: tuple[str, ...] = ()

    def describe(self) -> str:
        captured = f", captures {', '.join(self.data)}" if self.data else ""
        return f"{self.outcome}{captured}"

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "data": list(self.data)}


def answer_of(cassette: Cassette) -> connector.Answer | None:
    """The cassette's answer, read as the connector's client reads one."""
    recorded = cassette.answer
    if recorded is None:
        return None
    status = recorded.get("status")
    return connector.Answer.read(
        str(recorded.get("body") or "").encode("utf-8"),
        recorded.get("content_type"),
        int(status) if isinstance(status, int) else 200,
    )


def decide(config: connector.ConnectorConfig, cassette: Cassette) -> Decision:
    """The decision the config's rules make on the cassette's answer."""
    api = config.apis.get(cassette.api)
    answer = answer_of(cassette)
    if answer is None or api is None:
        # No answer came (or the API left the config): what was recorded then.
        return Decision(str(cassette.outcome.get("reason") or "no answer"))
    outcome = connector.map_answer(api.response, answer)
    kind: str = outcome.kind if outcome.reason is connector.Reason.RULE else "unmapped"
    if outcome.reason not in (
        connector.Reason.RULE,
        connector.Reason.UNMAPPED,
        connector.Reason.HTTP_STATUS,
    ):
        kind = str(outcome.reason)
    data = tuple(sorted(k for k, v in outcome.data.items() if v not in (None, "")))
    return Decision(kind, data)


def call_log_decision(log: RecordedCallLog | None) -> Decision:
    """What the connector's call-log parser made of a call log (``None``: none came)."""
    if log is None:
        return Decision("no call log")
    outcome: Mapping[str, Any] = log.outcome
    if outcome.get("problem"):
        return Decision("unreadable")
    records = outcome.get("records") or []
    statuses = [str(r.get("status")) for r in records]
    readable = [
        name
        for name in ("call_id", "times", "agent_phone", "recording")
        if records and all(r.get(name) for r in records)
    ]
    return Decision("read: " + ", ".join(statuses or ["no record"]), tuple(readable))


def _fold(rule: connector.ResponseRule) -> tuple[str, str, str]:
    return (rule.key.casefold(), rule.value.strip().casefold(), str(rule.outcome))


def suggest(config: connector.ConnectorConfig, cassette: Cassette) -> list[connector.ResponseRule]:
    """Rules ``mcc test-api`` would suggest for the new answer that the config lacks."""
    api = config.apis.get(cassette.api)
    answer = answer_of(cassette)
    if api is None or answer is None:
        return []
    have = {_fold(rule) for rule in api.response}
    return [rule for rule in connector.suggest_rules(answer) if _fold(rule) not in have]
