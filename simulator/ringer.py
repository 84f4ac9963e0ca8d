"""Ring notifications: the agent's phone telling the app on it that it rings.

When a call rings a phone, the phone's OS tells the apps on it who is
calling, as the phone sees it: the caller id, which for a call through the
provider is the DID, never the customer. The mobile app then runs its own
DID gate and asks the provider's pop-up API who the customer is. The
simulator plays those phones: for an agent with a ``notify_url`` (seed field,
or ``POST /_sim/agents/<id>/notify``) it POSTs one JSON notification each
time a call rings that agent (``POST /_sim/incoming``, or a call straight to
the phone with ``POST /_sim/agents/<id>/ring``)::

    POST <notify_url>
    Content-Type: application/json
    User-Agent: mcc-simulator-phone

    {"event": "ringing", "id": "n1", "agent": "agent1",
     "agent_phone": "+919800000001", "caller": "+918030000001",
     "at": "2025-01-01T10:00:00+00:00"}

It is sent once, in order, from a daemon thread, with a 5 s timeout and no
retry: a late ring is worth nothing, the call is over by then. A 2xx answer
is ``delivered``, anything else ``failed`` (with the status or the error).
At most :data:`MAX_PENDING` wait to be sent; past that the oldest waiting one
is ``dropped``. The last :data:`MAX_KEPT` are kept for
``GET /_sim/notifications`` (URLs with credentials redacted, answers cut to
200 characters). The contract is documented in docs/console.md.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from simulator.clock import Clock
from simulator.redaction import redact_text, redacted_url

__all__ = ["MAX_KEPT", "MAX_PENDING", "Notification", "RingNotifier"]

logger = logging.getLogger(__name__)

MAX_PENDING = 100
MAX_KEPT = 1000
SEND_TIMEOUT_S = 5.0
_ANSWER_CHARS = 200


@dataclass
class Notification:
    """One ring notification and what became of it."""

    id: str
    agent: str
    url: str
    body: dict[str, Any]
    created_at: datetime
    state: str = "pending"  # pending, delivered, failed, dropped
    status: int | None = None
    error: str | None = None
    answer: str = ""
    sent_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the URL's credentials (``?token=``) as ``***``."""
        return {
            "id": self.id,
            "agent": self.agent,
            "url": redacted_url(self.url),
            "body": dict(self.body),
            "state": self.state,
            "status": self.status,
            "error": self.error,
            "answer": self.answer,
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


@dataclass
class _Queue:
    pending: deque[Notification] = field(default_factory=deque)
    kept: deque[Notification] = field(default_factory=lambda: deque(maxlen=MAX_KEPT))


class RingNotifier:
    """The notifications of one simulator, and the thread that sends them."""

    def __init__(self, *, clock: Clock, transport: httpx.BaseTransport | None = None) -> None:
        self._clock = clock
        self._transport = transport
        self._ids = itertools.count(1)
        self._queue = _Queue()
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._stopping = False
        self._client: httpx.Client | None = None

    def ring(self, *, agent: str, url: str, agent_phone: str, caller: str) -> Notification:
        """Queue a ``ringing`` notification to ``url`` (numbers in E.164)."""
        now = self._clock()
        with self._cond:
            note = Notification(
                id=f"n{next(self._ids)}",
                agent=agent,
                url=url,
                body={},
                created_at=now,
            )
            note.body = {
                "event": "ringing",
                "id": note.id,
                "agent": agent,
                "agent_phone": agent_phone,
                "caller": caller,
                "at": now.isoformat(),
            }
            if len(self._queue.pending) >= MAX_PENDING:
                oldest = self._queue.pending.popleft()
                oldest.state = "dropped"
                oldest.error = f"more than {MAX_PENDING} notifications waiting"
            self._queue.pending.append(note)
            self._queue.kept.append(note)
            self._start_worker()
            self._cond.notify()
        return note

    def notifications(self) -> list[Notification]:
        """The kept notifications, oldest first."""
        with self._cond:
            return list(self._queue.kept)

    def clear(self) -> None:
        """Forget every notification, sent or waiting (reset)."""
        with self._cond:
            self._queue.pending.clear()
            self._queue.kept.clear()

    def _start_worker(self) -> None:
        # Caller holds the condition's lock.
        if self._stopping or (self._worker is not None and self._worker.is_alive()):
            return
        self._worker = threading.Thread(target=self._run, name="mcc-sim-phone", daemon=True)
        self._worker.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue.pending and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                note = self._queue.pending.popleft()
            try:
                self._send(note)
            except Exception:  # the worker must outlive one bad notification
                logger.exception("ring notification failed")

    def _send(self, note: Notification) -> None:
        try:
            # Streamed: only the first _ANSWER_CHARS of the answer are read and
            # kept, however much the receiver sends back.
            with self._http().stream(
                "POST",
                note.url,
                content=json.dumps(note.body).encode(),
                headers={"content-type": "application/json", "user-agent": "mcc-simulator-phone"},
            ) as response:
                answer = ""
                for chunk in response.iter_text():
                    answer += chunk
                    if len(answer) >= _ANSWER_CHARS:
                        break
        except httpx.HTTPError as exc:
            with self._cond:
                note.state, note.error = "failed", redact_text(f"{type(exc).__name__}: {exc}")
                note.sent_at = self._clock()
                self._cond.notify_all()
            return
        with self._cond:
            note.sent_at = self._clock()
            note.status = response.status_code
            note.answer = redact_text(answer[:_ANSWER_CHARS])
            note.state = "delivered" if 200 <= response.status_code < 300 else "failed"
            self._cond.notify_all()

    def _http(self) -> httpx.Client:
        with self._cond:
            if self._client is None:
                self._client = httpx.Client(
                    transport=self._transport, timeout=SEND_TIMEOUT_S, follow_redirects=False
                )
            return self._client

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing waits to be sent (tests); False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._queue.pending and not self._sending(), timeout
            )

    def _sending(self) -> bool:
        return any(n.state == "pending" for n in self._queue.kept)

    def stop(self) -> None:
        """End the worker and close the HTTP client; safe to call twice."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            worker = self._worker
        if worker is not None:
            worker.join(timeout=SEND_TIMEOUT_S + 1)
        with self._cond:
            self._worker = None
            if self._client is not None:
                self._client.close()
                self._client = None
