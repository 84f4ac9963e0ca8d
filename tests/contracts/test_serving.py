"""contracts.serving.stop_waitress: the receivers' servers stop without writing to a closed pipe."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest
from waitress.server import create_server

from contracts.serving import stop_waitress

GUARD_S = 20.0  # a hang guard, never a performance target


@pytest.mark.parametrize("late", [False, True], ids=["finishes-in-time", "outlives-the-stop"])
def test_a_request_in_flight_never_wakes_a_closed_trigger(
    caplog: pytest.LogCaptureFixture, late: bool
) -> None:
    entered, release = threading.Event(), threading.Event()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        entered.set()
        release.wait(GUARD_S)
        start_response("204 No Content", [("Content-Length", "0")])
        return [b""]

    others = set(threading.enumerate())
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=2)
    loop = threading.Thread(target=server.run, daemon=True)
    loop.start()
    url = f"http://127.0.0.1:{server.effective_port}/"

    def client() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the stop may close it first
            httpx.post(url, content=b"{}", timeout=GUARD_S)

    sender = threading.Thread(target=client)
    sender.start()
    assert entered.wait(GUARD_S)
    with caplog.at_level("WARNING", logger="waitress"):
        if late:
            stop_waitress(server, loop, timeout=0.2)  # the request outlives it
            release.set()
        else:
            threading.Timer(0.1, release.set).start()
            stop_waitress(server, loop, timeout=GUARD_S)
        for thread in set(threading.enumerate()) - others:
            if thread.name.startswith("waitress-"):
                thread.join(GUARD_S)
        sender.join(GUARD_S)
    assert not loop.is_alive()
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    # The trigger is closed once no worker thread is left, and kept open otherwise.
    assert server.trigger._closed is not late
