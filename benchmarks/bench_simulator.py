"""Simulator throughput against bare Flask, and memory over many requests.

Throughput: the simulator and a bare Flask app answering the same JSON are
each served by waitress (the chosen WSGI server, same thread count) in their
own child process, and hit by the same load: ``CLIENTS`` threads, each with
its own ``httpx.Client``, alternating PullAPI and click2call. The figure is
the simulator's requests per second as a ratio of bare Flask's, in one run;
target >= 0.85. Servers run in child processes so the clients' own Python
work does not share a GIL with the server under test.

Memory: one simulator app in this process, driven through its WSGI test
client (no sockets, so only the app's memory moves) with a mix of PullAPI,
click2call and the DID list; RSS after a warm-up and at the end must differ by
less than ``MEMORY_SLACK_MB`` (the journal and call history are bounded).
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import resource
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["run"]

CLIENTS = 16
DEMO = {"api_key": "KKdemo0000000000000000000000000001", "username": "demouser"}
PULL = {
    "apiKey": DEMO["api_key"],
    "userName": DEMO["username"],
    "agentPhoneNumber": "9800000001",
}
CLICK = {
    **DEMO,
    "agentID": "agent1",
    "campaignName": "Inbound_918030000001",
    "customerNumber": "+91-9876543210",
}
TARGET_RATIO = 0.85
MEMORY_SLACK_MB = 16.0
_PULL_BODY = {
    "status": "success",
    "customerNumber": "9876543211",
    "monitorUcid": "9179160123456789",
    "callStartTime": "2020-06-01 10:15:00",
}
_CLICK_BODY = {
    "status": "success",
    "message": "call initiated successfully",
    "monitorUcid": "9179160123456789",
    "callStartTime": "2020-06-01 10:15:00",
}


def _bare_app() -> Any:
    """A Flask app with the same routes and bodies and nothing else."""
    from flask import Flask, Response

    app = Flask("bare")
    pull = json.dumps(_PULL_BODY)
    click = json.dumps(_CLICK_BODY)

    @app.route("/PullAPI", methods=["GET", "POST"])
    def pull_api() -> Response:
        return Response(pull, 200, content_type="application/json")

    @app.route("/click2call", methods=["GET", "POST"])
    def click2call() -> Response:
        return Response(click, 200, content_type="application/json")

    return app


def _simulator_app(history_size: int = 10_000) -> Any:
    from simulator import create_app

    # The ringing pop-up call stays ringing (immediate mode never ends an incoming call).
    app = create_app({"random_seed": 1, "deliver_callbacks": False, "history_size": history_size})
    client = app.test_client()
    answer = client.post(
        "/_sim/incoming",
        json={"customer": "9876543211", "did": "918030000001", "agent": "agent1"},
    )
    if answer.status_code != 201:
        raise RuntimeError(f"could not ring agent1: {answer.status_code} {answer.text}")
    return app


def _serve_child(kind: str, workers: int, ports: Any, stop: Any) -> None:
    from simulator.serve import start_in_thread

    # Under a deliberate load, "Task queue depth is N" is expected noise.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    app = _simulator_app() if kind == "simulator" else _bare_app()
    with start_in_thread(app, workers=workers) as running:
        ports.put(running.port)
        stop.wait()


def _load(base_url: str, per_client: int) -> tuple[float, int]:
    """Run the fixed-concurrency load; return (seconds, failed requests)."""
    failures = [0]
    lock = threading.Lock()
    start_line = threading.Barrier(CLIENTS + 1)

    def client() -> None:
        bad = 0
        with httpx.Client(base_url=base_url, timeout=30) as http:
            start_line.wait()
            for i in range(per_client):
                if i % 2:
                    answer = http.get("/click2call", params=CLICK)
                else:
                    answer = http.get("/PullAPI", params=PULL)
                if answer.status_code != 200 or b'"success"' not in answer.content:
                    bad += 1
        with lock:
            failures[0] += bad

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, failures[0]


def _measure(kind: str, per_client: int) -> tuple[float, int]:
    ctx = mp.get_context("spawn")
    ports = ctx.Queue()
    stop = ctx.Event()
    child = ctx.Process(target=_serve_child, args=(kind, CLIENTS // 4, ports, stop), daemon=True)
    child.start()
    try:
        port = ports.get(timeout=60)
        base_url = f"http://127.0.0.1:{port}"
        _load(base_url, max(10, per_client // 10))  # warm-up: imports, connections
        seconds, failures = _load(base_url, per_client)
    finally:
        stop.set()
        child.join(15)
        if child.is_alive():
            child.kill()
    return CLIENTS * per_client / seconds, failures


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1_048_576


MEMORY_HISTORY = 1_000


def _memory(total: int) -> dict[str, object]:
    # Finished calls and deliveries are kept up to history_size; the warm-up
    # (a third of it click2call) fills that history, so what grows after it
    # would be a leak.
    app = _simulator_app(history_size=MEMORY_HISTORY)
    client = app.test_client()
    requests: list[Callable[[], Any]] = [
        lambda: client.get("/PullAPI", query_string=PULL),
        lambda: client.get("/click2call", query_string=CLICK),
        lambda: client.post("/LeadSquare/PullDIDNumbers.php", data={"apiKey": DEMO["api_key"]}),
    ]
    warm_up = max(6 * MEMORY_HISTORY, total // 10)
    for i in range(warm_up):
        requests[i % 3]()
    before = _rss_mb()
    for i in range(total - warm_up):
        requests[i % 3]()
    after = _rss_mb()
    growth = after - before
    return {
        "memory_requests": total,
        "memory_history_size": MEMORY_HISTORY,
        "rss_after_warmup_mb": round(before, 1),
        "rss_at_end_mb": round(after, 1),
        "rss_growth_mb": round(growth, 1),
        "rss_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "memory_flat": growth < MEMORY_SLACK_MB,
    }


def run(quick: bool = False) -> dict[str, object]:
    """Throughput ratio against bare Flask and RSS growth; see the module docstring."""
    per_client = 100 if quick else 1_000
    sim_rps, sim_failures = _measure("simulator", per_client)
    bare_rps, bare_failures = _measure("bare", per_client)
    ratio = sim_rps / bare_rps
    memory = _memory(20_000 if quick else 200_000)
    return {
        "concurrency_clients": CLIENTS,
        "requests_per_server": CLIENTS * per_client,
        "simulator_rps": round(sim_rps, 1),
        "bare_flask_rps": round(bare_rps, 1),
        "ratio_to_bare_flask": round(ratio, 3),
        "failed_requests": sim_failures + bare_failures,
        **memory,
        "target": (
            f"simulator rps >= {TARGET_RATIO} x bare Flask under waitress at "
            f"{CLIENTS} clients; RSS growth < {MEMORY_SLACK_MB} MB after warm-up"
        ),
        "passed": ratio >= TARGET_RATIO
        and bool(memory["memory_flat"])
        and sim_failures + bare_failures == 0,
    }
