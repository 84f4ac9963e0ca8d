"""Serving the simulator over real HTTP: waitress by default, gunicorn on request.

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
want one process.

Waitress is given the limits of :func:`waitress_limits`: it refuses a body
over the app's ``MAX_CONTENT_LENGTH`` (2 MiB) from its ``Content-Length``
before reading any of it (chunked bodies as soon as they pass it), request
heads over 64 KiB, closes connections idle for 30 s, and serves up to 500
connections at once, polling them with ``poll()`` (no 1,024-descriptor
``select()`` ceiling). Reading a request head costs no thread, so clients
that send their heads slowly do not lock others out.
"""

from __future__ import annotations

import gc
import logging
import signal
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
    "GUNICORN_THREADS",
    "LOOPBACK",
    "MAX_HEADER_BYTES",
    "RunningServer",
    "ServerKind",
    "serve",
    "start_in_thread",
    "threads_for",
    "waitress_limits",
]

LOOPBACK = "127.0.0.1"
ServerKind = Literal["waitress", "gunicorn"]
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
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

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
        # OSError: the loop already closed its trigger (it died); nothing to wake.
        with suppress(OSError):
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        self._thread.join(timeout)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)

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
    """
    # Everything built so far (modules, the app, its seed) lives as long as the
    # process: frozen, the collector stops walking it on every full collection,
    # which then costs only what requests added (the bounded call history).
    gc.freeze()
    if server == "gunicorn":
        _serve_gunicorn(app, host, port, workers, on_ready)
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
    sim = _simulator_of(app)
    if sim is not None and workers > 1:
        # Each worker process gets a copy of this simulator, with its own state
        # from here on: its control plane must say it cannot answer for all.
        sim.config.worker_processes = workers

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
            return app

    logging.getLogger("gunicorn.error").setLevel(logging.WARNING)
    _Application().run()
