"""Callback delivery: an outbox of call records POSTed to the account's URL.

When a call ends, the outbox queues a :class:`Delivery` holding how to build
the record in the provider's real shape (:class:`CallbackPayload`; Ozonetel:
form field ``data`` holding a JSON string). The record is built once, when it
is first sent or looked at (``Delivery.payload``), never on the request that
ended the call: an account without a callback URL never pays for it. A builder
may decide the provider sends nothing for such a call (it returns None); that
delivery is dropped when it comes up and never listed. Deliveries go out either
from a daemon thread (started on the first delivery with a URL when
``deliver_callbacks`` is true; :meth:`Outbox.stop` ends it) or synchronously
through :meth:`Outbox.flush` (``POST /_sim/callbacks/flush``).

A delivery is retried until the receiver answers 2xx, with exponential backoff
measured on the injectable clock from the failed attempt: 0.5 s, 1 s, 2 s ...
capped at 60 s (``Outbox.backoff_base_s`` and ``backoff_cap_s``; tests shorten
them), and given up after ``max_attempts``. Test modes (:class:`CallbackMode`): ``duplicate``
sends every successful delivery twice, ``delay_ms`` holds new deliveries back,
``reorder`` sends each due batch newest first, ``drop`` silently loses the
first attempt of each delivery (it is retried like a failure).

The delivery log (``Delivery.to_dict``) shows the URL with secret query values
(``?token=``, ``?api_key=``) as ``***``: a receiver that cannot take headers
gets its token in the URL, and the log must not hand it out.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx

from simulator.clock import Clock
from simulator.errors import SimulatorError
from simulator.limits import MAX_CALLBACK_DELAY_MS, checked_number
from simulator.redaction import redact_mapping, redacted_url

__all__ = [
    "Attempt",
    "CallbackMode",
    "CallbackModeError",
    "CallbackPayload",
    "Delivery",
    "Outbox",
    "PayloadSource",
    "backoff_s",
    "redacted_url",
]

logger = logging.getLogger(__name__)


def _no_record() -> None:
    """The source of a delivery whose builder found no record to send (a marker)."""


_NO_RECORD = _no_record

BACKOFF_BASE_S = 0.5
BACKOFF_FACTOR = 2.0
BACKOFF_CAP_S = 60.0
_POLL_S = 0.05
_SEND_TIMEOUT_S = 5.0


def backoff_s(
    failed_attempts: int, *, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_CAP_S
) -> float:
    """Seconds to wait after ``failed_attempts`` failures (1 -> 0.5 s, 2 -> 1 s, ...)."""
    exponent = max(0, failed_attempts - 1)
    return min(base * BACKOFF_FACTOR**exponent, cap)


class CallbackModeError(SimulatorError, ValueError):
    """A callback mode document is invalid."""


@dataclass(frozen=True)
class CallbackPayload:
    """A call record ready to POST: what the receiver gets, and the record itself."""

    dialect: str
    content_type: str
    body: bytes
    record: Mapping[str, Any]


@dataclass
class CallbackMode:
    """Delivery quirks for tests (``POST /_sim/callbacks/mode``)."""

    duplicate: bool = False
    delay_ms: int = 0
    reorder: bool = False
    drop: bool = False

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any]) -> CallbackMode:
        """Validate a mode document; unknown keys and wrong types are refused."""
        if not isinstance(doc, Mapping):
            raise CallbackModeError("callback mode must be a JSON object")
        allowed = ("duplicate", "delay_ms", "reorder", "drop")
        unknown = sorted(set(doc) - set(allowed))
        if unknown:
            raise CallbackModeError(
                f"unknown callback mode key(s): {', '.join(unknown)}; valid: {', '.join(allowed)}"
            )
        for key in ("duplicate", "reorder", "drop"):
            if key in doc and not isinstance(doc[key], bool):
                raise CallbackModeError(f"{key} must be true or false")
        delay = checked_number(
            doc.get("delay_ms", 0),
            "delay_ms",
            0,
            MAX_CALLBACK_DELAY_MS,
            whole=True,
            unit="milliseconds",
            error=CallbackModeError,
        )
        return cls(
            duplicate=bool(doc.get("duplicate", False)),
            delay_ms=int(delay),
            reorder=bool(doc.get("reorder", False)),
            drop=bool(doc.get("drop", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(vars(self))


@dataclass
class Attempt:
    """One try at delivering: when, and the HTTP status or the error."""

    at: datetime
    status: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return self.status is not None and 200 <= self.status < 300

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"at": self.at.isoformat(), "status": self.status, "error": self.error}


#: A record, or what builds it (called once, at most, when it is first needed).
PayloadSource = CallbackPayload | Callable[[], CallbackPayload | None]
#: A finished delivery with no URL as the outbox holds it: (ucid, created_at,
#: due_at, build, *args), its record ``build(*args)``.
_Unsent = tuple[Any, ...]


@dataclass(slots=True, eq=False)
class Delivery:
    """A queued call record and its attempts.

    ``state``: ``pending`` (due at ``due_at``), ``delivered``, ``gave_up`` or
    ``no_url`` (the account has no callback URL: kept only for inspection).
    ``source`` is the record or its builder; :attr:`payload` builds it once.
    """

    id: str
    ucid: str
    url: str | None
    source: PayloadSource
    created_at: datetime
    due_at: datetime
    state: str = "pending"
    # A tuple: most deliveries are never attempted (no URL), and a shared empty
    # tuple costs them nothing; the few attempts a delivery gets are re-tupled.
    attempts: tuple[Attempt, ...] = ()
    in_flight: bool = False

    @property
    def payload(self) -> CallbackPayload:
        """The record (built on first use); raises ``LookupError`` if there is none."""
        built = self.built()
        if built is None:
            raise LookupError(f"the provider sends no record for call {self.ucid}")
        return built

    def built(self) -> CallbackPayload | None:
        """The record, built on first use; None when the provider sends none."""
        source = self.source
        if isinstance(source, CallbackPayload):
            return source
        if source is _NO_RECORD:
            return None
        made = source()
        self.source = made if made is not None else _NO_RECORD
        return made

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the record's secrets (Ozonetel ``Apikey``) are redacted."""
        return {
            "id": self.id,
            "ucid": self.ucid,
            "dialect": self.payload.dialect,
            "url": redacted_url(self.url),
            "state": self.state,
            "created_at": self.created_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "content_type": self.payload.content_type,
            "record": redact_mapping(self.payload.record),
            "attempts": [a.to_dict() for a in self.attempts],
        }


