"""Stopping the loopback waitress servers the conformance runner starts (call-log receivers).

The verify call-log receiver (:mod:`contracts.receiver`) and the load run's
sink (:mod:`contracts.load.sink`) stop the same way, in an order that never
writes to a closed descriptor: a worker thread finishing a request wakes
waitress's loop by writing to its trigger pipe, so the pipe is closed last,
once no worker thread is left (one still running past the timeout keeps it
open rather than write to a closed, or reused, descriptor).
"""

from __future__ import annotations

import threading
from contextlib import suppress
from typing import Any

__all__ = ["stop_waitress"]


def stop_waitress(server: Any, thread: threading.Thread | None, timeout: float = 5.0) -> None:
    """Close ``server``'s sockets in its own loop, join ``thread``, stop its workers."""
    from waitress import wasyncore

    trigger = server.trigger

    def close_but_the_trigger() -> None:
        # Inside waitress's loop thread: its socket maps are not thread-safe.
        for channel in list(server._map.values()):
            if channel is server:  # its own close() would close the trigger too
                wasyncore.dispatcher.close(server)
            elif channel is not trigger:
                channel.close()
        trigger.del_channel()  # out of the loop's map (the loop ends), still open

    # OSError: the loop already closed its trigger (it died); nothing to wake.
    with suppress(OSError):
        trigger.pull_trigger(close_but_the_trigger)
    if thread is not None:
        thread.join(timeout)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)
    if not server.task_dispatcher.threads:
        trigger.close()
