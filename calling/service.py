"""The connector's own HTTP service: the call-log endpoint providers post to.

``create_service`` builds a Flask app (nothing at import time, state in
``app.extensions``) with:

- ``POST /calllog`` and ``POST /calllog/<provider>``: one provider callback
  (Ozonetel's form field ``data`` holding JSON, a raw JSON object or array,
  LeadSquared's generic call log, Knowlarity's webhook). Every record becomes
  one activity through ``calling.activities.ingest``, in one transaction;
  the answer is 200 only after the commit, so a provider that retries on
  anything else never loses a call, and a retry of a stored call changes
  nothing (idempotent on the call id). A malformed record is a 400 naming the
  field, and nothing of that delivery is stored.
- ``GET /healthz``: one status, no secrets: ``ok`` (200) when the CRM store
  answers and, when a DID sync is scheduled, the last one worked;
  ``degraded`` (200) when the last sync failed but the last good DID list
  stays in force; ``unhealthy`` (503, so a load balancer can tell) when the
  store cannot be read, or a scheduled sync has never worked (at start,
  until the first sync finishes). ``problems`` says why, in words.
- JSON answers for 401, 404, 405, 413 and 500.

Every request, every call record stored or left unchanged, every refused
delivery (with its reason) and every DID sync is one log line
(:mod:`calling.service_log`; ``mcc serve --log-format json`` for machines).

The token is checked by :class:`calling.auth.TokenGate`, WSGI middleware in
front of Flask: a call-log POST without the right token is answered 401 from
its headers and query alone, before anything reads its body.

``serve_service`` runs the app with waitress and the DID sync schedule until
Ctrl-C or SIGTERM. Waitress enforces the limits of :func:`waitress_limits`:
a body over the app's limit (1 MiB) is refused 413 from its
``Content-Length`` before any of it is read or spooled (a chunked one as
soon as it passes the limit), request heads over 64 KiB are refused,
connections idle for 30 s are closed, at most 500 are served at once and
they are polled with ``poll()``. Reading a request head costs no thread, so
slow clients do not lock others out.
"""

from __future__ import annotations

import logging
import re
import signal
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from calling.activities import IngestReport, ingest
from calling.auth import TOKEN_ENV, TokenGate
from calling.did_sync import DidGate, DidSyncResult, sync_dids
from calling.scheduler import DidSyncScheduler
from calling.service_log import CALLLOG_LOGGER, DID_LOGGER, RequestLog, log_refused, safe_text
from connector.calllog import parse_callback
from connector.client import Client
from connector.config import ConnectorConfig
from connector.errors import CallLogError, ConfigError
from crm.errors import CrmStoreError
from crm.models import DidSyncStatus, UpsertResult
from crm.store import CrmStore

__all__ = [
    "CHANNEL_TIMEOUT_S",
    "CONNECTION_LIMIT",
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_HEADER_BYTES",
    "ServiceState",
    "create_service",
    "serve_service",
    "service_state",
    "waitress_limits",
]

DEFAULT_MAX_BODY_BYTES = 1_048_576
#: A connection with nothing to do (idle keep-alive, or a request head that
#: stopped arriving) is closed after this many seconds; checked every 5 s.
CHANNEL_TIMEOUT_S = 30
CLEANUP_INTERVAL_S = 5
#: Connections served at once; past it waitress stops accepting until one closes.
CONNECTION_LIMIT = 500
#: Request line plus headers.
MAX_HEADER_BYTES = 64 * 1024
THREADS = 8
_EXTENSION = "mcc_service"
_PROVIDER = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_log = logging.getLogger(__name__)
_calllogs = logging.getLogger(CALLLOG_LOGGER)
_dids = logging.getLogger(DID_LOGGER)


@dataclass
class ServiceState:
    """What the service's views share; ``app.extensions["mcc_service"]``."""

    store: CrmStore
    config: ConnectorConfig | None
    token: str | None = field(repr=False)
    gate: DidGate
    scheduler: DidSyncScheduler | None = None
    last_sync: DidSyncResult | None = None
    on_ingest: Callable[[IngestReport], None] | None = None


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"status": "error", "message": message}), status


def _state() -> ServiceState:
    state: ServiceState = current_app.extensions[_EXTENSION]
    return state


def _health(state: ServiceState, sync: DidSyncStatus | None) -> tuple[str, list[str]]:
    """``(status, problems)``: ``ok``, ``degraded`` or ``unhealthy``, and why."""
    if sync is None:
        return "unhealthy", ["the CRM store cannot be read; call logs cannot be stored"]
    if state.scheduler is None:
        return "ok", []  # no DID sync runs here: nothing more to be healthy about
    if sync.last_success_at is None:
        why = sync.last_error or "the first DID sync has not finished yet"
        return "unhealthy", [f"no DID list: {why}"]
    if sync.last_error is not None:
        return "degraded", [
            f"the last DID sync failed ({sync.last_error}); the last good list of"
            f" {len(state.gate.dids)} DID(s) stays in force"
        ]
    return "ok", []


