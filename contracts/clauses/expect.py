"""Judgements shared by the checks: was there a usable answer, did it map to error?

Who is to blame when no usable answer came is read from the connector's typed
outcome (``Outcome.reason`` and ``Outcome.error.sent``), never from message
text:

- **could not test** (``CannotTest``, an ``error`` result): the request could
  not be built (``render``), or it never reached the partner: the connection
  was refused, the host did not resolve, TLS failed, or connecting alone
  outlasted the timeout (``transport``/``timeout`` with ``error.sent`` False);
- **the partner's fault** (``PartnerFault``, a ``fail`` result): the partner
  got the request and its answer cannot be used: it did not come within the
  API's timeout (``timeout`` with ``sent``), the connection was dropped in the
  middle of it (``transport`` with ``sent``), it is not text or not its
  declared charset (``not_text``), it is larger than the connector reads
  (``too_large``), or it redirects elsewhere (``redirect``). The message names
  what the partner must fix.
"""

from __future__ import annotations

from collections.abc import Mapping

import connector
from contracts.clauses.context import Context
from contracts.clauses.registry import Verdict, failed, passed
from contracts.clauses.signals import CannotTest, PartnerFault

__all__ = [
    "answered",
    "could_not_reach",
    "describe_answer",
    "expect_error",
    "fired_rules",
    "partner_fault",
]

_R = connector.Reason
# What the partner must fix, per reason an answer was unusable.
_FIXES: Mapping[connector.Reason, str] = {
    _R.TIMEOUT: "the partner must answer within the API's timeout",
    _R.TRANSPORT: "the partner must send its whole answer before closing the connection",
    _R.NOT_TEXT: (
        "the partner must answer text (JSON, XML or plain text) with a matching content type"
        " (application/json, text/...), in UTF-8 or the charset it declares"
    ),
    _R.TOO_LARGE: "the partner must answer a short document, within the connector's read limit",
    _R.REDIRECT: (
        "the partner must answer at the configured URL: the connector follows redirects only"
        " on the same host (or http to https), never in a loop"
    ),
}


def could_not_reach(outcome: connector.Outcome) -> bool:
    """True when we could not test: the request was not built or never reached the partner."""
    if outcome.reason is _R.RENDER:
        return True
    if outcome.reason in (_R.TRANSPORT, _R.TIMEOUT):
        return outcome.error is None or not outcome.error.sent
    return False


def partner_fault(outcome: connector.Outcome) -> str | None:
    """What the partner must fix when its answer cannot be used; ``None`` when it can.

    ``None`` also when the partner could not be reached (see :func:`could_not_reach`).
    """
    if could_not_reach(outcome):
        return None
    fix = _FIXES.get(outcome.reason)
    return None if fix is None else f"{outcome.message}; {fix}"


def answered(ctx: Context, result: connector.CallResult, label: str) -> connector.CallResult:
    """``result`` when a usable answer came; otherwise end the clause.

    ``CannotTest`` (error) when the partner could not be reached or the request
    not built; ``PartnerFault`` (fail), naming the fix, when the partner's
    answer cannot be used. Both carry the evidence.
    """
    outcome = result.outcome
    if could_not_reach(outcome):
        raise CannotTest(
            f"{label}: could not reach the target ({outcome.message})",
            ctx.evidence(result, label),
        )
    fault = partner_fault(outcome)
    if fault is not None:
        raise PartnerFault(f"{label}: no usable answer: {fault}", ctx.evidence(result, label))
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
    if outcome.reason is not _R.RULE:
        return failed(
            f"{what}: no rule maps the answer ({describe_answer(result)},"
            f" {evidence.answer_excerpt[:80]!r}); answer JSON with status 'error' and a message,"
            " or add a NonJSON rule",
            evidence,
        )
    if not outcome.message.strip():
        return failed(f"{what} was mapped to error but carries no message", evidence)
    return passed(f"{what} -> error: {evidence.outcome_message}")
