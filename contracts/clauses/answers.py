"""Answer clauses over every answer seen in the run, and the mapping coverage.

The connector's mapping reads JSON, or matches raw text with ``NonJSON``
rules; anything else reaches the user as "unmapped". These clauses run last
and judge every answer the other clauses received.
"""

from __future__ import annotations

from collections import Counter

import connector
from contracts.clauses.context import Context, Seen
from contracts.clauses.expect import describe_answer
from contracts.clauses.registry import Verdict, clause, failed, passed
from contracts.clauses.signals import SkipClause
from contracts.events import Coverage, Evidence, RuleUse, UnmappedAnswer
from contracts.evidence import SafeText

__all__ = ["coverage"]

_SHOWN = 5  # evidence items per clause: enough to act on, short enough to read


def _answers(ctx: Context) -> list[Seen]:
    seen = [s for s in ctx.seen if s.result.answer is not None]
    if not seen:
        raise SkipClause("no answer was received in this run")
    return seen


def _unmapped(seen: Seen) -> bool:
    return seen.result.outcome.reason in (connector.Reason.UNMAPPED, connector.Reason.HTTP_STATUS)


def _evidence(ctx: Context, items: list[Seen]) -> tuple[Evidence, ...]:
    return tuple(ctx.evidence(s.result, f"{s.api}: {s.label}") for s in items[:_SHOWN])


@clause("answers.json_or_nonjson", "answers", "Every answer is JSON or matched by a NonJSON rule")
def json_or_nonjson(ctx: Context) -> Verdict:
    """Only JSON is read field by field; other bodies need a NonJSON rule that matches."""
    seen = _answers(ctx)
    bad = [
        s
        for s in seen
        if s.result.answer is not None
        and not s.result.answer.is_json
        and not any(r.key.lower() == "nonjson" for r in s.result.outcome.fired)
    ]
    if bad:
        kinds = Counter(f"{s.api} {describe_answer(s.result)}" for s in bad)
        listed = ", ".join(f"{kind} x{count}" for kind, count in kinds.items())
        return failed(
            f"{len(bad)} of {len(seen)} answers are neither JSON nor matched by a NonJSON rule"
            f" ({listed})",
            *_evidence(ctx, bad),
        )
    return passed(f"all {len(seen)} answers are JSON or matched by a NonJSON rule")


@clause("answers.mapping_coverage", "answers", "Every answer is mapped by a rule of the config")
def mapping_coverage(ctx: Context) -> Verdict:
    """An unmapped answer shows the user 'no rule maps this answer' instead of a result."""
    seen = _answers(ctx)
    bad = [s for s in seen if _unmapped(s)]
    if bad:
        kinds = Counter(f"{s.api} {describe_answer(s.result)}" for s in bad)
        listed = ", ".join(f"{kind} x{count}" for kind, count in kinds.items())
        return failed(
            f"{len(bad)} of {len(seen)} answers were mapped by no rule ({listed})",
            *_evidence(ctx, bad),
        )
    return passed(f"all {len(seen)} answers were mapped by a rule")


def coverage(ctx: Context) -> Coverage:
    """Which rules fired how often, and which answers no rule mapped (redacted)."""
    counts: Counter[tuple[str, connector.ResponseRule]] = Counter()
    unmapped: list[UnmappedAnswer] = []
    answers = [s for s in ctx.seen if s.result.answer is not None]
    for seen in answers:
        for rule in seen.result.outcome.fired:
            counts[(seen.api, rule)] += 1
        if _unmapped(seen):
            safe = SafeText(seen.result.request.secrets, show_numbers=ctx.options.show_numbers)
            unmapped.append(
                UnmappedAnswer(
                    api=seen.api,
                    status=seen.result.outcome.status,
                    content_type=seen.result.headers.get("content-type", ""),
                    excerpt=safe.answer(seen.result.body, 200),
                )
            )
    rules = tuple(
        RuleUse(name, rule.key, rule.value, str(rule.outcome), counts[(name, rule)])
        for name, api in ctx.config.apis.items()
        for rule in api.response
    )
    return Coverage(rules=rules, unmapped=tuple(unmapped), answers_seen=len(answers))