def _healthz() -> tuple[Response, int]:
    state = _state()
    try:
        sync: DidSyncStatus | None = state.store.did_sync_status()
    except (CrmStoreError, sqlite3.Error, OSError) as exc:
        _log.warning("health check: the CRM store cannot be read: %s", safe_text(str(exc)))
        sync = None
    status, problems = _health(state, sync)
    body = {
        "status": status,
        "problems": [safe_text(problem) for problem in problems],
        "dids": len(state.gate.dids),
        "did_sync": {
            "scheduled": state.scheduler is not None,
            "last_success_at": _iso(sync.last_success_at) if sync else None,
            "last_attempt_at": _iso(sync.last_attempt_at) if sync else None,
            "last_error": safe_text(sync.last_error) if sync and sync.last_error else None,
        },
    }
    return jsonify(body), 503 if status == "unhealthy" else 200


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _calllog(provider: str | None = None) -> tuple[Response, int]:
    # The token was checked by TokenGate before the request reached Flask.
    state = _state()
    if provider is not None and not _PROVIDER.match(provider):
        return _error(404, f"/calllog/{provider[:32]} is not a call-log path")
    body = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    try:
        log = state.config.call_log if state.config is not None else None
        # The config's call_log.format: the same parser mcc verify's receiver uses.
        records = parse_callback(body, request.content_type, log.format if log else None)
        if not records:
            log_refused(400, "body: holds no call record")
            return _error(400, "body: holds no call record")
        report = ingest(state.store, records)
    except CallLogError as exc:
        log_refused(400, str(exc))
        return _error(400, str(exc))
    except CrmStoreError as exc:
        # 503, not 4xx: the provider should retry; nothing was committed.
        log_refused(503, f"the CRM store is not available: {exc}")
        return _error(503, f"the CRM store is not available, retry later: {exc}")
    for record, activity_id, outcome in zip(
        records, report.activity_ids, report.outcomes, strict=True
    ):
        # stored: a new activity (created) or new facts on one (updated).
        stored = "unchanged" if outcome is UpsertResult.UNCHANGED else "stored"
        call_id = safe_text(record.call_id)
        _calllogs.info(
            "call log %s %s: %s, activity %s",
            record.provider,
            call_id,
            stored if stored == "unchanged" else f"stored ({outcome})",
            activity_id,
            extra={
                "event": "calllog",
                "outcome": stored,
                "provider": record.provider,
                "call_id": call_id,
                "activity_id": activity_id,
                "reason": str(outcome),
            },
        )
    if state.on_ingest is not None:
        # After the commit; a listener's failure is its own, never the provider's.
        try:
            state.on_ingest(report)
        except Exception:
            _log.exception("on_ingest listener failed (the call log is stored)")
    return jsonify(
        {
            "status": "ok",
            "records": report.records,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "unmatched": report.unmatched,
            "activity_ids": list(report.activity_ids),
            "call_ids": [record.call_id for record in records],
        }
    ), 200


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        message = f"body is larger than {limit} bytes; send one call per request"
        if request.path.startswith("/calllog"):
            log_refused(413, message)
        return _error(413, message)
    if isinstance(exc, MethodNotAllowed):
        answer, _ = _error(405, f"{request.method} is not allowed on {request.path}")
        # RFC 9110: a 405 lists the methods the resource supports (Flask's own does too).
        answer.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
        return answer, 405
    if status == 404:
        return _error(404, f"{request.path} is not a path of this service (try POST /calllog)")
    return _error(status, exc.description or exc.name)


def _unexpected(exc: Exception) -> tuple[Response, int]:
    _log.exception("unexpected error on %s", request.path)
    return _error(500, f"internal error ({exc.__class__.__name__}); see the service log")


