"""Serving the simulator over real HTTP: waitress by default, gunicorn on request.

Two entry points:

- :func:`start_in_thread` starts waitress on a free loopback port in a daemon
  thread and hands back a :class:`RunningServer` (``base_url``, ``stop()``, a
  context manager). The conformance runner and the pytest fixtures use it.
- :func:`serve` blocks until Ctrl-C or SIGTERM, then stops cleanly; it is what
  ``mcc sim serve`` and ``python -m simulator`` run.

Waitress serves with one process and a pool of threads; ``workers`` is the
number of concurrent clients you expect, and waitress gets ``workers * 4``
threads (at least 4) because a simulated call may sleep (latency faults, the
``hang`` magic number) and must not starve the other clients. Gunicorn runs
``workers`` processes instead, each with its own simulator state, so it only
suits stateless load tests; state-keeping scenarios want waitress.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any, Literal

from waitress import wasyncore
from waitress.server import create_server

__all__ = [
    "LOOPBACK",
    "RunningServer",
    "ServerKind",
    "serve",
    "start_in_thread",
    "threads_for",
]

LOOPBACK = "127.0.0.1"
ServerKind = Literal["waitress", "gunicorn"]
WsgiApp = Callable[..., Any]
_STOP_TIMEOUT_S = 5.0


def threads_for(workers: int) -> int:
    """Waitress threads for ``workers`` expected concurrent clients (see module doc)."""
    return max(4, workers * 4)


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
    server = create_server(
        wsgi_app,
        host=host,
        port=port,
        threads=threads_for(workers),
        ident="mcc-simulator",
        clear_untrusted_proxy_headers=True,
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

    class _Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", [f"{host}:{port}"])
            self.cfg.set("workers", workers)
            # Gunicorn 27 opens a control socket by default; a test tool must not.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("loglevel", "warning")
            if on_ready is not None:
                self.cfg.set("when_ready", lambda _arbiter: on_ready(f"http://{host}:{port}"))

        def load(self) -> WsgiApp:
            return app

    logging.getLogger("gunicorn.error").setLevel(logging.WARNING)
    _Application().run()
