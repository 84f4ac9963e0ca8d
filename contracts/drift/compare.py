"""Compare two fingerprints: which telephony-named drifts separate them.

Pure functions over :class:`~contracts.cassettes.fingerprint.Fingerprint`;
values never enter (they are not in a fingerprint), so call ids and times,
which change on every call, never count. When the body kind itself changed
(JSON became XML), field by field differences are noise and are left out.
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.cassettes.fingerprint import Fingerprint
from contracts.drift.kinds import Drift, DriftKind

__all__ = ["compare_answers", "compare_call_logs", "p95_drift"]


def _texts(before: tuple[str, ...], after: tuple[str, ...], kind: DriftKind) -> list[Drift]:
    if before == after:
        return []
    if kind is DriftKind.STATUS_TEXT_CHANGED and sorted(t.casefold() for t in before) == sorted(
        t.casefold() for t in after
    ):
        kind = DriftKind.STATUS_CASE_CHANGED
    return [Drift(kind, "", " | ".join(before), " | ".join(after))]


def _fields(
    before: Mapping[str, str],
    after: Mapping[str, str],
    kinds: tuple[DriftKind, DriftKind, DriftKind],
) -> list[Drift]:
    added, removed, changed = kinds
    found = [Drift(added, path, "", after[path]) for path in sorted(set(after) - set(before))]
    found += [Drift(removed, path, before[path], "") for path in sorted(set(before) - set(after))]
    found += [
        Drift(changed, path, before[path], after[path])
        for path in sorted(set(before) & set(after))
        if before[path] != after[path]
    ]
    return found


def _forms(before: Mapping[str, str], after: Mapping[str, str], kind: DriftKind) -> list[Drift]:
    # Only fields in both: one that came or went is a field drift already.
    return [
        Drift(kind, path, before[path], after[path])
        for path in sorted(set(before) & set(after))
        if before[path] != after[path]
    ]


def compare_answers(before: Fingerprint, after: Fingerprint, *, error: bool) -> list[Drift]:
    """The drifts from ``before`` to ``after``; ``error``: the probe's answer is an error."""
    if after.body_kind == "none":
        return [] if before.body_kind == "none" else [Drift(DriftKind.NO_ANSWER)]
    found: list[Drift] = []
    if before.status != after.status:
        kind = DriftKind.ERROR_HTTP_STATUS_CHANGED if error else DriftKind.HTTP_STATUS_CHANGED
        found.append(Drift(kind, "", str(before.status), str(after.status)))
    if before.body_kind != after.body_kind:
        found.append(Drift(DriftKind.BODY_KIND_CHANGED, "", before.body_kind, after.body_kind))
        if before.content_type != after.content_type:
            found.append(
                Drift(DriftKind.CONTENT_TYPE_CHANGED, "", before.content_type, after.content_type)
            )
        return found
    if before.content_type != after.content_type:
        found.append(
            Drift(DriftKind.CONTENT_TYPE_CHANGED, "", before.content_type, after.content_type)
        )
    found += _texts(before.status_texts, after.status_texts, DriftKind.STATUS_TEXT_CHANGED)
    found += _texts(before.message_texts, after.message_texts, DriftKind.MESSAGE_TEXT_CHANGED)
    found += _fields(
        before.fields,
        after.fields,
        (DriftKind.FIELD_ADDED, DriftKind.FIELD_REMOVED, DriftKind.FIELD_TYPE_CHANGED),
    )
    found += _forms(before.number_forms, after.number_forms, DriftKind.NUMBER_FORMAT_CHANGED)
    found += _forms(before.time_forms, after.time_forms, DriftKind.TIME_FORMAT_CHANGED)
    return found


def compare_call_logs(before: Fingerprint, after: Fingerprint) -> list[Drift]:
    """The drifts of a call log: its fields, and the form of its values (type, number, time)."""
    found = _fields(
        before.fields,
        after.fields,
        (
            DriftKind.CALLBACK_FIELD_ADDED,
            DriftKind.CALLBACK_FIELD_REMOVED,
            DriftKind.CALLBACK_FORMAT_CHANGED,
        ),
    )
    if before.body_kind != after.body_kind:
        found.append(
            Drift(DriftKind.CALLBACK_FORMAT_CHANGED, "(body)", before.body_kind, after.body_kind)
        )
    found += _forms(before.number_forms, after.number_forms, DriftKind.CALLBACK_FORMAT_CHANGED)
    found += _forms(before.time_forms, after.time_forms, DriftKind.CALLBACK_FORMAT_CHANGED)
    found += _texts(before.status_texts, after.status_texts, DriftKind.STATUS_TEXT_CHANGED)
    return found


def p95_drift(
    api: str,
    before_p95: float,
    after_p95: float,
    *,
    factor: float,
    floor_ms: float,
) -> Drift | None:
    """A latency drift when p95 moved by more than ``factor`` and ``floor_ms`` both.

    Both bounds at once: a partner answering in 4 ms instead of 2 ms has not
    drifted, nor has one whose 3000 ms became 3400 ms.
    """
    low, high = sorted((before_p95, after_p95))
    if high - low <= floor_ms or high <= low * factor:
        return None
    return Drift(DriftKind.LATENCY_P95_CHANGED, api, f"{before_p95:.0f} ms", f"{after_p95:.0f} ms")
