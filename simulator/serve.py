"""Serving the simulator over real HTTP: waitress by default, gunicorn or granian on request.

Two entry points:

- :func:`start_in_thread` starts waitress on a free loopback port in a daemon
  thread and hands back a :class:`RunningServer` (``base_url``, ``stop()``, a
  context manager). The conformance runner and the pytest fixtures use it.
- :func:`serve` blocks until Ctrl-C or SIGTERM, then stops cleanly; it is what
  ``mcc sim serve`` and ``python -m simulator`` run.

Waitress serves with one process and a pool of threads; ``workers`` is the
number of concurrent clients you expect, and waitress gets ``workers * 4``
threads (at least 4), plus one for each request that latency and hang faults
may hold at once (the app's ``max_held_requests``, 8 by default): held
requests can never take the threads the control plane and other clients
need. Gunicorn runs ``workers`` processes instead (its gthread worker,
``GUNICORN_THREADS`` threads each, connections kept alive), each with its own
simulator state: with more than one, :func:`serve` sets the simulator's
``worker_processes``, so that its control plane refuses what it could only
answer for one process. State-keeping scenarios
want one process. Granian (a Rust HTTP server with a WSGI interface) also
runs ``workers`` processes, forked from this one, each serving the very app
object given (built with the user's seed and config) on a pool of
``GRANIAN_THREADS`` + ``max_held_requests`` Python threads; see
:func:`granian_limits` for its limits.

Waitress is given the limits of :func:`waitress_limits`: it refuses a body
over the app's ``MAX_CONTENT_LENGTH`` (2 MiB) from its ``Content-Length``
before reading any of it (chunked bodies as soon as they pass it), request
heads over 64 KiB, closes connections idle for 30 s, and serves up to 500
connections at once, polling them with ``poll()`` (no 1,024-descriptor
``select()`` ceiling). Reading a request head costs no thread, so clients
that send their heads slowly do not lock others out.

Under granian and gunicorn, a chunked body (no ``Content-Length``) is read
by :func:`cap_chunked_bodies` before the app sees it: past the app's limit
the answer is 413, as waitress gives (Werkzeug would otherwise cut such a
body at the limit silently and hand the app its first 2 MiB).
"""

from __future__ import annotations

import ctypes
import gc
import io
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Literal

from waitress import wasyncore
from waitress.server import create_server

from simulator.current import EXTENSION
from simulator.limits import MAX_BODY_BYTES, MAX_HELD_REQUESTS

if TYPE_CHECKING:
    from simulator.state.runtime import Simulator

__all__ = [
    "CHANNEL_TIMEOUT_S",
    "CONNECTION_LIMIT",
    "GRANIAN_THREADS",
    "GUNICORN_THREADS",
    "LOOPBACK",
    "MAX_HEADER_BYTES",
    "RunningServer",
    "ServeError",
    "ServerKind",
    "cap_chunked_bodies",
    "granian_limits",
    "serve",
    "start_in_thread",
    "threads_for",
    "waitress_limits",
]

LOOPBACK = "127.0.0.1"
ServerKind = Literal["waitress", "gunicorn", "granian"]
WsgiApp = Callable[..., Any]
_STOP_TIMEOUT_S = 5.0
#: A connection with nothing to do (idle keep-alive, or a request head that
#: stopped arriving) is closed after this many seconds; checked every 5 s.
CHANNEL_TIMEOUT_S = 30
CLEANUP_INTERVAL_S = 5
#: Connections served at once; past it waitress stops accepting until one closes.
CONNECTION_LIMIT = 500
#: Request line plus headers.
MAX_HEADER_BYTES = 64 * 1024
#: Threads per gunicorn worker process (gthread worker, keep-alive connections).
GUNICORN_THREADS = 4
#: Python threads per granian worker process besides one for each request
#: latency and hang faults may hold. Granian adds threads only while requests
#: wait for one, and each more thread adds GIL hand-offs: a few are enough.
GRANIAN_THREADS = 2


