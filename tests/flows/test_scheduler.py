"""The DID sync schedule: its settings, first run at start, and its place in the service."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from calling.scheduler import DidSyncScheduler
from calling.service import create_service, serve_service, service_state

pytestmark = pytest.mark.flows

WAIT_S = 10.0  # an upper bound for a background thread to get going, not a speed check


def test_the_job_runs_once_at_start_with_coalesce_and_one_instance() -> None:
    ran = threading.Event()
    scheduler = DidSyncScheduler(ran.set, every_s=3600)
    assert scheduler.job_settings() == {"every_s": 3600, "coalesce": True, "max_instances": 1}
    scheduler.start()
    try:
        assert ran.wait(WAIT_S)
    finally:
        scheduler.stop()
    assert not scheduler.running


def test_a_failing_job_does_not_stop_the_schedule() -> None:
    calls: list[int] = []
    done = threading.Event()

    def job() -> None:
        calls.append(1)
        done.set()
        raise RuntimeError("provider down")

    scheduler = DidSyncScheduler(job, every_s=3600)
    scheduler.start()
    try:
        assert done.wait(WAIT_S)
        assert scheduler.running
    finally:
        scheduler.stop()
    assert calls == [1]


def test_a_failed_run_is_tried_again_soon_until_it_works() -> None:
    results = iter([False, False, True])
    calls: list[bool] = []
    worked = threading.Event()

    class Result:
        def __init__(self, ok: bool) -> None:
            self.ok = ok

    def job() -> Result:
        ok = next(results)
        calls.append(ok)
        if ok:
            worked.set()
        return Result(ok)

    scheduler = DidSyncScheduler(job, every_s=3600, retry_first_s=0.01)
    scheduler.start()
    try:
        assert worked.wait(WAIT_S)
    finally:
        scheduler.stop()
    assert calls == [False, False, True]  # then nothing until the next interval


def test_stopping_ends_a_run_that_waits_to_retry() -> None:
    tried = threading.Event()

    def job() -> None:
        tried.set()
        raise RuntimeError("provider down")

    # The retry would come in 1000 s: stop must not wait for it.
    scheduler = DidSyncScheduler(job, every_s=3600, retry_first_s=1000)
    scheduler.start()
    assert tried.wait(WAIT_S)
    stopper = threading.Thread(target=scheduler.stop)
    stopper.start()
    stopper.join(WAIT_S)
    assert not stopper.is_alive()
    assert not scheduler.running


def test_run_now_runs_the_job_once_without_retrying() -> None:
    calls: list[int] = []

    def job() -> None:
        calls.append(1)
        raise RuntimeError("provider down")

    DidSyncScheduler(job, every_s=3600, retry_first_s=0.01).run_now()
    assert calls == [1]


def test_a_non_positive_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="more than zero"):
        DidSyncScheduler(lambda: None, every_s=0)


def test_the_service_schedules_the_did_list_api_at_its_sync_every(rig: Any) -> None:
    app = create_service(rig.store, rig.config, "tok", client=rig.client)
    scheduler = service_state(app).scheduler
    assert scheduler is not None
    assert scheduler.every_s == 4 * 3600
    assert not scheduler.running  # built, not started: serve_service starts it


def test_no_did_list_api_means_no_schedule(rig: Any) -> None:
    config = rig.config.model_copy(
        update={"apis": {k: v for k, v in rig.config.apis.items() if k != "did_list"}}
    )
    app = create_service(rig.store, config, "tok", client=rig.client)
    assert service_state(app).scheduler is None


def test_serving_starts_the_sync_and_stops_cleanly(rig: Any) -> None:
    app = create_service(rig.store, rig.config, "tok", client=rig.client)
    ready: list[str] = []
    up = threading.Event()
    stop = threading.Event()

    def on_ready(url: str) -> None:
        ready.append(url)
        up.set()

    thread = threading.Thread(
        target=serve_service,
        args=(app, "127.0.0.1", 0),
        kwargs={"on_ready": on_ready, "stop": stop},
    )
    thread.start()
    try:
        assert up.wait(WAIT_S)
        synced = threading.Event()
        for _ in range(100):
            if rig.store.did_sync_status().healthy:
                synced.set()
                break
            synced.wait(0.1)
        assert synced.is_set()
        assert httpx.get(f"{ready[0]}/healthz", timeout=5).json()["dids"] == 2
    finally:
        stop.set()
        thread.join(WAIT_S)
    assert not thread.is_alive()
    scheduler = service_state(app).scheduler
    assert scheduler is not None
    assert not scheduler.running
