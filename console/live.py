"""Live updates: Server-Sent Events from the console to the agents' screens.

The console publishes small events (``popup <id>`` for one agent,
``activity <id>`` for whoever may see that call) into a :class:`LiveHub`;
each open ``GET /events`` stream holds a :class:`Subscription` and renders
the events it receives for its own agent (``console.events``). The hub only
moves ids: what an agent may see is decided where the event is rendered.

Bounds, because waitress serves each open stream with one of its threads:

- at most ``max_streams`` streams at once (past it ``open`` returns None and
  the view answers 503 with ``Retry-After``); the console asks waitress for
  that many threads on top of the call-log service's own;
- at most ``per_user`` streams per agent: the oldest is told ``bye`` (the
  page stops listening and says so) instead of ping-ponging between tabs;
- a stream whose queue passes ``queue_size`` events is ended with a
  ``reload`` (the page reloads itself) rather than growing without end;
- a comment line every ``heartbeat_s`` keeps proxies from closing an idle
  stream and finds a client that went away (the write fails);
- :meth:`LiveHub.close` ends every stream at once, so shutting down never
  waits for a thread held by a stream.

Events carry a sequence number (``id:``); the hub keeps the last
``backlog`` of them, so a page (which renders the number it was built at)
or a browser reconnecting with ``Last-Event-ID`` gets what it missed, and a
gap older than the backlog becomes a ``reload``.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

__all__ = ["Event", "LiveHub", "Subscription"]


@dataclass(frozen=True)
class Event:
    """One thing a screen should show: ``kind`` is popup, activity, reload or bye."""

    seq: int
    kind: str
    ref: str = ""
    user_id: str | None = None  # None: every agent's stream (filtered when rendered)


@dataclass
class Subscription:
    """One open stream's queue of events."""

    user_id: str
    queue_size: int
    events: deque[Event] = field(default_factory=deque)
    closed: bool = False
    cond: threading.Condition = field(default_factory=threading.Condition)

    def put(self, event: Event) -> None:
        """Queue ``event``; past ``queue_size`` the stream ends with a reload."""
        with self.cond:
            if self.closed:
                return
            if len(self.events) >= self.queue_size:
                self.events.clear()
                self.events.append(Event(event.seq, "reload"))
                self.closed = True
            else:
                self.events.append(event)
            self.cond.notify()

    def end(self, kind: str | None = None) -> None:
        """End the stream (after a last ``kind`` event, when given)."""
        with self.cond:
            if not self.closed and kind is not None:
                self.events.append(Event(0, kind))
            self.closed = True
            self.cond.notify()

    def next(self, timeout: float) -> Event | None:
        """The next event, or None after ``timeout`` s; raises ``EOFError`` once ended."""
        with self.cond:
            if not self.events and not self.closed:
                self.cond.wait(timeout)
            if self.events:
                return self.events.popleft()
            if self.closed:
                raise EOFError
            return None


class LiveHub:
    """Every open stream of one console, and the recent events."""

    def __init__(
        self,
        *,
        max_streams: int = 8,
        per_user: int = 3,
        heartbeat_s: float = 10.0,
        queue_size: int = 100,
        backlog: int = 256,
    ) -> None:
        if max_streams < 1 or per_user < 1:
            raise ValueError("max_streams and per_user must be at least 1")
        self.max_streams = max_streams
        self.per_user = per_user
        self.heartbeat_s = heartbeat_s
        self.queue_size = queue_size
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self._backlog: deque[Event] = deque(maxlen=backlog)
        self._seq = 0
        self._closed = False

    @property
    def seq(self) -> int:
        """The number of the last event published (a page renders it; 0: none yet)."""
        with self._lock:
            return self._seq

    @property
    def open_streams(self) -> int:
        """How many streams are open now."""
        with self._lock:
            return len(self._subs)

    def publish(self, kind: str, ref: str, *, user_id: str | None = None) -> Event:
        """Send an event to ``user_id``'s streams (every stream when None)."""
        with self._lock:
            self._seq += 1
            event = Event(self._seq, kind, ref, user_id)
            self._backlog.append(event)
            targets = [s for s in self._subs if user_id is None or s.user_id == user_id]
        for sub in targets:
            sub.put(event)
        return event

    def open(self, user_id: str, after: int | None = None) -> Subscription | None:
        """A new stream for ``user_id`` with what it missed since ``after``; None when full."""
        sub = Subscription(user_id, self.queue_size)
        with self._lock:
            if self._closed or len(self._subs) >= self.max_streams:
                return None
            own = [s for s in self._subs if s.user_id == user_id]
            evicted = own[: max(0, len(own) - self.per_user + 1)]
            for old in evicted:
                self._subs.remove(old)
            if after is not None and after < self._seq:
                oldest = self._backlog[0].seq if self._backlog else self._seq + 1
                if after < oldest - 1:
                    sub.events.append(Event(self._seq, "reload"))
                else:
                    sub.events.extend(
                        e
                        for e in self._backlog
                        if e.seq > after and (e.user_id is None or e.user_id == user_id)
                    )
            self._subs.append(sub)
        for old in evicted:
            old.end("bye")
        return sub

    def release(self, sub: Subscription) -> None:
        """Forget a stream that ended (the view's ``finally``)."""
        sub.end()
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def close(self) -> None:
        """End every stream now and refuse new ones (shutdown)."""
        with self._lock:
            self._closed = True
            subs, self._subs = self._subs, []
        for sub in subs:
            sub.end()
