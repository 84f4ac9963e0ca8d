"""A call-log sink for embedded load runs: takes whatever the simulator pushes, keeps nothing.

A config whose call logs travel with each click-to-call (``@CallbackUrl``,
``call_log.delivery: per_call``) makes the simulator push a call log for
every call the load places. Against the embedded simulator that URL is this
sink: it reads each body and answers 204, so the simulator's deliveries end
at once (a dead URL would make it retry every one for minutes) and memory
stays flat. It never stores a body.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from contracts.serving import stop_waitress

__all__ = ["CallLogSink"]

_MAX_BODY = 1_048_576


class CallLogSink:
    """A loopback HTTP server answering 204 to every request, in a daemon thread."""

    def __init__(self) -> None:
        from waitress.server import create_server

        self._server: Any = create_server(
            self._app, host="127.0.0.1", port=0, threads=4, ident="mcc-load-sink"
        )
        self._thread = threading.Thread(target=self._server.run, name="mcc-load-sink", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Where to push call logs (``http://127.0.0.1:PORT/calllog``)."""
        return f"http://127.0.0.1:{self._server.effective_port}/calllog"

    def close(self) -> None:
        """Stop serving: close every socket inside waitress's own loop, join the thread."""
        stop_waitress(self._server, self._thread)

    @staticmethod
    def _app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        stream = environ.get("wsgi.input")
        if stream is not None:
            stream.read(_MAX_BODY)
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]