class ServeError(RuntimeError):
    """The server stopped on its own (a granian worker process died); the message says why."""


def threads_for(workers: int) -> int:
    """Waitress threads for ``workers`` expected concurrent clients (see module doc)."""
    return max(4, workers * 4)


def waitress_limits(max_body_bytes: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The waitress settings that bound what one client can make the server hold."""
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


def _simulator_of(app: WsgiApp) -> Simulator | None:
    """The simulator state an app holds; None for any other WSGI app (a replay, a wrapper)."""
    extensions = getattr(app, "extensions", None)
    return extensions.get(EXTENSION) if isinstance(extensions, Mapping) else None


def _app_limits(app: WsgiApp) -> tuple[int, int]:
    """The app's body limit and held-request limit (defaults for a foreign WSGI app)."""
    config = getattr(app, "config", None)
    body = config.get("MAX_CONTENT_LENGTH") if isinstance(config, Mapping) else None
    sim = _simulator_of(app)
    held = sim.config.max_held_requests if sim is not None else MAX_HELD_REQUESTS
    return int(body or MAX_BODY_BYTES), int(held)


def _note_worker_processes(app: WsgiApp, workers: int) -> None:
    """Tell a simulator served by several processes (gunicorn, granian) that it is.

    Each worker process gets a copy of this simulator, with its own state from
    then on: its control plane must say it cannot answer for all of them.
    """
    sim = _simulator_of(app)
    if sim is not None and workers > 1:
        sim.config.worker_processes = workers


def _base_url(host: str, port: int) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


_TOO_LARGE = "413 Request Entity Too Large"
_READ_CHUNK = 64 * 1024


def cap_chunked_bodies(app: WsgiApp, max_body_bytes: int = MAX_BODY_BYTES) -> WsgiApp:
    """``app`` behind a reader of chunked request bodies: one over ``max_body_bytes`` is a 413.

    For the servers that stream bodies to the app (granian, gunicorn). A
    chunked body (``Transfer-Encoding``, so no ``Content-Length``) is read
    here, never more than ``max_body_bytes + 1`` bytes, and handed on as a
    sized body, as waitress does. Without this, Werkzeug stops reading such a
    body at ``MAX_CONTENT_LENGTH`` and gives the app its first part as if it
    were all (a JSON body then fails to parse: a 400 naming the wrong fault).
    Any other request passes through after one dict look-up; one with a
    ``Content-Length`` over the limit is refused by Flask from that header.
    """

    def capped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if "HTTP_TRANSFER_ENCODING" not in environ:
            return app(environ, start_response)
        stream = environ["wsgi.input"]
        chunks: list[bytes] = []
        size = 0
        try:
            while size <= max_body_bytes:
                chunk = stream.read(min(_READ_CHUNK, max_body_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError:
            # Gunicorn's broken-chunk errors (granian just ends the stream): the
            # client sent no valid body; no app call, no 500.
            return _plain(start_response, "400 Bad Request", "the chunked request body is broken")
        if size > max_body_bytes:
            limit = f"a request body may have at most {max_body_bytes} bytes"
            return _plain(start_response, _TOO_LARGE, limit)
        environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
        environ["CONTENT_LENGTH"] = str(size)
        del environ["HTTP_TRANSFER_ENCODING"]
        return app(environ, start_response)

    return capped


def _plain(start_response: Callable[..., Any], status: str, message: str) -> list[bytes]:
    body = f"{status.split(' ', 1)[1]}: {message}\n".encode()
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


@dataclass
class RunningServer:
    """A waitress server running in a daemon thread; stop it or use ``with``."""

    host: str
    port: int
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _stopped: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def base_url(self) -> str:
        """``http://host:port`` with no trailing slash."""
        return _base_url(self.host, self.port)

    @property
    def running(self) -> bool:
        """True until :meth:`stop` has finished."""
        return self._thread.is_alive()

    def stop(self, timeout: float = _STOP_TIMEOUT_S) -> None:
        """Close the listening socket and every connection, then join the thread.

        Safe to call twice. The close runs inside waitress's own loop thread
        (through its trigger), because asyncore maps are not thread-safe.
        """
        if self._stopped.is_set():
            return
        self._stopped.set()
        server = self._server
        trigger = server.trigger

        def close_but_the_trigger() -> None:
            for channel in list(server._map.values()):
                if channel is server:  # its own close() would close the trigger too
                    wasyncore.dispatcher.close(server)
                elif channel is not trigger:
                    channel.close()
            trigger.del_channel()  # out of the loop's map (the loop ends), still open

        # OSError: the loop already closed its trigger (it died); nothing to wake.
        with suppress(OSError):
            trigger.pull_trigger(close_but_the_trigger)
        self._thread.join(timeout)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)
        # A worker thread that finishes a request writes to the trigger to wake
        # the loop: closed while one still runs (a held hang), that write hit a
        # closed descriptor (EBADF) or whatever file reused its number. So the
        # trigger closes once no worker thread is left; past the timeout it
        # stays open (two descriptors) rather than risk that.
        if not server.task_dispatcher.threads:
            trigger.close()

    def wait(self) -> None:
        """Block until the server thread ends (after :meth:`stop`)."""
        self._thread.join()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _default_app() -> WsgiApp:
    from simulator import create_app

    return create_app()


def start_in_thread(
    app: WsgiApp | None = None,
    host: str = LOOPBACK,
    port: int = 0,
    *,
    workers: int = 4,
) -> RunningServer:
    """Serve ``app`` (default: a fresh ``create_app()``) with waitress in a daemon thread.

    ``port=0`` picks a free port; read it back from ``RunningServer.port`` or
    ``base_url``. The socket is bound before this returns, so the server
    accepts connections at once.
    """
    wsgi_app = app if app is not None else _default_app()
    max_body, held = _app_limits(wsgi_app)
    server = create_server(
        wsgi_app,
        host=host,
        port=port,
        threads=threads_for(workers) + held,
        ident="mcc-simulator",
        clear_untrusted_proxy_headers=True,
        **waitress_limits(max_body),
    )
    thread = threading.Thread(target=server.run, name=f"mcc-sim-{server.effective_port}")
    thread.daemon = True
    thread.start()
    return RunningServer(
        host=str(server.effective_host),
        port=int(server.effective_port),
        _server=server,
        _thread=thread,
    )


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Turn SIGINT and SIGTERM into ``stop.set()`` while the block runs."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def serve(
    app: WsgiApp,
    host: str = LOOPBACK,
    port: int = 0,
    workers: int = 1,
    *,
    server: ServerKind = "waitress",
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``app`` until Ctrl-C or SIGTERM, then stop cleanly and return.

    ``on_ready`` is called once with the base URL when the socket is bound
    (the CLI prints it). Must run in the main thread (signal handlers).
    ``workers`` is the expected concurrent clients for waitress and the number
    of processes for gunicorn and granian. ``port=0`` picks a free port on
    waitress and granian (``on_ready`` gets the real one); gunicorn refuses it.
    A port in use raises :class:`OSError`; granian serving needs the ``fork``
    start method (:class:`ValueError` if this process chose another) and
    raises :class:`ServeError` when one of its worker processes died.
    """
    # Everything built so far (modules, the app, its seed) lives as long as the
    # process: frozen, the collector stops walking it on every full collection,
    # which then costs only what requests added (the bounded call history).
    gc.freeze()
    if server == "gunicorn":
        _serve_gunicorn(app, host, port, workers, on_ready)
        return
    if server == "granian":
        _serve_granian(app, host, port, workers, on_ready)
        return
    stop = threading.Event()
    with _stop_on_signals(stop):
        running = start_in_thread(app, host, port, workers=workers)
        try:
            if on_ready is not None:
                on_ready(running.base_url)
            # A timed wait keeps the main thread responsive to signals.
            while not stop.wait(0.5) and running.running:
                pass
        finally:
            running.stop()


def _serve_gunicorn(
    app: WsgiApp,
    host: str,
    port: int,
    workers: int,
    on_ready: Callable[[str], None] | None,
) -> None:
    # Imported here: gunicorn is a dev extra and POSIX only.
    from gunicorn.app.base import BaseApplication

    if port == 0:
        raise ValueError("gunicorn needs a fixed --port (it cannot report a free port back)")
    _note_worker_processes(app, workers)
    max_body, _ = _app_limits(app)

    class _Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", [f"{host}:{port}"])
            self.cfg.set("workers", workers)
            # Threads make gunicorn's gthread worker: it keeps connections
            # alive (the sync worker closes each one after one request, so a
            # client pays a new connection per call) and overlaps slow clients.
            self.cfg.set("threads", GUNICORN_THREADS)
            # Gunicorn 27 opens a control socket by default; a test tool must not.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("loglevel", "warning")
            if on_ready is not None:
                self.cfg.set("when_ready", lambda _arbiter: on_ready(f"http://{host}:{port}"))

        def load(self) -> WsgiApp:
            return cap_chunked_bodies(app, max_body)

    logging.getLogger("gunicorn.error").setLevel(logging.WARNING)
    _Application().run()


# -- granian -------------------------------------------------------------------------


def granian_limits(held_requests: int = MAX_HELD_REQUESTS) -> dict[str, Any]:
    """The ``Granian(...)`` settings that bound what one client can make a worker hold.

    Per worker process: ``GRANIAN_THREADS`` Python threads plus one for each
    request that latency and hang faults may hold (so held requests never take
    them all); ``CONNECTION_LIMIT`` connections at once (past it granian stops
    accepting and the kernel's backlog of 1,024 waits); a request head must
    arrive whole within ``CHANNEL_TIMEOUT_S`` of the connection opening or of
    the previous answer (slow heads and idle keep-alive connections are
    closed); the read buffer, and so the head, is bounded near
    ``MAX_HEADER_BYTES`` (431 past it); HTTP/1.1 only, as on waitress (no
    HTTP/2, whose header lists may reach 16 MiB by default); a worker that
    has not stopped ``_STOP_TIMEOUT_S`` after SIGTERM is killed.
    """
    from granian.constants import HTTPModes
    from granian.http import HTTP1Settings

    return {
        "http": HTTPModes.http1,
        "websockets": False,
        "blocking_threads": GRANIAN_THREADS + held_requests,
        "backpressure": CONNECTION_LIMIT,
        "http1_settings": HTTP1Settings(
            header_read_timeout=CHANNEL_TIMEOUT_S * 1000,
            max_buffer_size=MAX_HEADER_BYTES,
        ),
        "workers_kill_timeout": int(_STOP_TIMEOUT_S),
    }


class _QuietThreadCount(logging.Filter):
    """Drop granian's warning that more Python threads than cores may run.

    The threads beyond ``GRANIAN_THREADS`` are there for held requests, which
    sleep: they are meant, and the warning would greet every start.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Configuration allows spawning up to")


# Granian's own log (its dictConfig, applied in every process): warnings and
# errors, on stderr, so that stdout keeps only what the CLI prints.
_GRANIAN_LOGGING: dict[str, Any] = {
    "filters": {"threads": {"()": _QuietThreadCount}},
    "formatters": {
        "generic": {"()": "logging.Formatter", "fmt": "granian [%(levelname)s] %(message)s"},
        "access": {"()": "logging.Formatter", "fmt": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "filters": ["threads"],
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stderr",
        },
    },
}
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _use_fork() -> None:
    """Make sure granian forks its workers: they get the app object built here.

    Granian starts workers with this process's ``multiprocessing`` start
    method (``spawn`` unless it is ``fork``); ``spawn`` would have to pickle
    the app, which holds locks and a seed it cannot rebuild. The default is
    set only if nothing chose one yet (Python 3.14 would pick ``forkserver``).
    """
    method = multiprocessing.get_start_method(allow_none=True)
    if method is None and "fork" in multiprocessing.get_all_start_methods():
        multiprocessing.set_start_method("fork")
        method = "fork"
    if method != "fork":
        raise ValueError(
            "--server granian serves the app in forked worker processes, but this process "
            f"uses the {method or 'no'!r} multiprocessing start method; use waitress or gunicorn"
        )


def _bindable_port(host: str, port: int) -> int:
    """``port`` (for 0, a free one) after checking that nothing listens on it.

    Granian binds with ``SO_REUSEPORT`` in each worker: left alone it would
    quietly share a port with another server that did the same (an earlier
    granian, whose processes would then answer half the requests), and it
    reports a taken port as a RuntimeError carrying a Rust backtrace. A plain
    bind here fails for both with an ordinary ``OSError``.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # Like the server's own socket: a port in TIME_WAIT after a restart is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        return int(probe.getsockname()[1])


def _die_with_parent(parent: int) -> None:
    """In a granian worker: end with the server process, even if it is SIGKILLed.

    Granian's workers otherwise keep serving the port as orphans when their
    parent is killed. The signal is SIGKILL, not SIGTERM: a worker still
    starting up can miss a SIGTERM for good (seen: 1 start in 8 when the
    parent died at once), and with the parent gone there is no stop to be
    graceful for. Linux only (``prctl``); elsewhere the parent's own stop is
    what ends them.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def _announce_when_listening(
    host: str, port: int, on_ready: Callable[[str], None], done: threading.Event
) -> None:
    """Call ``on_ready`` from a thread as soon as a worker accepts connections.

    The worker processes bind the socket, not this one: a connection that
    succeeds is the first sign that one of them listens.
    """

    def wait() -> None:
        while not done.wait(0.05):
            try:
                with socket.create_connection((host, port), timeout=1.0):
                    pass
            except OSError:
                continue
            on_ready(_base_url(host, port))
            return

    threading.Thread(target=wait, name="mcc-sim-ready", daemon=True).start()


def _serve_granian(
    app: WsgiApp,
    host: str,
    port: int,
    workers: int,
    on_ready: Callable[[str], None] | None,
) -> None:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    _use_fork()
    port = _bindable_port(host, port)
    max_body, held = _app_limits(app)
    _note_worker_processes(app, workers)
    served = cap_chunked_bodies(app, max_body)
    parent = os.getpid()

    def load(_target: str) -> WsgiApp:
        # Runs in each forked worker before it serves: the app object itself,
        # no import and no rebuild. Frozen again: what granian's worker set up.
        _die_with_parent(parent)
        gc.freeze()
        return served

    server = Granian(
        "mcc-simulator",  # a label: load() hands over the app object
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        log_level=LogLevels.warning,
        log_dictconfig=_GRANIAN_LOGGING,
        **granian_limits(held),
    )
    # Granian installs its own SIGINT, SIGTERM (stop) and SIGHUP (respawn the
    # workers, each with a fresh copy of the app as it was here) handlers.
    caught = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
    previous = {sig: signal.getsignal(sig) for sig in caught}
    done = threading.Event()
    if on_ready is not None:
        _announce_when_listening(host, port, on_ready, done)
    try:
        server.serve(target_loader=load)
    except SystemExit as exc:
        # Granian exits with 1 when a worker process died on its own.
        if exc.code:
            raise ServeError(
                "granian stopped: a worker process exited unexpectedly (its error is above)"
            ) from None
    finally:
        done.set()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
