"""Every bound the simulator puts on what comes from outside, in one place.

The numbers are documented in ``docs/simulator.md`` (Limits) and
``docs/reliability.md``; a value outside its range is a 400 that names the
field and the range, never a 500 later. :func:`checked_number` is the one
check every control-plane number goes through: it refuses booleans, NaN,
infinities, non-numbers and anything outside ``[low, high]``.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "MAX_ACCOUNTS",
    "MAX_AGENTS",
    "MAX_BODY_BYTES",
    "MAX_CALLBACK_DELAY_MS",
    "MAX_CAMPAIGNS",
    "MAX_DELAY_S",
    "MAX_DISPOSITION_CHARS",
    "MAX_HELD_REQUESTS",
    "MAX_HOLD_S",
    "MAX_JOURNAL_BYTES",
    "MAX_JOURNAL_LIMIT",
    "MAX_LATENCY_MS",
    "MAX_NUMBERS",
    "MAX_PARAM_CHARS",
    "MAX_SEED_FILE_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "checked_disposition",
    "checked_number",
]

#: Request bodies (provider routes and ``/_sim``): the server refuses bigger ones (413).
MAX_BODY_BYTES = 2 * 1024 * 1024
#: A provider parameter longer than this is refused (400), as real web servers do.
MAX_PARAM_CHARS = 8 * 1024
#: The longest a latency or hang fault (or the pop-up delay) holds one request.
MAX_HOLD_S = 60.0
MAX_LATENCY_MS = int(MAX_HOLD_S * 1000)
#: Requests that latency/hang faults and the pop-up delay may hold at once
#: (default of ``SimulatorConfig.max_held_requests``); more answer at once.
MAX_HELD_REQUESTS = 8
#: Seconds a call may spend in one state (``delays``): one day.
MAX_DELAY_S = 86_400.0
#: How long a callback may be held back (``delay_ms``): one hour.
MAX_CALLBACK_DELAY_MS = 3_600_000
#: ``GET /_sim/journal?limit=`` at most.
MAX_JOURNAL_LIMIT = 1_000_000
#: Ceiling of ``SimulatorConfig.journal_bytes``.
MAX_JOURNAL_BYTES = 1024 * 1024 * 1024
#: Seed documents: entries of each kind, in the document and in the simulator.
MAX_ACCOUNTS = 1_000
MAX_AGENTS = 10_000
MAX_CAMPAIGNS = 10_000
MAX_NUMBERS = 100_000  # each of dids, dnd, blacklist
#: Seed YAML files: size, nesting, and nodes once aliases are expanded.
MAX_SEED_FILE_BYTES = 4 * 1024 * 1024
MAX_YAML_DEPTH = 32
MAX_YAML_NODES = 1_000_000
#: What an agent notes on a call (the call record's Disposition), from /_sim or the seed.
MAX_DISPOSITION_CHARS = 200


def checked_disposition(value: Any, field: str, *, error: type[Exception] = ValueError) -> str:
    """``value`` when it is printable text of at most ``MAX_DISPOSITION_CHARS``, else ``error``."""
    if not isinstance(value, str) or len(value) > MAX_DISPOSITION_CHARS or not value.isprintable():
        raise error(f"{field} must be printable text of at most {MAX_DISPOSITION_CHARS} characters")
    return value


def checked_number(
    value: Any,
    field: str,
    low: float,
    high: float,
    *,
    whole: bool = False,
    unit: str = "",
    error: type[Exception] = ValueError,
) -> float:
    """``value`` as a number in ``[low, high]``, or ``error`` naming the field and the range.

    ``whole`` asks for an integer (``2.0`` is not one: JSON says what it means).
    """
    kind = "a whole number" if whole else "a number"
    suffix = f" {unit}" if unit else ""
    wanted = f"{field} must be {kind} from {low:g} to {high:g}{suffix}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise error(wanted)
    if whole and not isinstance(value, int):
        raise error(wanted)
    if isinstance(value, float) and not math.isfinite(value):
        raise error(f"{wanted}, not {value}")
    if not low <= value <= high:
        # A huge integer is not echoed whole: its digits could fill the answer.
        if isinstance(value, float):
            shown = f"{value:g}"
        else:
            shown = str(value) if abs(value) < 10**15 else "a larger one"
        raise error(f"{wanted}, not {shown}")
    return value