def create_service(
    store: CrmStore,
    config: ConnectorConfig | None = None,
    token: str | None = None,
    *,
    client: Client | None = None,
    allow_no_auth: bool = False,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    gate: DidGate | None = None,
    on_ingest: Callable[[IngestReport], None] | None = None,
) -> Flask:
    """The call-log service for ``store``.

    ``token`` is the shared secret (from ``MCC_CALLLOG_TOKEN`` at the edge);
    without one the service refuses to be built unless ``allow_no_auth``.
    With a ``config`` that has a ``did_list`` API and a ``client``, a DID sync
    schedule is prepared; :func:`serve_service` starts it. ``on_ingest`` is
    called with each stored delivery's report, after its commit (the agent
    console in the same process pushes it to the screens).
    """
    if not token and not allow_no_auth:
        raise ConfigError(
            f"no call-log token: set {TOKEN_ENV} to a long random secret,"
            " or pass --insecure-no-auth to accept unauthenticated call logs"
        )
    app = Flask("calling.service")
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes
    region = config.default_region if config else store.region
    state = ServiceState(
        store=store,
        config=config,
        token=token or None,
        gate=gate or DidGate(store, region),
        on_ingest=on_ingest,
    )
    if config is not None and client is not None and "did_list" in config.apis:
        every = config.apis["did_list"].sync_every or 4 * 3600.0

        def job() -> DidSyncResult:
            result = sync_dids(store, client, config, gate=state.gate)
            state.last_sync = result
            message = safe_text(result.message)
            _dids.log(
                logging.INFO if result.ok else logging.WARNING,
                "DID sync %s: %s",
                "done" if result.ok else "failed",
                message,
                extra={
                    "event": "did_sync",
                    "ok": result.ok,
                    "dids": len(result.dids),
                    "reason": message,
                },
            )
            return result

        state.scheduler = DidSyncScheduler(job, every)
    app.extensions[_EXTENSION] = state
    app.add_url_rule("/healthz", "healthz", _healthz, methods=["GET"])
    app.add_url_rule("/calllog", "calllog", _calllog, methods=["POST"])
    app.add_url_rule("/calllog/<provider>", "calllog_provider", _calllog, methods=["POST"])
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    if state.token is not None:
        app.wsgi_app = TokenGate(app.wsgi_app, state.token)  # type: ignore[method-assign]
    # Outside the token gate: a refused request is logged too.
    app.wsgi_app = RequestLog(app.wsgi_app)  # type: ignore[method-assign]
    return app


def service_state(app: Flask) -> ServiceState:
    """The state of a service app (its store, gate and scheduler)."""
    state: ServiceState = app.extensions[_EXTENSION]
    return state


def waitress_limits(max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any]:
    """The waitress settings that bound what one client can make the service hold."""
    return {
        # waitress refuses a body of max_request_body_size bytes or more.
        "max_request_body_size": max_body_bytes + 1,
        "max_request_header_size": MAX_HEADER_BYTES,
        "channel_timeout": CHANNEL_TIMEOUT_S,
        "cleanup_interval": CLEANUP_INTERVAL_S,
        "connection_limit": CONNECTION_LIMIT,
        "asyncore_use_poll": True,
        "expose_tracebacks": False,
    }


def serve_service(
    app: Flask,
    host: str = "127.0.0.1",
    port: int = 8081,
    *,
    on_ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    extra_threads: int = 0,
) -> None:
    """Serve ``app`` with waitress (and its DID schedule) until Ctrl-C, SIGTERM or ``stop``.

    Waitress gets ``THREADS`` threads plus ``extra_threads``: an app that
    holds requests open (the console's live streams) asks for one per
    request it may hold, so call logs always find a free thread.

    Binding errors (a port in use, an address not on this machine) raise
    ``OSError`` before anything starts; the CLI turns them into one line.
    """
    from waitress.server import create_server

    state = service_state(app)
    stop = stop or threading.Event()
    max_body = int(app.config.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_BODY_BYTES)
    server: Any = create_server(
        app,
        host=host,
        port=port,
        threads=THREADS + max(0, extra_threads),
        ident="mcc-connector",
        **waitress_limits(max_body),
    )
    thread = threading.Thread(target=server.run, name="mcc-service", daemon=True)
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda _s, _f: stop.set())
    try:
        thread.start()
        if state.scheduler is not None:
            state.scheduler.start()
        shown = f"[{server.effective_host}]" if ":" in str(server.effective_host) else None
        if on_ready is not None:
            on_ready(f"http://{shown or server.effective_host}:{server.effective_port}")
        while not stop.wait(0.2) and thread.is_alive():
            pass
    finally:
        if state.scheduler is not None:
            state.scheduler.stop(wait=False)
        _stop_waitress(server, thread)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_waitress(server: Any, thread: threading.Thread) -> None:
    """Stop a waitress server in an order that never writes to a closed descriptor.

    Worker threads wake the loop by writing to its trigger pipe when they
    finish a request; closing the trigger first made a late finisher write to
    a closed descriptor (EBADF), or to whatever file reused its number. So:
    stop listening, let the worker threads finish (5 s at most), close every
    channel inside the loop's own thread (asyncore maps are not thread-safe),
    which then ends, and close the trigger last, once no worker thread is
    left (one still running keeps it open, two descriptors, to write to).
    """
    from waitress import wasyncore

    trigger = server.trigger

    def close_but_the_trigger() -> None:
        for channel in list(server._map.values()):
            if channel is not trigger:
                channel.close()
        trigger.del_channel()  # out of the loop's map (the loop ends), still open

    # The listening socket only (waitress's own close() would close the trigger too).
    trigger.pull_trigger(lambda: wasyncore.dispatcher.close(server))
    server.task_dispatcher.shutdown(cancel_pending=False, timeout=5)
    trigger.pull_trigger(close_but_the_trigger)
    thread.join(5)
    if not server.task_dispatcher.threads:
        trigger.close()
