"""Magic customer numbers: dial one and get a known outcome (docs/interfaces.md).

The table is data so that the README and docs can print it
(:func:`behaviour_rows`) and the providers and the fault layer read the same
rows. Numbers are national (10 digits); any written form of them works
(``+91-9000000001``, ``09000000001``...). Transport-level outcomes carry a
``fault`` kind understood by :mod:`simulator.faults`; the others are decided by
each dialect's model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["MAGIC_NUMBERS", "Behaviour", "behaviour_for", "behaviour_rows"]


@dataclass(frozen=True)
class Behaviour:
    """What dialling ``number`` does."""

    number: str
    outcome: str
    description: str
    fault: str | None = None
    status: int | None = None
    latency_ms: int | None = None
    count: int | None = None  # fail_first: how many requests fail before one succeeds
    disposition: str | None = None  # what the agent notes: the call record's Disposition


MAGIC_NUMBERS: tuple[Behaviour, ...] = (
    Behaviour("9000000001", "dnd", "DND"),
    Behaviour("9000000002", "blacklisted", "blacklisted"),
    Behaviour("9000000003", "invalid_number", "invalid number"),
    Behaviour("9000000004", "busy", "busy"),
    Behaviour("9000000005", "no_answer", "no answer"),
    Behaviour("9000000006", "agent_unavailable", "agent unavailable"),
    Behaviour("9000000007", "max_limit", "max limit exceeded"),
    Behaviour(
        "9000000008",
        "disposition",
        "answered, with the Disposition Interested",
        disposition="Interested",
    ),
    Behaviour("9000000010", "status_500", "500", fault="status", status=500),
    Behaviour("9000000011", "html", "HTML error page with 200", fault="html"),
    Behaviour("9000000012", "malformed_json", "malformed JSON", fault="malformed_json"),
    Behaviour("9000000013", "empty", "empty body", fault="empty"),
    Behaviour("9000000014", "reset", "connection reset", fault="reset"),
    Behaviour("9000000015", "hang", "hang until the client times out", fault="hang"),
    Behaviour("9000000016", "latency", "2 s added latency", fault="latency", latency_ms=2000),
    Behaviour(
        "9000000017",
        "fail_first",
        "HTTP 503 for the first 2 requests, then success (per number, until reset)",
        fault="fail_first",
        status=503,
        count=2,
    ),
    Behaviour("9000000018", "status_503", "503", fault="status", status=503),
)

_BY_NUMBER = {b.number: b for b in MAGIC_NUMBERS}


def behaviour_for(national_number: str | None) -> Behaviour | None:
    """The magic behaviour of a national number, or None for an ordinary number."""
    if national_number is None:
        return None
    return _BY_NUMBER.get(national_number)


def behaviour_rows() -> list[dict[str, Any]]:
    """The table as rows (for docs and ``/_sim/state``), plus the default row."""
    rows = [asdict(b) for b in MAGIC_NUMBERS]
    rows.append(
        {
            "number": "any other valid number",
            "outcome": "success",
            "description": "success",
            "fault": None,
            "status": None,
            "latency_ms": None,
            "count": None,
            "disposition": None,
        }
    )
    return rows
