"""Judgements shared by the checks: did an answer map to error, to success?

A probe whose request never got an answer (refused, reset, timed out) cannot
judge the partner's mapping: that is ``CannotTest`` (an ``error`` result),
not a failure.
"""

from __future__ import annotations

import connector
from contracts.clauses.context import Context
from contracts.clauses.registry import Verdict, failed, passed
from contracts.clauses.signals import CannotTest

__all__ = ["NO_ANSWER", "answered", "describe_answer", "expect_error", "fired_rules"]

# Outcomes where nothing came back to judge: the target could not be reached,
# or said nothing before the deadline. An answer that came but could not be
# used (too large, not text, a refused redirect) is the partner's to fix.
NO_ANSWER = frozenset(
    {connector.Reason.TRANSPORT, connector.Reason.TIMEOUT, connector.Reason.RENDER}
)


def answered(ctx: Context, result: connector.CallResult, label: str) -> connector.CallResult:
    """``result`` if an answer came back; ``CannotTest`` with evidence otherwise."""
    if result.outcome.reason in NO_ANSWER or result.outcome.status == 0:
        raise CannotTest(
            f"{label}: no answer from the target ({result.outcome.message})",
            ctx.evidence(result, label),
        )
    return result


def fired_rules(result: connector.CallResult) -> str:
    """The rules that decided, as ``key=value -> outcome`` text."""
    rules = [
        f"{r.key}={r.value!r} -> {r.outcome}" for r in result.outcome.fired if r.outcome != "data"
    ]
    return ", ".join(rules) or "no rule"


def describe_answer(result: connector.CallResult) -> str:
    """``HTTP 200 application/json`` style, for messages."""
    content_type = result.headers.get("content-type", "no content-type").split(";")[0]
    return f"HTTP {result.outcome.status} {content_type}"


def expect_error(ctx: Context, result: connector.CallResult, label: str, what: str) -> Verdict:
    """Pass when a rule mapped the answer to error with a message; fail otherwise.

    ``what`` names the probe in the message ("a DND number").
    """
    answered(ctx, result, label)
    outcome = result.outcome
    evidence = ctx.evidence(result, label)
    if outcome.kind == "success":
        return failed(
            f"{what} was answered as SUCCESS ({describe_answer(result)}, {fired_rules(result)}):"
            f" the partner must answer an error here",
            evidence,
        )
    if outcome.reason != "rule":
        return failed(
            f"{what}: no rule maps the answer ({describe_answer(result)},"
            f" {evidence.answer_excerpt[:80]!r}); answer JSON with status 'error' and a message,"
            " or add a NonJSON rule",
            evidence,
        )
    if not outcome.message.strip():
        return failed(f"{what} was mapped to error but carries no message", evidence)
    return passed(f"{what} -> error: {ctx.evidence(result, label).outcome_message}")
