"""The full ``mcc verify`` run against the embedded simulator, end to end.

Figures: wall-clock seconds of a complete run (every clause, the call-log
clauses with their receiver included, latency with the default 20 calls per
API, no fuzzing) for every shipped preset, how long the call-log clauses took
of it and the failed clauses (0 when conformant). Target: each run under 30 s
without ``--fuzz``, on 2 cores. (The connector client's own cost per call is
``bench_connector``'s ``client_overhead_us``: it was once printed in every
conformance report, where it is no partner's result.)
"""

from __future__ import annotations

import time
from typing import Any

import connector
from connector.presets import preset_names
from contracts.events import RunFinished, RunSummary
from contracts.runner import Options
from contracts.runner import run as verify_run

__all__ = ["run"]

TARGET_S = 30.0


def _one(preset: str, latency_calls: int) -> tuple[float, RunSummary]:
    config = connector.resolve_config(preset)
    start = time.perf_counter()
    summary: RunSummary | None = None
    for event in verify_run(config, options=Options(latency_calls=latency_calls), env={}):
        if isinstance(event, RunFinished):
            summary = event.summary
    elapsed = time.perf_counter() - start
    if summary is None:
        raise RuntimeError(f"the {preset} run ended without a summary")
    return elapsed, summary


def run(quick: bool = False) -> dict[str, object]:
    """Run ``mcc verify`` for each preset; ``quick`` uses 3 latency calls instead of 20."""
    latency_calls = 3 if quick else 20
    figures: dict[str, Any] = {"latency_calls": latency_calls}
    worst = 0.0
    for preset in preset_names():
        elapsed, summary = _one(preset, latency_calls)
        worst = max(worst, elapsed)
        call_logs = [r for r in summary.results if r.clause.api == "call_log"]
        figures[f"{preset}_run_s"] = round(elapsed, 3)
        figures[f"{preset}_call_log_clauses_s"] = round(sum(r.duration_s for r in call_logs), 3)
        figures[f"{preset}_clauses"] = summary.counts["total"]
        figures[f"{preset}_failed_clauses"] = summary.counts["fail"] + summary.counts["error"]
    figures["target"] = f"each full run (no --fuzz) under {TARGET_S:g} s"
    figures["passed"] = worst < TARGET_S
    return figures
