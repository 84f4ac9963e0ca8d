"""A tap on a conformance run: who else hears of every exchange and call log.

``mcc verify`` needs none; ``mcc record`` and ``mcc drift`` pass one to
:func:`contracts.runner.run` so they see each exchange the clauses make (the
same :class:`~contracts.clauses.context.Seen` the answers clauses judge) and
each call log the partner pushes to the run's receiver, as they happen. The
callbacks run in the run's own thread (exchanges) or the receiver's
(deliveries); they must be quick and must not raise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contracts.clauses.context import Seen
from contracts.receiver import Delivery

__all__ = ["Tap"]


@dataclass(frozen=True)
class Tap:
    """Callbacks for every exchange and every call-log delivery of a run."""

    exchange: Callable[[Seen], None] | None = None
    delivery: Callable[[Delivery], None] | None = None
