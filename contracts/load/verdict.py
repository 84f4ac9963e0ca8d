"""Did the run hold up? Thresholds against Locust's figures, and the call-log check.

:func:`evaluate` reads what the Locust process wrote when it quit
(``run.json``: per request name its count, failures and percentiles, the
failures grouped by message, the call-log ledger) and judges it:

- ``p95``: each name's 95th percentile response time within its limit (a
  name with no request is "not measured": it cannot pass or fail);
- ``error ratio``: each name's failed requests over its requests at most
  ``--max-error-ratio``. A failure is any answer the connector would not call a
  success (an error rule fired, no rule matched, unreadable, too large, too
  slow) or no answer at all; for call logs anything but a 200 naming the call;
- a run that completed no request at all fails;
- call logs: :func:`calllog_check` (below).

:func:`calllog_check` answers "did every distinct call id become exactly one
activity?" from two sources. The service's own 200 answers (always): a call
whose deliveries named two activities is doubled, two calls that share one
activity were merged (one of them lost), a 200 that named no activity is
suspect. The CRM store itself, with ``--db`` (the SQLite file ``mcc serve``
writes, read-only, its ``activities`` table as docs/crm.md describes it): a call
the service acknowledged with no activity is lost, one with two is doubled,
one stored under another call-log family is misfiled. Activities of this run
that no 200 acknowledged (sent as the run stopped, or answered with an error
after the commit) are counted, not failed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from contracts.load.calllogs import Ledger

__all__ = ["calllog_check", "evaluate", "store_activities"]

_EXAMPLES = 5


def _threshold(
    what: str, name: str, limit: float, measured: float | None, unit: str
) -> dict[str, Any]:
    status = "not measured" if measured is None else "pass" if measured <= limit else "fail"
    return {
        "what": what,
        "name": name,
        "limit": limit,
        "measured": measured,
        "unit": unit,
        "status": status,
    }


def evaluate(
    run: Mapping[str, Any],
    *,
    names: tuple[str, ...],
    p95_ms: Mapping[str, float],
    max_error_ratio: float,
) -> tuple[list[dict[str, Any]], bool]:
    """Every threshold of the run with its measured value; ``True`` when none failed."""
    entries = {str(entry["name"]): entry for entry in run.get("entries", ())}
    results: list[dict[str, Any]] = []
    for name in names:
        entry = entries.get(name)
        requests = int(entry["requests"]) if entry else 0
        if name in p95_ms:
            p95 = float(entry["p95_ms"]) if entry and requests else None
            results.append(_threshold("p95", name, p95_ms[name], p95, "ms"))
        ratio = int(entry["failures"]) / requests if entry and requests else None
        results.append(_threshold("error ratio", name, max_error_ratio, ratio, ""))
    total = int(run.get("total", {}).get("requests", 0))
    passed = all(result["status"] != "fail" for result in results)
    if total == 0:
        results.append(
            {
                "what": "requests",
                "name": "all",
                "limit": 1,
                "measured": 0,
                "unit": "",
                "status": "fail",
            }
        )
        passed = False
    return results, passed


def store_activities(db: Path, prefix: str) -> dict[str, list[str | None]]:
    """Call id -> the call-log family of each activity stored under it, for this run's ids."""
    uri = f"file:{db.resolve()}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise OSError(f"cannot open the CRM database {db} to check it: {exc}") from None
    try:
        rows = connection.execute(
            "SELECT provider_call_id, call_log_format FROM activities"
            " WHERE provider_call_id LIKE ? || '%'",
            (prefix,),
        ).fetchall()
    except sqlite3.Error as exc:
        raise OSError(f"cannot read activities from {db}: {exc}") from None
    finally:
        connection.close()
    found: dict[str, list[str | None]] = {}
    for call_id, family in rows:
        found.setdefault(str(call_id), []).append(family)
    return found


def calllog_check(ledger: Ledger, stored: Mapping[str, list[str | None]] | None) -> dict[str, Any]:
    """Lost, doubled, merged and misfiled calls (see the module docstring); ``passed``."""
    doubled_answers = sorted(cid for cid, (_, ids) in ledger.acked.items() if len(ids) > 1)
    unnamed = sorted(cid for cid, (_, ids) in ledger.acked.items() if not ids)
    owners: dict[int, list[str]] = {}
    for cid, (_, ids) in ledger.acked.items():
        for activity in ids:
            owners.setdefault(activity, []).append(cid)
    merged = sorted(cid for cids in owners.values() if len(cids) > 1 for cid in cids)
    check: dict[str, Any] = {
        "distinct_calls_acknowledged": len(ledger.acked),
        "deliveries": dict(ledger.deliveries),
        "answers": {
            "doubled": len(doubled_answers),
            "merged": len(merged),
            "no_activity_named": len(unnamed),
            "examples": (doubled_answers + merged + unnamed)[:_EXAMPLES],
        },
        "store_checked": stored is not None,
    }
    failed = bool(doubled_answers or merged or unnamed)
    if stored is not None:
        lost = sorted(cid for cid in ledger.acked if not stored.get(cid))
        doubled = sorted(cid for cid, families in stored.items() if len(families) > 1)
        misfiled = sorted(
            cid
            for cid, (family, _) in ledger.acked.items()
            if len(stored.get(cid, ())) == 1 and stored[cid][0] != family
        )
        unacknowledged = sorted(cid for cid in stored if cid not in ledger.acked)
        check["store"] = {
            "activities": sum(len(families) for families in stored.values()),
            "lost": len(lost),
            "doubled": len(doubled),
            "misfiled": len(misfiled),
            "stored_without_a_200": len(unacknowledged),
            "examples": {
                "lost": lost[:_EXAMPLES],
                "doubled": doubled[:_EXAMPLES],
                "misfiled": misfiled[:_EXAMPLES],
            },
        }
        failed = failed or bool(lost or doubled or misfiled)
    check["passed"] = not failed
    return check
