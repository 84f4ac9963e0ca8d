"""Latency clauses: p50/p95/max per API over N sequential calls, against p95 budgets.

Measured with the connector's own synchronous client, one call after the
other, each timed afresh: an ``httpx.AsyncClient`` under concurrency slows
itself down (encode/httpx#3215) and would blame the partner for it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable

from contracts.clauses.context import Context
from contracts.clauses.expect import could_not_reach, partner_fault
from contracts.clauses.registry import Verdict, clause, failed, passed
from contracts.clauses.signals import CannotTest, SkipClause

__all__ = ["percentile"]


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported figure was observed)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _probe_args(ctx: Context, api: str) -> tuple[str | None, str | None]:
    """(customer, agent_phone) for a plain successful probe of ``api``."""
    if api == "click_to_call":
        return ctx.fixture("customer_number"), None
    if api == "agent_popup":
        return None, ctx.fixture("ringing_agent_phone")
    return None, None


def _figures(samples: list[float], calls: int, no_answer: int, budget: float) -> dict[str, float]:
    """The clause's figures; percentiles only when some call was timed."""
    figures = {"calls": float(calls), "no_answer": float(no_answer), "budget_p95_ms": budget}
    if samples:
        figures.update(
            p50_ms=percentile(samples, 0.50),
            p95_ms=percentile(samples, 0.95),
            max_ms=max(samples),
            mean_ms=statistics.fmean(samples),
        )
    return figures


def _latency(api: str) -> Callable[[Context], Verdict]:
    def check(ctx: Context) -> Verdict:
        ctx.api(api)
        calls = ctx.options.latency_calls
        if calls <= 0:
            raise SkipClause("--latency-calls is 0")
        customer, agent_phone = _probe_args(ctx, api)
        if api == "agent_popup" and ctx.rearm is not None:
            ctx.rearm()
        # One after the other, each timed by the client; judged once all are in.
        results = [
            ctx.call(api, f"latency call {index + 1}", customer=customer, agent_phone=agent_phone)
            for index in range(calls)
        ]
        # Only usable answers are timed. An unusable one (no answer within the
        # timeout, not text, too large, a refused redirect) is the partner's
        # fault; a call that never reached the partner could not be tested.
        faults = [r for r in results if partner_fault(r.outcome) is not None]
        unreached = [r for r in results if could_not_reach(r.outcome)]
        samples = [
            r.outcome.elapsed * 1000.0
            for r in results
            if partner_fault(r.outcome) is None and not could_not_reach(r.outcome)
        ]
        budget = ctx.options.budgets_ms.get(api, 0.0)
        figures = _figures(samples, calls, calls - len(samples), budget)
        summary = (
            f"p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms,"
            f" max {figures['max_ms']:.0f} ms over {len(samples)} calls"
            if samples
            else "no call was timed"
        )
        if faults:
            return failed(
                f"{len(faults)} of {calls} calls got no usable answer ({summary}); last:"
                f" {partner_fault(faults[-1].outcome)}",
                ctx.evidence(faults[-1], "last latency call without a usable answer"),
                figures=figures,
                samples_ms=tuple(samples),
            )
        if unreached:
            raise CannotTest(
                f"{len(unreached)} of {calls} calls could not reach the target:"
                f" {unreached[-1].outcome.message}",
                ctx.evidence(unreached[-1], "last latency call that could not reach the target"),
            )
        if budget and figures["p95_ms"] > budget:
            return failed(
                f"p95 {figures['p95_ms']:.0f} ms is over the {budget:.0f} ms budget ({summary})",
                figures=figures,
                samples_ms=tuple(samples),
            )
        return passed(
            f"{summary}; budget p95 {budget:.0f} ms", figures=figures, samples_ms=tuple(samples)
        )

    check.__name__ = f"latency_{api}"
    check.__module__ = __name__
    return check


for _api, _title in (
    ("click_to_call", "Click-to-call p95 latency is within budget"),
    ("agent_popup", "Pop-up p95 latency is within budget"),
    ("did_list", "DID list p95 latency is within budget"),
):
    clause(f"latency.{_api}", _api, _title)(_latency(_api))
