"""The DID list sync schedule that runs while ``mcc serve`` runs.

APScheduler's ``BackgroundScheduler`` with one interval job: ``coalesce`` so a
sleeping laptop that missed several runs syncs once, ``max_instances=1`` so a
slow provider never has two syncs racing to replace the list, and the first
run at start so a fresh service does not wait 4 hours for its DID gate.

A run that fails (the job raises, or returns a result whose ``ok`` is false:
a provider not up yet, a hiccup) is tried again soon, not at the next
interval: after ``retry_first_s`` (2 s), doubling up to ``RETRY_CAP_S`` (5 min),
until it works or the next interval is due. A service whose first sync
failed so reports unhealthy for seconds, not hours.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

__all__ = ["DID_SYNC_JOB_ID", "RETRY_CAP_S", "RETRY_FIRST_S", "DidSyncScheduler"]

DID_SYNC_JOB_ID = "did_sync"
RETRY_FIRST_S = 2.0
RETRY_CAP_S = 300.0
_log = logging.getLogger(__name__)


class DidSyncScheduler:
    """Runs ``job`` every ``every_s`` seconds in a background thread, first at start."""

    def __init__(
        self, job: Callable[[], object], every_s: float, *, retry_first_s: float = RETRY_FIRST_S
    ) -> None:
        if every_s <= 0:
            raise ValueError(f"sync interval {every_s!r} must be more than zero seconds")
        self.every_s = every_s
        self._job = job
        self._retry_first_s = retry_first_s
        self._stopping = threading.Event()
        self._scheduler: Any = BackgroundScheduler(timezone=UTC)
        self._scheduler.add_job(
            self._run,
            trigger=IntervalTrigger(seconds=every_s, timezone=UTC),
            id=DID_SYNC_JOB_ID,
            coalesce=True,
            max_instances=1,
            # None would mean "first run after one interval"; now means at start.
            next_run_time=datetime.now(UTC),
            misfire_grace_time=None,
        )

    def _run(self) -> None:
        """One scheduled run: the job, tried again after a failure until it works.

        The retries wait inside the run (on an event ``stop`` sets), so the
        interval job cannot start a second sync meanwhile (``max_instances``)
        and nothing is added to the scheduler from its own thread, which
        could deadlock with a shutdown.
        """
        delay = self._retry_first_s
        while self._run_once() is False:
            if delay >= self.every_s:
                return  # the next interval comes first anyway
            if self._stopping.wait(min(delay, RETRY_CAP_S)):
                return
            delay *= 2

    def _run_once(self) -> bool:
        """Run the job; False when it raised or returned a result whose ``ok`` is false."""
        try:
            result = self._job()
        except Exception:  # a failed run must not kill the schedule
            _log.exception("DID sync run failed; the last good DID list stays in force")
            return False
        return getattr(result, "ok", True) is not False

    def run_now(self) -> None:
        """Run the job once now, in this thread (no retry: the caller sees the result)."""
        self._run_once()

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return bool(self._scheduler.running)

    def job_settings(self) -> dict[str, object]:
        """The job's schedule (interval, coalesce, max_instances): what ``mcc serve`` prints."""
        job = self._scheduler.get_job(DID_SYNC_JOB_ID)
        return {
            "every_s": self.every_s,
            "coalesce": bool(job.coalesce),
            "max_instances": int(job.max_instances),
        }

    def start(self) -> None:
        """Start the background thread; the first sync runs at once."""
        if not self.running:
            self._stopping.clear()
            self._scheduler.start()

    def stop(self, wait: bool = True) -> None:
        """Stop the thread; with ``wait`` a sync in progress finishes first."""
        self._stopping.set()  # a run waiting to retry gives up now
        if self.running:
            self._scheduler.shutdown(wait=wait)
