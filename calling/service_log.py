"""What ``mcc serve`` logs: one line per request, per call log, per DID sync.

Three stdlib loggers, under ``calling.service``:

- ``calling.service.requests``: one line per HTTP request, written by
  :class:`RequestLog` (WSGI middleware outside everything, the token gate
  included, so a refused request is logged too): method, path, status, time.
  The path's query keeps its parameters but not their secrets
  (``?token=***``), and customer numbers are masked;
- ``calling.service.calllogs``: one line per call record of a delivery
  (``stored`` or ``unchanged``, with its activity) or per refused delivery
  (``refused`` with the status and the reason the provider was given);
- ``calling.service.dids``: one line per DID sync (the list in force, or
  why the last good list was kept).

Each line carries its facts as ``extra`` fields (``event``, ``method``,
``status``...), so :class:`JsonFormatter` (``mcc serve --log-format json``)
writes one JSON object per line for machines; the plain text form is the
message alone after the time and level. Every text that came from outside
(a path, a provider's message) passes :func:`safe_text` first: credentials
as ``***``, numbers masked, control characters and line breaks shown as
signs, so no request can forge a log line.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from connector.document import visible
from connector.redaction import Redactor

__all__ = [
    "CALLLOG_LOGGER",
    "DID_LOGGER",
    "FIELDS",
    "LOGGER",
    "REQUEST_LOGGER",
    "JsonFormatter",
    "LogFormat",
    "RequestLog",
    "configure_logging",
    "log_path",
    "log_refused",
    "safe_text",
    "service_logging",
]

LOGGER = "calling.service"
REQUEST_LOGGER = f"{LOGGER}.requests"
CALLLOG_LOGGER = f"{LOGGER}.calllogs"
DID_LOGGER = f"{LOGGER}.dids"
#: The ``extra`` fields a JSON line carries when a record has them.
FIELDS = (
    "event",
    "method",
    "path",
    "status",
    "ms",
    "outcome",
    "reason",
    "provider",
    "call_id",
    "activity_id",
    "ok",
    "dids",
)
LogFormat = Literal["text", "json"]
_MAX_TEXT = 300
_REDACTOR = Redactor()  # no declared secrets: credential parameters and numbers
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def safe_text(text: str) -> str:
    """``text`` fit for one log line: no credential, numbers masked, no control character."""
    shown = visible(_REDACTOR.text(text)).replace("\n", "␊")
    return shown if len(shown) <= _MAX_TEXT else shown[:_MAX_TEXT] + "…"


def log_path(path: str, query: str) -> str:
    """The request's path and query as logged: ``/calllog/ozonetel?token=***``."""
    return safe_text(f"{path}?{query}" if query else path)


def log_refused(status: int, reason: str) -> None:
    """One ``calllogs`` line for a delivery the service did not store, and why."""
    shown = safe_text(reason)
    logging.getLogger(CALLLOG_LOGGER).warning(
        "call log refused (%s): %s",
        status,
        shown,
        extra={"event": "calllog", "outcome": "refused", "status": status, "reason": shown},
    )


class RequestLog:
    """WSGI middleware: logs ``METHOD path status time`` once the app has answered.

    The service's answers are small JSON documents built whole before they
    are returned, so the time is the time to handle the request.
    """

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self._log = logging.getLogger(REQUEST_LOGGER)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start = time.perf_counter()
        seen: list[int] = []

        def recording_start_response(status: str, headers: Any, *args: Any) -> Any:
            seen.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, *args)

        try:
            return self.app(environ, recording_start_response)
        finally:
            method = safe_text(str(environ.get("REQUEST_METHOD", "?")))
            path = log_path(environ.get("PATH_INFO", "") or "/", environ.get("QUERY_STRING", ""))
            status = seen[-1] if seen else 500  # no answer started: the server answers 500
            ms = round((time.perf_counter() - start) * 1000.0, 1)
            self._log.info(
                "%s %s %s %.1f ms",
                method,
                path,
                status,
                ms,
                extra={
                    "event": "request",
                    "method": method,
                    "path": path,
                    "status": status,
                    "ms": ms,
                },
            )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's facts."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update((name, getattr(record, name)) for name in FIELDS if hasattr(record, name))
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(fmt: LogFormat = "text", stream: TextIO | None = None) -> logging.Handler:
    """Send the service's log lines (``calling.*`` at INFO) to ``stream`` (stderr).

    Returns the handler, so the caller can remove it when the service stops.
    """
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
        )
    logger = logging.getLogger("calling")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler


@contextmanager
def service_logging(fmt: str = "text", stream: TextIO | None = None) -> Iterator[logging.Handler]:
    """:func:`configure_logging` for the length of a ``with`` block (``mcc serve``)."""
    handler = configure_logging("json" if fmt == "json" else "text", stream)
    try:
        yield handler
    finally:
        logging.getLogger("calling").removeHandler(handler)
