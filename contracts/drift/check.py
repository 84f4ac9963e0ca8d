"""``mcc drift``: probe the partner again and compare each answer with the baseline.

The probes are those the baseline was recorded with (the same clause
selection, ``--safe-only`` included), sent through :func:`contracts.record.record`,
so the new answers are cassettes too, redacted the same way. Each probe's
pair is compared twice: by fingerprint (:mod:`contracts.drift.compare`, the
telephony-named kinds) and by impact (:mod:`contracts.drift.impact`, the
connector's decision under the config's rules), which gives the verdict.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import connector
from contracts.cassettes.format import (
    Cassette,
    CassetteIndex,
    RecordedCallLog,
    dumps,
    probe_file,
    read_directory,
    write_directory,
)
from contracts.clauses.context import Options
from contracts.clauses.latency import percentile
from contracts.drift.compare import compare_answers, compare_call_logs, p95_drift
from contracts.drift.impact import Decision, call_log_decision, decide, suggest
from contracts.drift.kinds import LATENCY_FACTOR, LATENCY_FLOOR_MS, Drift, DriftKind, Verdict
from contracts.events import Event
from contracts.fixtures import Fixtures
from contracts.record import SAFE_CLAUSES, Recording, record

__all__ = ["DriftReport", "ProbeDrift", "check_drift", "update_baseline"]


@dataclass(frozen=True)
class ProbeDrift:
    """One probe's baseline and new answer, what drifted and what it means."""

    probe: str
    api: str
    label: str
    drifts: tuple[Drift, ...]
    before: Decision
    after: Decision
    verdict: Verdict | None  # None: nothing drifted
    suggestions: tuple[connector.ResponseRule, ...] = ()
    diff: str = ""
    baseline: Cassette | None = None
    current: Cassette | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "api": self.api,
            "label": self.label,
            "verdict": None if self.verdict is None else str(self.verdict),
            "drifts": [d.to_dict() for d in self.drifts],
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "suggested_rules": [
                {"key": r.key, "value": r.value, "outcome": str(r.outcome)}
                for r in self.suggestions
            ],
            "cassette_diff": self.diff,
            "baseline_answer": _answer_dict(self.baseline),
            "new_answer": _answer_dict(self.current),
        }


def _answer_dict(cassette: Cassette | None) -> dict[str, Any] | None:
    if cassette is None or cassette.answer is None:
        return None
    answer = cassette.answer
    return {
        "status": answer.get("status"),
        "content_type": answer.get("content_type"),
        "body": answer.get("body"),
    }


@dataclass(frozen=True)
class DriftReport:
    """Every probe's drift, the latency drifts, and the exit code they give."""

    baseline_dir: str
    baseline_recorded_at: str
    config: str
    target: str
    checked_at: datetime
    probes: tuple[ProbeDrift, ...]
    latency: tuple[Drift, ...] = ()
    fail_on: Verdict = Verdict.BREAKING

    @property
    def counts(self) -> dict[str, int]:
        verdicts = [p.verdict for p in self.probes]
        return {
            "probes": len(self.probes),
            "breaking": verdicts.count(Verdict.BREAKING),
            "benign": verdicts.count(Verdict.BENIGN) + len(self.latency),
            "unchanged": verdicts.count(None),
        }

    @property
    def exit_code(self) -> int:
        """1 on breaking drift (or any drift with ``fail_on`` benign), else 0."""
        counts = self.counts
        if counts["breaking"]:
            return 1
        if self.fail_on is Verdict.BENIGN and counts["benign"]:
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "tool": "mcc drift",
            "baseline": {"dir": self.baseline_dir, "recorded_at": self.baseline_recorded_at},
            "config": self.config,
            "target": self.target,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "fail_on": str(self.fail_on),
            "counts": self.counts,
            "exit_code": self.exit_code,
            "latency": [d.to_dict() for d in self.latency],
            "probes": [p.to_dict() for p in self.probes],
        }


def _diff(directory: Path, baseline: Cassette | None, current: Cassette | None) -> str:
    name = probe_file((current or baseline).probe)  # type: ignore[union-attr]
    old = dumps(baseline.to_dict()).splitlines(keepends=True) if baseline else []
    new = dumps(current.to_dict()).splitlines(keepends=True) if current else []
    return "".join(
        difflib.unified_diff(old, new, f"a/{directory.name}/{name}", f"b/{directory.name}/{name}")
    )


def _first(logs: tuple[RecordedCallLog, ...]) -> RecordedCallLog | None:
    return logs[0] if logs else None


