"""Failed logins per user id, in a sliding window, bounded in memory.

After :data:`MAX_FAILURES` failures within :data:`FAILURE_WINDOW_S` seconds
a user id is locked until its oldest failure leaves the window; a good
login clears its count. At most :data:`TRACKED_USERS` user ids are tracked
(the least recently failed are forgotten first), so a flood of made-up user
ids cannot grow memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["FAILURE_WINDOW_S", "MAX_FAILURES", "TRACKED_USERS", "LoginThrottle"]

MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0
TRACKED_USERS = 10_000


class LoginThrottle:
    """Failed logins per user id, in a sliding window (bounded in memory)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, user_id: str) -> deque[float]:
        now = self._clock()
        failures = self._failures.get(user_id, deque())
        while failures and now - failures[0] > FAILURE_WINDOW_S:
            failures.popleft()
        return failures

    def locked(self, user_id: str) -> bool:
        """True while ``user_id`` has used up its tries."""
        with self._lock:
            return len(self._recent(user_id)) >= MAX_FAILURES

    def failed(self, user_id: str) -> None:
        """Count one failed login."""
        with self._lock:
            failures = self._recent(user_id)
            failures.append(self._clock())
            self._failures[user_id] = failures
            self._failures.move_to_end(user_id)
            while len(self._failures) > TRACKED_USERS:
                self._failures.popitem(last=False)

    def succeeded(self, user_id: str) -> None:
        """Forget the failures of a user who logged in."""
        with self._lock:
            self._failures.pop(user_id, None)
