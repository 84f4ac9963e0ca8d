"""Which recorded probe answers a request: same API, then the probe kind.

A request is matched to the recorded probes of its path; each recorded
parameter then says what the request must hold, by its role:

- ``empty``: an empty (or missing) value, as the blank-parameter probes send;
- ``secret``: any non-empty value (the key was never written down);
- ``callback``: any value (the call-log URL of the run);
- ``literal`` and ``number``: the same value, where a masked digit (``*``)
  stands for any digit, so a DND number, a wrong key or an unknown agent
  picks its own probe.

An exact value scores more than a stand-in, so the wrong-key probe wins over
the success probe for a request with the wrong key; on a tie the probe
recorded first wins (the success probe of an API comes before its error
cases). The method counts but does not decide: a POST of a probe recorded
only as GET still gets its answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache

from simulator.replay.store import RecordedProbe

__all__ = ["best_match"]

_EXACT, _STAND_IN, _METHOD = 3, 1, 2


@cache
def _masked(value: str) -> re.Pattern[str]:
    """``value`` as a pattern where ``*`` is any digit (``%2B`` and ``+`` alike)."""
    text = value.replace("%2B", "+").replace("%2b", "+")
    return re.compile("".join(r"\d" if ch == "*" else re.escape(ch) for ch in text))


def _score(probe: RecordedProbe, method: str, params: Mapping[str, str]) -> int | None:
    score = _METHOD if probe.method == method else 0
    for param in probe.params:
        value = params.get(param.name.lower(), "")
        if param.role == "empty":
            if value:
                return None
            score += _EXACT
        elif param.role == "secret":
            if not value:
                return None
            score += _STAND_IN
        elif param.role == "callback":
            score += _STAND_IN if value else 0
        elif "*" in param.value:
            if not _masked(param.value).fullmatch(value.replace("%2B", "+")):
                return None
            score += _EXACT
        else:
            if value != param.value:
                return None
            score += _EXACT
    return score


def best_match(
    probes: Sequence[RecordedProbe], method: str, path: str, params: Mapping[str, str]
) -> RecordedProbe | None:
    """The recorded probe that answers ``method path`` with ``params`` (names lower case)."""
    best: tuple[int, int] | None = None
    chosen: RecordedProbe | None = None
    for probe in probes:
        if probe.path != path or probe.status is None:
            continue
        score = _score(probe, method, params)
        if score is None:
            continue
        key = (score, -probe.order)
        if best is None or key > best:
            best, chosen = key, probe
    return chosen