def _pair(
    config: connector.ConnectorConfig,
    directory: Path,
    baseline: Cassette | None,
    current: Cassette | None,
) -> ProbeDrift:
    item = current or baseline
    assert item is not None
    if baseline is None or current is None:
        kind = DriftKind.PROBE_NEW if baseline is None else DriftKind.PROBE_NOT_SENT
        decision = decide(config, item)
        return ProbeDrift(
            item.probe,
            item.api,
            item.label,
            (Drift(kind),),
            decision,
            decision,
            Verdict.BENIGN,
            (),
            _diff(directory, baseline, current),
            baseline,
            current,
        )
    before, after = decide(config, baseline), decide(config, current)
    drifts = compare_answers(
        baseline.fingerprint, current.fingerprint, error=before.outcome == "error"
    )
    # Only the callback clauses wait for call logs; elsewhere one may come after the run ends.
    awaited = baseline.clause.startswith("callback.")
    old_log = _first(baseline.call_logs) if awaited else None
    new_log = _first(current.call_logs) if awaited else None
    logs_before, logs_after = call_log_decision(old_log), call_log_decision(new_log)
    if old_log is not None and new_log is None:
        drifts.append(Drift(DriftKind.CALLBACK_MISSING))
    elif old_log is None and new_log is not None:
        drifts.append(Drift(DriftKind.CALLBACK_NEW))
    elif (
        old_log is not None and new_log is not None and old_log.fingerprint and new_log.fingerprint
    ):
        drifts += compare_call_logs(old_log.fingerprint, new_log.fingerprint)
    breaking = before != after or logs_before != logs_after
    if breaking and not drifts:
        drifts.append(Drift(DriftKind.OUTCOME_CHANGED, "", before.describe(), after.describe()))
    if not drifts:
        return ProbeDrift(current.probe, current.api, current.label, (), before, after, None)
    if logs_before != logs_after:
        before = Decision(f"{before.outcome}; call log {logs_before.describe()}", before.data)
        after = Decision(f"{after.outcome}; call log {logs_after.describe()}", after.data)
    return ProbeDrift(
        current.probe,
        current.api,
        current.label,
        tuple(drifts),
        before,
        after,
        Verdict.BREAKING if breaking else Verdict.BENIGN,
        tuple(suggest(config, current)) if breaking else (),
        _diff(directory, baseline, current),
        baseline,
        current,
    )


def _p95s(cassettes: list[Cassette]) -> dict[str, float]:
    samples: dict[str, list[float]] = {}
    for cassette in cassettes:
        latency = cassette.fingerprint.latency_ms
        if latency is not None and cassette.answer is not None:
            samples.setdefault(cassette.api, []).append(latency)
    return {api: percentile(values, 0.95) for api, values in samples.items()}


def _options(index: CassetteIndex, cassettes: list[Cassette], given: Options | None) -> Options:
    base = given or Options()
    latency = max(
        (
            sum(1 for c in cassettes if c.clause == clause)
            for clause in {c.clause for c in cassettes if c.clause.startswith("latency.")}
        ),
        default=0,
    )
    only = SAFE_CLAUSES if index.safe_only else index.only
    return replace(
        base, only=tuple(only), latency_calls=latency, show_numbers=not index.numbers_masked
    )


def check_drift(
    config: connector.ConnectorConfig,
    baseline_dir: Path,
    target: str | None = None,
    fixtures: Fixtures | None = None,
    *,
    options: Options | None = None,
    env: Mapping[str, str] | None = None,
    fail_on: Verdict = Verdict.BREAKING,
    latency_factor: float = LATENCY_FACTOR,
    latency_floor_ms: float = LATENCY_FLOOR_MS,
    on_event: Callable[[Event], None] | None = None,
) -> tuple[DriftReport, Recording]:
    """Probe ``target`` again and compare with the baseline in ``baseline_dir``."""
    index, baseline = read_directory(baseline_dir)
    recording = record(
        config,
        target,
        fixtures,
        _options(index, baseline, options),
        env=env,
        on_event=on_event,
    )
    old = {c.probe: c for c in baseline}
    new = {c.probe: c for c in recording.cassettes}
    order = list(old) + [p for p in new if p not in old]
    probes = tuple(_pair(config, baseline_dir, old.get(p), new.get(p)) for p in order)
    before_p95, after_p95 = _p95s(baseline), _p95s(recording.cassettes)
    latency = tuple(
        drift
        for api in sorted(set(before_p95) & set(after_p95))
        if (
            drift := p95_drift(
                api,
                before_p95[api],
                after_p95[api],
                factor=latency_factor,
                floor_ms=latency_floor_ms,
            )
        )
        is not None
    )
    report = DriftReport(
        baseline_dir=str(baseline_dir),
        baseline_recorded_at=index.recorded_at,
        config=config.name,
        target=recording.index.target,
        checked_at=datetime.now(UTC),
        probes=probes,
        latency=latency,
        fail_on=fail_on,
    )
    return report, recording


def update_baseline(baseline_dir: Path, report: DriftReport) -> list[str]:
    """Write the new cassette of every drifted or new probe; the files written.

    Unchanged probes keep their files (a reviewer's diff shows only what
    drifted); a probe not sent this time keeps its baseline.
    """
    index, baseline = read_directory(baseline_dir)
    by_probe = {c.probe: c for c in baseline}
    written = []
    for item in report.probes:
        if item.verdict is not None and item.current is not None:
            by_probe[item.probe] = item.current
            written.append(probe_file(item.probe))
    ordered = sorted(by_probe.values(), key=lambda c: (c.order, c.probe))
    updated = replace(index, probes=tuple(c.probe for c in ordered))
    write_directory(baseline_dir, updated, ordered)
    return written
