"""The call-log receiver of a conformance run: where the partner pushes its CDRs.

``mcc verify`` hosts it for the length of a run (``--callback-listen``, by
default a free loopback port) and tells the partner its address
(``--callback-url`` when the partner reaches it through NAT or a tunnel). Every
POST is parsed with the connector's own call-log parser
(``connector.parse_callback``, the format from the config's ``call_log``), the
same code ``mcc serve`` runs, and kept as a :class:`Delivery` with the time it
arrived. The receiver answers 200, or 503 once when armed
(:meth:`CallLogReceiver.refuse_next`) so the ``callback.retry`` clause can see
whether the partner delivers again. Bodies are bounded (1 MiB) and kept only
for the run; reports show them redacted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import connector
from contracts.errors import CannotRunError
from contracts.serving import stop_waitress

__all__ = ["MAX_BODY_BYTES", "CallLogReceiver", "Delivery", "parse_listen"]

MAX_BODY_BYTES = 1_048_576
# What evidence shows of a delivery's headers (WSGI environ keys).
_SHOWN_HEADERS = (
    ("content-type", "CONTENT_TYPE"),
    ("content-length", "CONTENT_LENGTH"),
    ("user-agent", "HTTP_USER_AGENT"),
)


@dataclass(frozen=True)
class Delivery:
    """One POST the partner made to the receiver, and what the receiver made of it."""

    received_at: datetime
    path: str
    content_type: str | None
    headers: tuple[tuple[str, str], ...]
    body: bytes
    answered: int  # the status the receiver answered (200, 503, 400, 413)
    records: tuple[connector.CallRecord, ...] = ()
    problem: str | None = None  # why it could not be read (a CallLogError)

    @property
    def call_ids(self) -> tuple[str, ...]:
        """The call ids it carried, in order."""
        return tuple(record.call_id for record in self.records)


@dataclass
class _Armed:
    """Refuse (503) the next delivery one of whose records ``wants``, once."""

    wants: Callable[[connector.CallRecord], bool]
    refused: Delivery | None = None


@dataclass
class _State:
    deliveries: list[Delivery] = field(default_factory=list)
    armed: _Armed | None = None


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``127.0.0.1:0`` picks a free port); ``CannotRunError`` otherwise."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise CannotRunError(
            f"--callback-listen {text!r} is not HOST:PORT (e.g. 127.0.0.1:8088, or port 0 for any)"
        )
    return host, int(port)


class CallLogReceiver:
    """A small HTTP server taking the partner's call logs; start it, read what came."""

    def __init__(
        self,
        format: connector.CallLogFormat,
        *,
        listen: tuple[str, int] = ("127.0.0.1", 0),
        public_url: str | None = None,
        on_delivery: Callable[[Delivery], None] | None = None,
    ) -> None:
        self.format = format
        # Told of every delivery after it is kept (``mcc record``, ``mcc drift``).
        self._on_delivery = on_delivery
        self._listen = listen
        self._public_url = public_url
        self._state = _State()
        self._changed = threading.Condition()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------

    def start(self) -> CallLogReceiver:
        """Bind and serve in a daemon thread; ``CannotRunError`` when the port is taken."""
        from waitress.server import create_server

        host, port = self._listen
        try:
            self._server = create_server(
                self._app,
                host=host,
                port=port,
                threads=4,
                ident="mcc-verify-calllog",
                max_request_body_size=MAX_BODY_BYTES,
            )
        except OSError as exc:
            raise CannotRunError(
                f"cannot listen for call logs on {host}:{port} ({exc.strerror or exc});"
                " choose another --callback-listen"
            ) from None
        self._thread = threading.Thread(
            target=self._server.run, name="mcc-verify-calllog", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving: close the socket and every connection, then join the thread."""
        server, self._server = self._server, None
        thread, self._thread = self._thread, None
        if server is not None:
            stop_waitress(server, thread)

    @property
    def listen_url(self) -> str:
        """Where the receiver listens (``http://127.0.0.1:PORT/calllog``)."""
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        host = str(self._server.effective_host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self._server.effective_port}/calllog"

    @property
    def url(self) -> str:
        """The URL the partner pushes to: ``--callback-url``, else the listen address."""
        if not self._public_url:
            return self.listen_url
        parts = urlsplit(self._public_url)
        return (
            self._public_url
            if parts.path not in ("", "/")
            else self._public_url.rstrip("/") + "/calllog"
        )

    # -- what came -----------------------------------------------------------

    def deliveries(self) -> list[Delivery]:
        """Every delivery so far, in arrival order."""
        with self._changed:
            return list(self._state.deliveries)

    def wait_for(self, found: Callable[[list[Delivery]], Any], timeout_s: float) -> Any:
        """Wait until ``found(deliveries)`` is truthy (return it) or ``timeout_s`` passes (None)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                result = found(list(self._state.deliveries))
                remaining = deadline - time.monotonic()
                if result or remaining <= 0:
                    return result or None
                self._changed.wait(remaining)

    def refuse_next(self, wants: Callable[[connector.CallRecord], bool]) -> None:
        """Answer 503 to the next delivery holding a record that ``wants`` accepts, once."""
        with self._changed:
            self._state.armed = _Armed(wants)

    def refused(self) -> Delivery | None:
        """The delivery the armed refusal answered 503, if one came."""
        with self._changed:
            armed = self._state.armed
            return armed.refused if armed else None

    # -- the WSGI app ----------------------------------------------------------

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(
                start_response,
                405,
                b'{"status":"error","message":"POST call logs here"}',
                allow="POST",
            )
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            body, status = b"", 413
        else:
            body = environ["wsgi.input"].read(min(length, MAX_BODY_BYTES)) if length else b""
            status = 200
        content_type = environ.get("CONTENT_TYPE") or None
        headers = tuple(
            (name, str(environ[key])) for name, key in _SHOWN_HEADERS if environ.get(key)
        )
        records: tuple[connector.CallRecord, ...] = ()
        problem: str | None = None
        if status == 200:
            try:
                records = tuple(connector.parse_callback(body, content_type, self.format))
            except connector.CallLogError as exc:
                problem, status = str(exc), 400
        with self._changed:
            armed = self._state.armed
            if (
                status == 200
                and armed is not None
                and armed.refused is None
                and any(armed.wants(record) for record in records)
            ):
                status = 503  # once: a partner that retries delivers it again
            delivery = Delivery(
                received_at=datetime.now(UTC),
                path=str(environ.get("PATH_INFO", "")),
                content_type=content_type,
                headers=headers,
                body=body,
                answered=status,
                records=records,
                problem=problem,
            )
            if status == 503 and armed is not None:
                armed.refused = delivery
            self._state.deliveries.append(delivery)
            self._changed.notify_all()
        if self._on_delivery is not None:
            self._on_delivery(delivery)
        message = {
            200: b'{"status":"ok"}',
            400: b'{"status":"error","message":"the call log could not be read"}',
            413: b'{"status":"error","message":"body too large"}',
            503: b'{"status":"error","message":"not stored, deliver again"}',
        }[status]
        return _answer(start_response, status, message)


def _answer(
    start_response: Callable[..., Any], status: int, body: bytes, *, allow: str | None = None
) -> list[bytes]:
    reason = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed", 413: "Payload Too Large"}
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if allow is not None:
        headers.append(("Allow", allow))  # RFC 9110: a 405 names the methods to use
    start_response(f"{status} {reason.get(status, 'Service Unavailable')}", headers)
    return [body]