class Outbox:
    """Deliveries of one simulator, and the worker that sends them."""

    def __init__(
        self,
        *,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = 12,
        deliver: bool = True,
        mode: CallbackMode | None = None,
        keep_finished: int = 10_000,
        backoff_base_s: float = BACKOFF_BASE_S,
        backoff_cap_s: float = BACKOFF_CAP_S,
    ) -> None:
        self.mode = mode or CallbackMode()
        #: Backoff after the first failure, and its ceiling (seconds; settable).
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self._keep_finished = keep_finished
        self._prune_above = keep_finished + max(1, keep_finished // 10)
        self._clock = clock
        self._transport = transport
        self._max_attempts = max_attempts
        self._deliver = deliver
        # A delivery with no URL is held as an _Unsent tuple until someone looks.
        self._deliveries: dict[str, Delivery | _Unsent] = {}
        # Ids of finished deliveries (no URL, delivered, given up) in the order
        # they finished: the oldest are forgotten first, in O(1) each. A deque:
        # no hashing into another table of ten thousand on every call.
        self._finished: deque[str] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()

    def enqueue(
        self, ucid: str, url: str | None, payload: PayloadSource, *, now: datetime | None = None
    ) -> Delivery:
        """Queue a record or its builder, due after ``mode.delay_ms``; start the worker.

        ``now`` is the clock's time if the caller has just read it (placing a
        call reads it once for the call and its delivery).
        """
        if now is None:
            now = self._clock()
        delay = self.mode.delay_ms
        with self._lock:
            delivery = Delivery(
                id=f"d{next(self._ids)}",
                ucid=ucid,
                url=url,
                source=payload,
                created_at=now,
                due_at=now + timedelta(milliseconds=delay) if delay else now,
                state="pending" if url else "no_url",
            )
            self._deliveries[delivery.id] = delivery
            if not url:
                # Nowhere to send it: finished at once, kept only to be looked at.
                self._finished.append(delivery.id)
            if len(self._deliveries) > self._prune_above:
                self._forget_oldest_finished()
        if url and self._deliver:
            self._start_worker()
        return delivery

    def _forget_oldest_finished(self) -> None:
        """Past ``keep_finished``, drop the oldest finished deliveries (lock held).

        Pending ones are never dropped: nothing queued is lost. In batches
        (10 % slack), so a steady load pays O(1) per delivery.
        """
        finished = self._finished
        for _ in range(min(len(self._deliveries) - self._keep_finished, len(finished))):
            self._deliveries.pop(finished.popleft(), None)

    def enqueue_record(
        self,
        ucid: str,
        url: str | None,
        build: Callable[..., CallbackPayload | None],
        *args: Any,
        now: datetime | None = None,
    ) -> None:
        """Queue the record ``build(*args)`` for ``url``; it is built when first sent or looked at.

        Every ended call comes here, and most have no URL (load runs, accounts
        without a callback): such a delivery is finished at once and kept only
        to be looked at, so it is held as one tuple, made a :class:`Delivery`
        only when someone looks (:meth:`deliveries`). A request pays one small
        object for it, and the collector walks one.
        """
        if url:
            self.enqueue(ucid, url, partial(build, *args), now=now)
            return
        if now is None:
            now = self._clock()
        delay = self.mode.delay_ms
        due = now + timedelta(milliseconds=delay) if delay else now
        with self._lock:
            key = f"d{next(self._ids)}"
            self._deliveries[key] = (ucid, now, due, build, *args)
            self._finished.append(key)
            if len(self._deliveries) > self._prune_above:
                self._forget_oldest_finished()

    def _delivery(self, key: str, held: Delivery | _Unsent) -> Delivery:
        """The delivery held under ``key``, made from its tuple if need be (lock held)."""
        if isinstance(held, Delivery):
            return held
        ucid, created_at, due_at, build, *args = held
        delivery = Delivery(
            id=key,
            ucid=ucid,
            url=None,
            source=partial(build, *args),
            created_at=created_at,
            due_at=due_at,
            state="no_url",
        )
        self._deliveries[key] = delivery
        return delivery

    def deliveries(self) -> list[Delivery]:
        """Every delivery with a record, oldest first (records are built here if not yet)."""
        with self._lock:
            found = [self._delivery(key, held) for key, held in list(self._deliveries.items())]
        return [d for d in found if d.built() is not None]

    def clear(self) -> None:
        """Forget every delivery (reset)."""
        with self._lock:
            self._deliveries.clear()
            self._finished.clear()

    def flush(self) -> list[dict[str, Any]]:
        """Send every due delivery now; report what each attempt got."""
        now = self._clock()
        with self._lock:
            due = [
                d
                for d in self._deliveries.values()
                # a tuple is a delivery with no URL: never sent
                if isinstance(d, Delivery)
                and d.state == "pending"
                and not d.in_flight
                and d.due_at <= now
            ]
            if self.mode.reorder:
                due.reverse()
            for delivery in due:
                delivery.in_flight = True
        results = []
        for delivery in due:
            if delivery.built() is None:  # the provider sends nothing for this call
                with self._lock:
                    self._deliveries.pop(delivery.id, None)
                continue
            attempts = self._attempt(delivery)
            results.append(
                {
                    "delivery": delivery.id,
                    "ucid": delivery.ucid,
                    "state": delivery.state,
                    "attempts": [a.to_dict() for a in attempts],
                }
            )
        return results

    def _attempt(self, delivery: Delivery) -> list[Attempt]:
        # The clock is read per attempt, not once per flush: a flush of many
        # deliveries takes seconds, and the backoff runs from each failure.
        now = self._clock()
        if self.mode.drop and not delivery.attempts:
            made = [Attempt(now, error="dropped (simulated)")]
        else:
            made = [self._send(delivery, now)]
            if self.mode.duplicate and made[0].ok:
                made.append(self._send(delivery, now))
        with self._lock:
            delivery.attempts += tuple(made)
            delivery.in_flight = False
            if any(a.ok for a in made):
                delivery.state = "delivered"
                self._finished.append(delivery.id)
            elif len(delivery.attempts) >= self._max_attempts:
                delivery.state = "gave_up"
                self._finished.append(delivery.id)
            else:
                failures = sum(1 for a in delivery.attempts if not a.ok)
                wait = backoff_s(failures, base=self.backoff_base_s, cap=self.backoff_cap_s)
                delivery.due_at = now + timedelta(seconds=wait)
        return made

    def _send(self, delivery: Delivery, now: datetime) -> Attempt:
        assert delivery.url is not None  # only pending deliveries (with a URL) are sent
        try:
            response = self._http().post(
                delivery.url,
                content=delivery.payload.body,
                headers={
                    "content-type": delivery.payload.content_type,
                    "user-agent": "mcc-simulator-callbacks",
                },
            )
        except httpx.HTTPError as exc:
            return Attempt(now, error=f"{type(exc).__name__}: {exc}")
        return Attempt(now, status=response.status_code)

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    transport=self._transport, timeout=_SEND_TIMEOUT_S, follow_redirects=False
                )
            return self._client

    def _start_worker(self) -> None:
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                return
            self._stop.clear()
            self._worker = threading.Thread(target=self._run, name="mcc-sim-callbacks", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while not self._stop.wait(_POLL_S):
            try:
                self.flush()
            except Exception:  # the worker must outlive one bad delivery
                logger.exception("callback delivery failed")

    @property
    def worker_running(self) -> bool:
        """True while the background delivery thread runs."""
        return self._worker is not None and self._worker.is_alive()

    def stop(self) -> None:
        """Stop the worker (if any) and close the HTTP client; safe to call twice."""
        self._stop.set()
        worker = self._worker
        if worker is not None:
            worker.join(timeout=2.0)
        with self._lock:
            self._worker = None
            if self._client is not None:
                self._client.close()
                self._client = None
