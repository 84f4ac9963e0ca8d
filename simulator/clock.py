"""Time for the simulator: one injectable clock, and the provider time formats.

Every timestamp the simulator produces (call history, callback times, journal
entries, backoff schedules, rate-limit windows) comes from the clock in the
config, so tests drive time with :class:`FakeClock` instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

__all__ = ["IST", "Clock", "FakeClock", "hms", "ist_text", "utc_now", "utc_text"]

#: Indian Standard Time: Ozonetel callbacks and API times are IST without a zone.
IST = timezone(timedelta(hours=5, minutes=30), "IST")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real time, aware, in UTC (the default clock)."""
    return datetime.now(UTC)


class FakeClock:
    """A clock that moves only when told to (for tests and repeatable runs)."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2024, 1, 15, 4, 30, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime (add tzinfo=UTC)")
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` and return the new time."""
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (aware)."""
        if when.tzinfo is None:
            raise ValueError("FakeClock.set needs an aware datetime")
        with self._lock:
            self._now = when


def ist_text(when: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in IST, no zone: the Ozonetel/seed format."""
    # Whole seconds only: under load, many answers fall in the same second.
    return _ist_second(int(when.timestamp() // 1))


@lru_cache(maxsize=16)
def _ist_second(second: int) -> str:
    return datetime.fromtimestamp(second, IST).strftime("%Y-%m-%d %H:%M:%S")


def utc_text(when: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC: the LeadSquared call-log format."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def hms(seconds: float) -> str:
    """Seconds as ``HH:MM:SS`` (Ozonetel durations are strings, not numbers)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
