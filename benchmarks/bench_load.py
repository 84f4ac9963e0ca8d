"""Load: the simulator and the connector service held at 64 concurrent clients.

Three targets, each its own server process on loopback, each held at
``CLIENTS`` concurrent clients for ``SECONDS`` (quick mode: ``QUICK_SECONDS``)
after a warm-up:

- ``simulator``: the simulator served by waitress (``simulator.serve.serve``,
  threads for 16 workers = 64), clients alternating the generic PullAPI and
  click2call; its call history and journal are bounded, so memory must stay
  flat once they are full (the served app keeps ``history_size=1000``, which
  the warm-up fills);
- ``calllog``: the connector's call-log service (``mcc serve``, a SQLite file
  on disk), every request a new Ozonetel callback (``data=<JSON>``, token in
  ``X-MCC-Token``) stored as a new activity. Callers come from a pool of
  ``CUSTOMERS`` numbers (customers call again; the call ids never repeat);
- ``healthz``: the same service process answering ``GET /healthz``.

Each client is a thread with its own ``httpx.Client`` (keep-alive) in this
process, so the clients share the machine's cores with the server under test:
the rates are what one box does end to end, not the server's ceiling. A
request fails when it raises, answers non-2xx, or answers without its success
marker. Memory is the server process's ``VmRSS`` (``/proc/<pid>/status``),
sampled every half second under load: "after warm-up" is the median of the
warm-up's last ``RSS_WINDOW_S`` seconds, "at the end" the median of the hold's
last ``RSS_WINDOW_S`` seconds, so one reading taken at an unlucky instant
cannot decide; a leak moves the medians. The hold's peak, the RSS after the
clients stopped, and a trace every 10 s are reported too.

Target per server: zero failed requests, and RSS at the end within
``RSS_SLACK_PCT`` of RSS after warm-up. Latencies (p50, p99) are reported.

The warm-up and the hold are one run of the same 64 clients: the load does
not step at the warm-up boundary. A step (64 connections closing and 64 new
ones opening at once) makes the call-log service keep about 6 MB more, once:
after the hold, ``STEP_WAVES`` back-to-back waves of fresh clients report the
RSS after each wave (``calllog_steps_rss_mb``), so that cost is shown, and a
leak would show as a climb from wave to wave.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from urllib.parse import urlencode

import httpx

__all__ = ["run"]

CLIENTS = 64
SECONDS = 60.0
QUICK_SECONDS = 10.0
WARM_UP_S = 60.0
QUICK_WARM_UP_S = 4.0
RSS_SLACK_PCT = 10.0
RSS_WINDOW_S = 10.0  # RSS "after warm-up" and "at the end": medians over this window
SAMPLE_EVERY_S = 0.5
STEP_WAVES = 6  # after the hold: back-to-back waves of fresh clients, RSS after each
STEP_WAVE_S = 10.0
CUSTOMERS = 1_000
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 20.0

DEMO = {"api_key": "KKdemo0000000000000000000000000001", "username": "demouser"}
PULL = {"apiKey": DEMO["api_key"], "userName": DEMO["username"], "agentPhoneNumber": "9800000001"}
CLICK = {
    **DEMO,
    "agentID": "agent1",
    "campaignName": "Inbound_918030000001",
    "customerNumber": "+91-9876543210",
}

# The simulator child: a bounded app, with a call ringing at agent1 so that
# PullAPI has a caller to answer with, served by waitress until SIGTERM.
SIMULATOR_CHILD = """
from simulator import create_app
from simulator.serve import serve
app = create_app({"random_seed": 1, "deliver_callbacks": False, "history_size": 1000})
ring = {"customer": "9876543211", "did": "918030000001", "agent": "agent1"}
answer = app.test_client().post("/_sim/incoming", json=ring)
assert answer.status_code == 201, answer.text
serve(app, "127.0.0.1", 0, workers=16, on_ready=lambda url: print(url, flush=True))
"""
# A request answers None when it succeeded, else a short reason (kept as evidence).
Request = Callable[[httpx.Client, int], str | None]


@dataclass
class Server:
    """A server child process: its pid (for RSS) and base URL."""

    proc: subprocess.Popen[str]
    base_url: str

    def rss_mb(self) -> float:
        """Resident memory of the server process, from ``/proc/<pid>/status``."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text(encoding="ascii")
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # kB
        raise RuntimeError(f"no VmRSS for pid {self.proc.pid}")


