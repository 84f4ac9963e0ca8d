"""The DID list sync schedule that runs while ``mcc serve`` runs.

APScheduler's ``BackgroundScheduler`` with one interval job: ``coalesce`` so a
sleeping laptop that missed several runs syncs once, ``max_instances=1`` so a
slow provider never has two syncs racing to replace the list, and the first
run at start so a fresh service does not wait 4 hours for its DID gate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

__all__ = ["DID_SYNC_JOB_ID", "DidSyncScheduler"]

DID_SYNC_JOB_ID = "did_sync"
_log = logging.getLogger(__name__)


class DidSyncScheduler:
    """Runs ``job`` every ``every_s`` seconds in a background thread, first at start."""

    def __init__(self, job: Callable[[], object], every_s: float) -> None:
        if every_s <= 0:
            raise ValueError(f"sync interval {every_s!r} must be more than zero seconds")
        self.every_s = every_s
        self._job = job
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
        try:
            self._job()
        except Exception:  # a failed run must not kill the schedule
            _log.exception("DID sync run failed; the last good DID list stays in force")

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
            self._scheduler.start()

    def stop(self, wait: bool = True) -> None:
        """Stop the thread; with ``wait`` a sync in progress finishes first."""
        if self.running:
            self._scheduler.shutdown(wait=wait)
