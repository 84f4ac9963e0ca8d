"""Transport faults: make a provider route misbehave on purpose.

Rules come from ``POST /_sim/faults`` and match an operation
(``ozonetel.agent_manual_dial``), a number (any number parameter of the
request, compared as national digits), both, or every provider request. The
magic numbers of :mod:`simulator.behaviours` produce the same actions.

Kinds and what the client sees:

========================  =====================================================
``latency``               the normal answer, ``latency_ms`` later
``status``                HTTP ``status`` (default 500) with a JSON error body
``html``                  HTTP 200, ``text/html`` error page
``malformed_json``        HTTP 200, ``application/json``, ``{"status": "success",``
``empty``                 HTTP 200, empty body
``reset``                 headers, part of the body, then the connection drops
``hang``                  nothing for ``hang_s`` seconds (default 30, at most 60),
                          then 504
``fail_first``            HTTP ``status`` (default 503) for the first ``count``
                          (default 1) requests, then the normal answer
``huge``                  HTTP 200, a 20 MB JSON body
``bad_utf8``              HTTP 200, JSON declared UTF-8 holding invalid bytes
``wrong_content_type``    HTTP 200, a JSON body labelled ``application/octet-stream``
``redirect_other_host``   HTTP 302 to the same path on ``127.0.0.2``
``redirect_loop``         HTTP 302 to the very same URL
========================  =====================================================

``reset`` under WSGI: a server cannot be told to send a TCP RST, so the body
iterator raises :class:`SimulatedReset` after the headers and a first chunk;
waitress and gunicorn then close the socket mid-body and the client sees a
truncated response (httpx: ``RemoteProtocolError``). ``hang`` cannot notice a
client that gave up (WSGI has no disconnect signal), so it is bounded by
``hang_s``. ``count`` limits any rule to its first N matches.

Holding a request holds one of the server's worker threads. :class:`HoldGate`
lets at most ``max_held_requests`` (default 8) be held at once by latency and
hang faults and the pop-up delay; a request past that answers at once (a hang
504, a latency 503, both saying why), so however many clients hit a hang the
control plane and the other routes always find a free thread. ``serve`` adds
that many threads to the pool. Every number of a rule is range-checked: a
hang or a latency holds at most 60 s.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from werkzeug.wrappers import Response

from simulator.errors import SimulatorError
from simulator.limits import MAX_HOLD_S, MAX_LATENCY_MS, checked_number

__all__ = [
    "FAULT_KINDS",
    "FaultAction",
    "FaultBook",
    "FaultError",
    "FaultRule",
    "HoldGate",
    "SimulatedReset",
    "UnknownFault",
    "fault_response",
]

FAULT_KINDS: Mapping[str, str] = {
    "latency": "add latency_ms before the normal answer",
    "status": "answer with HTTP status and a JSON error body",
    "html": "HTTP 200 with an HTML error page",
    "malformed_json": "HTTP 200 with truncated JSON",
    "empty": "HTTP 200 with an empty body",
    "reset": "drop the connection mid-body",
    "hang": "hold the request for hang_s seconds",
    "fail_first": "HTTP status (503) for the first count requests",
    "huge": "HTTP 200 with a 20 MB body",
    "bad_utf8": "HTTP 200 with invalid UTF-8",
    "wrong_content_type": "JSON labelled application/octet-stream",
    "redirect_other_host": "302 to another host",
    "redirect_loop": "302 to the same URL",
}
HUGE_BYTES = 20 * 1024 * 1024
_CHUNK = 1024 * 1024
_RULE_KEYS = ("operation", "number", "fault", "status", "latency_ms", "count", "hang_s")


class FaultError(SimulatorError, ValueError):
    """A fault rule is invalid; the message says which field to fix."""


class UnknownFault(SimulatorError, KeyError):
    """No fault rule has the given id."""

    status = 404

    def __init__(self, fault_id: str) -> None:
        super().__init__(f"no fault {fault_id}")
        self.fault_id = fault_id


class SimulatedReset(ConnectionResetError):
    """Raised inside a response body to make the WSGI server drop the connection."""


@dataclass(frozen=True)
class FaultAction:
    """What to do to one response."""

    fault: str
    status: int | None = None
    latency_ms: int | None = None
    hang_s: float | None = None


@dataclass
class FaultRule:
    """A fault set from the control plane."""

    id: str
    fault: str
    operation: str | None = None
    number: str | None = None
    status: int | None = None
    latency_ms: int | None = None
    count: int | None = None
    hang_s: float | None = None
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        """True once a counted rule has fired ``count`` times."""
        return self.count is not None and self.fired >= self.count

    def matches(self, operation: str, numbers: Collection[str]) -> bool:
        """Does this rule apply to a request of ``operation`` carrying ``numbers``?"""
        if self.exhausted:
            return False
        if self.operation is not None and self.operation != operation:
            return False
        return self.number is None or self.number in numbers

    def action(self) -> FaultAction:
        """The response change this rule asks for."""
        return FaultAction(self.fault, self.status, self.latency_ms, self.hang_s)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**asdict(self), "exhausted": self.exhausted}


class FaultBook:
    """The rules of one simulator (thread-safe)."""

    def __init__(self) -> None:
        self._rules: dict[str, FaultRule] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(
        self,
        doc: Mapping[str, Any],
        *,
        operations: Collection[str],
        normalise: Callable[[str], str | None],
    ) -> FaultRule:
        """Validate ``doc`` (the ``POST /_sim/faults`` body) and keep the rule."""
        if not isinstance(doc, Mapping):
            raise FaultError("a fault must be a JSON object")
        unknown = sorted(set(doc) - set(_RULE_KEYS))
        if unknown:
            raise FaultError(
                f"unknown fault field(s): {', '.join(unknown)}; valid: {', '.join(_RULE_KEYS)}"
            )
        for key in ("fault", "operation", "number"):
            # Check types first: a list or object is unhashable and would
            # otherwise turn a 400 into a 500 (schemathesis found this).
            value = doc.get(key)
            numeric = key == "number" and isinstance(value, int) and not isinstance(value, bool)
            if value is not None and not isinstance(value, str) and not numeric:
                raise FaultError(f"{key} must be a string")
        kind = doc.get("fault")
        if kind not in FAULT_KINDS:
            raise FaultError(f"fault must be one of: {', '.join(FAULT_KINDS)} (got {kind!r})")
        operation = doc.get("operation")
        if operation is not None and operation not in operations:
            raise FaultError(
                f"unknown operation {operation!r}; use one of: {', '.join(sorted(operations))}"
            )
        number = doc.get("number")
        if number is not None:
            number = normalise(str(number))
            if number is None:
                raise FaultError(f"number {doc['number']!r} is not a valid Indian phone number")
        status = _optional_int(doc, "status", 100, 599)
        count = _optional_int(doc, "count", 1, 1_000_000)
        if kind == "fail_first":
            status, count = status or 503, count or 1
        hang = doc.get("hang_s")
        if hang is not None:
            checked_number(hang, "hang_s", 0, MAX_HOLD_S, unit="seconds", error=FaultError)
        latency = _optional_int(doc, "latency_ms", 0, MAX_LATENCY_MS)
        with self._lock:
            rule = FaultRule(
                id=f"f{next(self._ids)}",
                fault=str(kind),
                operation=operation,
                number=number,
                status=status,
                latency_ms=latency,
                count=count,
                hang_s=float(hang) if hang is not None else None,
            )
            self._rules[rule.id] = rule
        return rule

    def has_rules(self) -> bool:
        """Whether any rule is set (asked on every request; no lock needed to ask)."""
        return bool(self._rules)

    def rules(self) -> list[FaultRule]:
        """Every rule, oldest first."""
        with self._lock:
            return list(self._rules.values())

    def remove(self, rule_id: str) -> bool:
        """Drop one rule; False if there was none with that id."""
        with self._lock:
            return self._rules.pop(rule_id, None) is not None

    def clear(self) -> None:
        """Drop every rule."""
        with self._lock:
            self._rules.clear()

    def take(self, operation: str, numbers: Collection[str]) -> list[FaultAction]:
        """Actions for this request, in rule order; counts them as fired."""
        with self._lock:
            hits = [r for r in self._rules.values() if r.matches(operation, numbers)]
            for rule in hits:
                rule.fired += 1
            return [r.action() for r in hits]


def _optional_int(doc: Mapping[str, Any], key: str, low: int, high: int) -> int | None:
    value = doc.get(key)
    if value is None:
        return None
    return int(checked_number(value, key, low, high, whole=True, error=FaultError))


class HoldGate:
    """At most ``limit`` requests held (slept) at once; the rest are told to answer now."""

    def __init__(self, limit: int, sleep: Callable[[float], None]) -> None:
        self.limit = limit
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(limit)

    def hold(self, seconds: float) -> bool:
        """Sleep ``seconds`` (at most 60) and return True; False at once when full."""
        if not self._slots.acquire(blocking=False):
            return False
        try:
            self._sleep(min(max(seconds, 0.0), MAX_HOLD_S))
        finally:
            self._slots.release()
        return True

    def refusal(self, what: str) -> str:
        """The message of a request answered at once because the gate was full."""
        return (
            f"simulated {what} not held: {self.limit} requests are held already"
            " (max_held_requests); answered at once so the simulator stays responsive"
        )


def fault_response(
    action: FaultAction,
    *,
    url: str,
    hold: HoldGate,
    default_hang_s: float,
) -> Response | None:
    """The response for ``action``; None means "answer normally" (after any latency)."""
    kind = action.fault
    if kind == "latency":
        if not hold.hold((action.latency_ms or 0) / 1000):
            return _json(503, {"status": "error", "message": hold.refusal("latency")})
        return None
    if kind in ("status", "fail_first"):
        status = action.status or (503 if kind == "fail_first" else 500)
        return _json(status, {"status": "error", "message": f"simulated HTTP {status} (fault)"})
    if kind == "html":
        page = (
            "<!DOCTYPE html><html><head><title>Error</title></head><body>"
            "<h1>Something went wrong</h1><p>Please try again later.</p></body></html>"
        )
        return Response(page, 200, content_type="text/html; charset=UTF-8")
    if kind == "malformed_json":
        return Response('{"status": "success",', 200, content_type="application/json")
    if kind == "empty":
        return Response(b"", 200, content_type="application/json")
    if kind == "reset":
        response = Response(_reset_body(), 200, content_type="application/json")
        # Promise more than we send, so even a lenient client notices the cut.
        response.headers["Content-Length"] = "4096"
        return response
    if kind == "hang":
        seconds = action.hang_s if action.hang_s is not None else default_hang_s
        if not hold.hold(seconds):
            return _json(504, {"status": "error", "message": hold.refusal("hang")})
        return _json(504, {"status": "error", "message": f"simulated hang of {seconds:g} s"})
    if kind == "huge":
        response = Response(_huge_body(), 200, content_type="application/json")
        response.headers["Content-Length"] = str(HUGE_BYTES)
        return response
    if kind == "bad_utf8":
        body = b'{"status":"success","message":"caf\xc3\x28 \xff\xfe"}'
        return Response(body, 200, content_type="application/json; charset=utf-8")
    if kind == "wrong_content_type":
        text = json.dumps({"status": "success", "message": "call initiated successfully"})
        return Response(text, 200, content_type="application/octet-stream")
    if kind in ("redirect_other_host", "redirect_loop"):
        parts = urlsplit(url)
        if kind == "redirect_other_host":
            port = f":{parts.port}" if parts.port else ""
            parts = parts._replace(netloc=f"127.0.0.2{port}")
        response = Response("", 302)
        response.headers["Location"] = urlunsplit(parts)
        return response
    raise FaultError(f"unknown fault kind {kind!r}")


def _json(status: int, body: Mapping[str, Any]) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


def _reset_body() -> Iterator[bytes]:
    yield b'{"status": "succ'
    raise SimulatedReset("simulated connection reset (fault 'reset')")


def _huge_body() -> Iterator[bytes]:
    head, tail = b'{"status":"success","padding":"', b'"}'
    filler = HUGE_BYTES - len(head) - len(tail)
    yield head
    while filler > 0:
        size = min(_CHUNK, filler)
        yield b"x" * size
        filler -= size
    yield tail