@contextmanager
def _child(
    command: list[str], env: dict[str, str], url_from: Callable[[str], str | None]
) -> Iterator[Server]:
    """Start a server child, wait for the line that gives its URL, SIGTERM it at the end."""
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:  # read everything: a full pipe would block the child
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        try:
            url = None
            deadline = time.monotonic() + _START_TIMEOUT_S
            while url is None and time.monotonic() < deadline:
                try:
                    line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if line is None:
                    break
                url = url_from(line)
            if url is None:
                errors.seek(0)
                raise RuntimeError(f"server did not start: {errors.read()[-2000:]}")
            yield Server(proc, url)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(_STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _hold(
    base_url: str, request: Request, warm_s: float, seconds: float
) -> tuple[list[float], list[str], float]:
    """``CLIENTS`` threads send ``request`` for ``warm_s + seconds`` without a pause.

    Answers the latencies (s) and failures of the requests sent after the
    warm-up, and the wall time of that hold. The same clients keep their
    connections across the warm-up boundary: the load does not step there.
    """
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    failures: list[list[str]] = [[] for _ in range(CLIENTS)]
    numbers = count()
    start_line = threading.Barrier(CLIENTS + 1)
    hold_from = [0.0]
    stop_at = [0.0]

    def client(slot: int) -> None:
        mine = latencies[slot]
        with httpx.Client(base_url=base_url, timeout=30) as http:
            start_line.wait()
            while (began := time.perf_counter()) < stop_at[0]:
                try:
                    problem = request(http, next(numbers))
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                took = time.perf_counter() - began
                warming = began < hold_from[0]
                if not warming:
                    mine.append(took)
                if problem is not None:  # a failure counts in the warm-up too
                    phase = "warm-up" if warming else "hold"
                    failures[slot].append(f"{phase}, after {took:.2f} s: {problem}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    hold_from[0] = began + warm_s
    stop_at[0] = hold_from[0] + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - hold_from[0]
    return [x for per in latencies for x in per], [f for per in failures for f in per], wall


def _percentile_ms(sorted_s: list[float], q: float) -> float:
    if not sorted_s:
        return 0.0
    return round(sorted_s[min(len(sorted_s) - 1, int(q * len(sorted_s)))] * 1000, 2)


@contextmanager
def _rss_samples(server: Server, into: list[tuple[float, float]]) -> Iterator[None]:
    """Sample the server's RSS every ``SAMPLE_EVERY_S`` while the block runs: ``(t, MB)``."""
    stop = threading.Event()
    began = time.perf_counter()

    def sample() -> None:
        while not stop.wait(SAMPLE_EVERY_S):
            into.append((time.perf_counter() - began, server.rss_mb()))

    sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    sampler.start()
    try:
        yield
    finally:
        stop.set()
        sampler.join()


def _window_median(samples: list[tuple[float, float]], end: float, fallback: float) -> float:
    """Median RSS over the ``RSS_WINDOW_S`` seconds before ``end`` (a single sample
    swings with whatever requests are in flight at that instant)."""
    window = [mb for t, mb in samples if end - RSS_WINDOW_S <= t <= end]
    return statistics.median(window) if window else fallback


def _measure(
    name: str, server: Server, request: Request, seconds: float, warm_s: float
) -> dict[str, object]:
    """Warm up and hold in one run, sampling RSS; the figures prefixed ``name``."""
    samples: list[tuple[float, float]] = []
    with _rss_samples(server, samples):
        latencies, failed, wall = _hold(server.base_url, request, warm_s, seconds)
    idle = server.rss_mb()
    warm = _window_median(samples, warm_s, idle)
    end = _window_median(samples, warm_s + seconds, idle)
    held = [(t - warm_s, mb) for t, mb in samples if t >= warm_s]
    peak = max((mb for _, mb in held), default=idle)
    failures = len(failed)
    latencies.sort()
    growth = (end - warm) / warm * 100
    return {
        f"{name}_requests": len(latencies),
        f"{name}_failures": failures,
        f"{name}_failure_samples": failed[:5],
        f"{name}_rps": round(len(latencies) / wall, 1),
        f"{name}_p50_ms": _percentile_ms(latencies, 0.50),
        f"{name}_p99_ms": _percentile_ms(latencies, 0.99),
        f"{name}_rss_warm_mb": round(warm, 1),
        f"{name}_rss_end_mb": round(end, 1),
        f"{name}_rss_peak_mb": round(peak, 1),
        f"{name}_rss_idle_mb": round(idle, 1),
        f"{name}_rss_growth_pct": round(growth, 2),
        f"{name}_rss_trace_mb": _trace(held),
        f"{name}_passed": failures == 0 and abs(growth) <= RSS_SLACK_PCT,
    }


def _steps(server: Server, request: Request, waves: int, seconds: float) -> list[float]:
    """RSS after each of ``waves`` back-to-back waves of fresh clients (informational).

    Each wave closes its 64 connections and the next opens 64 new ones at once:
    the server retains a few MB the first time (what a load step costs), and a
    leak would show as a climb from wave to wave.
    """
    after: list[float] = []
    for _ in range(waves):
        _hold(server.base_url, request, 0.0, seconds)
        after.append(round(server.rss_mb(), 1))
    return after


def _trace(samples: list[tuple[float, float]]) -> list[float]:
    """RSS every ~10 s of the hold, so a slow climb shows in the report."""
    picked: list[float] = []
    next_at = 0.0
    for t, mb in samples:
        if t >= next_at:
            picked.append(round(mb, 1))
            next_at += 10.0
    return picked


def _problem(answer: httpx.Response, ok: bool) -> str | None:
    return None if ok else f"HTTP {answer.status_code}: {answer.text[:160]}"


def _simulator_request(http: httpx.Client, n: int) -> str | None:
    path, params = ("/click2call", CLICK) if n % 2 else ("/PullAPI", PULL)
    answer = http.get(path, params=params)
    return _problem(answer, answer.status_code == 200 and b'"success"' in answer.content)


def _callback_template() -> dict[str, object]:
    """One Ozonetel callback record as the simulator builds it (the load varies its ids)."""
    from simulator import create_app, get_simulator

    app = create_app({"random_seed": 3, "deliver_callbacks": False})
    sim = get_simulator(app)
    account = sim.directory.default_account()
    assert account is not None
    sim.place_call(
        dialect="ozonetel",
        operation="ozonetel.agent_manual_dial",
        account=account,
        customer="9876543210",
        agent=sim.directory.agents["agent1"],
        did="918030000001",
        campaign="Inbound_918030000001",
    )
    record = dict(sim.outbox.deliveries()[0].payload.record)
    sim.close()
    return record


def _calllog_request(token: str) -> Request:
    template = _callback_template()
    headers = {"content-type": "application/x-www-form-urlencoded", "X-MCC-Token": token}
    run_id = secrets.randbelow(10**6)

    def request(http: httpx.Client, n: int) -> str | None:
        # A new call each time: the load writes new activities, as real traffic does.
        record = {
            **template,
            "monitorUCID": f"{run_id:06d}{n:011d}",
            "CallerID": f"97{n % CUSTOMERS:08d}",
        }
        body = urlencode({"data": json.dumps(record)})
        answer = http.post("/calllog/ozonetel", content=body, headers=headers)
        return _problem(answer, answer.status_code == 200 and b'"ok"' in answer.content)

    return request


def _healthz_request(http: httpx.Client, n: int) -> str | None:
    answer = http.get("/healthz")
    return _problem(answer, answer.status_code == 200 and b'"ok"' in answer.content)


def _service_url(line: str) -> str | None:
    # "call-log service on http://127.0.0.1:PORT/calllog (health: ...)"
    if not line.startswith("call-log service on "):
        return None
    return line.split()[3].removesuffix("/calllog")


def _mcc() -> list[str]:
    script = Path(sys.executable).with_name("mcc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from mcc.cli import main; main()"]


def run(quick: bool = False) -> dict[str, object]:
    """Hold each server at ``CLIENTS`` clients; see the module docstring."""
    seconds = QUICK_SECONDS if quick else SECONDS
    warm_s = QUICK_WARM_UP_S if quick else WARM_UP_S
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCC_")}
    figures: dict[str, object] = {"clients": CLIENTS, "hold_s": seconds, "warm_up_s": warm_s}

    simulator = [sys.executable, "-c", SIMULATOR_CHILD]
    with _child(simulator, env, lambda line: line.strip() or None) as server:
        figures |= _measure("simulator", server, _simulator_request, seconds, warm_s)

    token = secrets.token_urlsafe(24)  # this run's call-log token; never shown
    with tempfile.TemporaryDirectory() as folder:
        command = [*_mcc(), "serve", "--port", "0", "--db", str(Path(folder) / "crm.sqlite3")]
        with _child(command, {**env, "MCC_CALLLOG_TOKEN": token}, _service_url) as server:
            calllog = _calllog_request(token)
            figures |= _measure("calllog", server, calllog, seconds, warm_s)
            waves, wave_s = (2, 3.0) if quick else (STEP_WAVES, STEP_WAVE_S)
            figures["calllog_steps_rss_mb"] = _steps(server, calllog, waves, wave_s)
            figures |= _measure("healthz", server, _healthz_request, seconds, warm_s)

    figures["target"] = (
        f"each server held at {CLIENTS} clients for {seconds:g} s: 0 failed requests, "
        f"RSS at the end within {RSS_SLACK_PCT:g} % of RSS after a {warm_s:g} s warm-up"
    )
    figures["passed"] = all(
        figures[f"{name}_passed"] for name in ("simulator", "calllog", "healthz")
    )
    return figures
