"""Per-account request limits over a sliding minute of the injectable clock.

Ozonetel documents limits per API key per minute (50/min for CDR pulls, 10/min
for agent details); the simulator applies the account's
``rate_limit_per_minute`` to every provider operation of that account.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

__all__ = ["RateLimiter"]

_WINDOW = timedelta(minutes=1)


class RateLimiter:
    """Counts hits per key; callers hold the simulator lock."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[datetime]] = {}

    def hit(self, key: str, limit: int | None, now: datetime) -> bool:
        """Record a request; False when it exceeds ``limit`` per minute (None: no limit)."""
        if limit is None:
            return True
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= _WINDOW:
            hits.popleft()
        if len(hits) >= limit:
            return False
        hits.append(now)
        return True

    def clear(self) -> None:
        """Forget every count (reset)."""
        self._hits.clear()
