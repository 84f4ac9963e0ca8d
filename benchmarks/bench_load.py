"""Load: the simulator and the call-log service held at 64 users by ``mcc load`` (Locust).

Every figure comes from ``mcc load`` runs: the load is Locust's, in its own
process (``mcc load`` starts ``python -m locust``), never a loop of ours, and
never in the server's process. Each server is a child process of its own on
loopback:

- ``simulator``: the simulator served by waitress (``simulator.serve.serve``,
  threads for 16 workers = 64), with a call ringing at agent1, loaded with
  the ``ozonetel`` preset's requests (AgentManualDial and the pop-up's
  PullAPI, 1:1) as the connector renders and maps them: ``mcc load --config
  ozonetel --target URL --fixtures F --mix click_to_call=1,agent_popup=1``.
  Its call history and journal are bounded, so memory must stay flat once
  they are full (``history_size=1000``, filled in the warm-up);
- ``calllog``: ``mcc serve`` (a SQLite file on disk), loaded with ``mcc load
  --calllog URL --db FILE``: every delivery a finished call in one of the
  three dialects' own formats, 5 % sent twice and 5 % held back behind later
  ones; afterwards every acknowledged call must be exactly one activity.

Each run is one ``mcc load`` of ``WARM_UP_S + SECONDS`` at ``USERS`` users,
so the load does not step at the warm-up boundary; Locust's figures (requests,
failures, requests/s, p50/p95/p99) cover the whole run. Memory is the
server's ``VmRSS`` (``/proc/<pid>/status``), sampled every half second:
"after warm-up" is the median of the warm-up's last ``RSS_WINDOW_S`` seconds,
"at the end" the median of the run's last ``RSS_WINDOW_S`` seconds.

Target per server: no failed request (an error is what the connector would
call one: a mapped error, an unmapped answer, no answer), RSS at the end
within ``RSS_SLACK_PCT`` of RSS after warm-up, and (call logs) nothing lost
or doubled.

Also measured:

- ``calllog_steps_rss_mb``: after the hold, ``STEP_WAVES`` back-to-back
  ``mcc load`` runs of fresh users (each a load step: every connection
  closes and new ones open), the service's RSS after each;
- ``user_class_*``: the two user classes of ``mcc load`` on the simulator,
  ``fast`` (Locust's ``FastHttpUser``) and ``connector`` (``connector.Client``,
  httpx), at the same users for ``CLASS_SECONDS``: requests/s and the load
  generator's CPU seconds per 1,000 requests (``RUSAGE_CHILDREN`` of the
  ``mcc load`` process tree, Locust included).

Every ``mcc load`` command is in ``commands``; each run's reports (Locust's
HTML and CSV, ``summary.json``) stay in ``reports/bench/load/<run>/``.
"""

from __future__ import annotations

import json
import os
import queue
import resource
import secrets
import shlex
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
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

__all__ = ["run"]

USERS = 64
SECONDS = 60.0
QUICK_SECONDS = 10.0
WARM_UP_S = 60.0
QUICK_WARM_UP_S = 4.0
CLASS_SECONDS = 30.0
QUICK_CLASS_SECONDS = 5.0
MAX_RPS = 10_000  # mcc load's ceiling: the servers, not the pace, set the rate here
RSS_SLACK_PCT = 10.0
RSS_WINDOW_S = 10.0  # RSS "after warm-up" and "at the end": medians over this window
SAMPLE_EVERY_S = 0.5
STEP_WAVES = 6  # after the hold: back-to-back mcc load runs of fresh users, RSS after each
STEP_WAVE_S = 10.0
REPORTS = Path("reports/bench/load")
_START_TIMEOUT_S = 60.0
_STOP_TIMEOUT_S = 20.0
_RUN_GUARD_S = 600.0

DEMO = {"OZONETEL_API_KEY": "KKdemo0000000000000000000000000001", "OZONETEL_USERNAME": "demouser"}
# The simulator's embedded-run fixtures (docs/conformance.md): agent1 rings at 9800000001.
FIXTURES = {
    "customer_number": "9812345678",
    "ringing_agent_phone": "9800000001",
    "user": {
        "TelephonyAgentId": "agent1",
        "PhoneMobile": "9800000001",
        "mx_Custom_8": "Inbound_918030000001",
    },
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
    """Median RSS over the ``RSS_WINDOW_S`` seconds before ``end``."""
    window = [mb for t, mb in samples if end - RSS_WINDOW_S <= t <= end]
    return statistics.median(window) if window else fallback


def _trace(samples: list[tuple[float, float]]) -> list[float]:
    """RSS every ~10 s, so a slow climb shows in the report."""
    picked: list[float] = []
    next_at = 0.0
    for t, mb in samples:
        if t >= next_at:
            picked.append(round(mb, 1))
            next_at += 10.0
    return picked


def _mcc() -> list[str]:
    script = Path(sys.executable).with_name("mcc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from mcc.cli import main; main()"]


@dataclass
class LoadRun:
    """One ``mcc load`` run: its summary, the generator's CPU time and the command."""

    summary: dict[str, Any]
    cpu_s: float
    command: str
    exit_code: int


def _mcc_load(args: list[str], env: dict[str, str], folder: Path) -> LoadRun:
    """Run ``mcc load ARGS --report-dir FOLDER`` to its end; read its summary."""
    command = [*_mcc(), "load", *args, "--report-dir", str(folder)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=_RUN_GUARD_S, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    summary_file = folder / "summary.json"
    if not summary_file.exists():
        raise RuntimeError(
            f"mcc load wrote no summary (exit {done.returncode}): {done.stderr[-2000:]}"
        )
    summary: dict[str, Any] = json.loads(summary_file.read_text(encoding="utf-8"))
    shown = shlex.join(["mcc", "load", *args, "--report-dir", str(folder)])
    return LoadRun(summary, cpu, shown, done.returncode)


def _percentiles(prefix: str, total: dict[str, Any]) -> dict[str, object]:
    return {f"{prefix}_{p}_ms": total.get(f"{p}_ms") for p in ("p50", "p95", "p99")}


def _measure(
    name: str,
    server: Server,
    args: list[str],
    env: dict[str, str],
    *,
    seconds: float,
    warm_s: float,
) -> tuple[dict[str, object], LoadRun]:
    """One mcc load run of warm-up + hold, sampling the server's RSS; figures prefixed ``name``."""
    samples: list[tuple[float, float]] = []
    duration = ["--duration", f"{warm_s + seconds:g}s"]
    sampling_from = time.time()
    with _rss_samples(server, samples):
        load = _mcc_load([*args, *duration], env, REPORTS / name)
    idle = server.rss_mb()
    # Locust starts a moment after the sampler: the windows follow Locust's own start.
    started = datetime.fromisoformat(load.summary["started"]).timestamp()
    offset = max(0.0, started - sampling_from)
    warm = _window_median(samples, offset + warm_s, idle)
    end = _window_median(samples, offset + warm_s + seconds, idle)
    held = [(t - offset - warm_s, mb) for t, mb in samples if t >= offset + warm_s]
    peak = max((mb for _, mb in held), default=idle)
    total = load.summary["total"]
    growth = (end - warm) / warm * 100
    figures: dict[str, object] = {
        f"{name}_requests": total["requests"],
        f"{name}_failures": total["failures"],
        f"{name}_failure_samples": [f["message"] for f in load.summary["failures"][:5]],
        f"{name}_rps": total["rps"],
        **_percentiles(name, total),
        f"{name}_rss_warm_mb": round(warm, 1),
        f"{name}_rss_end_mb": round(end, 1),
        f"{name}_rss_peak_mb": round(peak, 1),
        f"{name}_rss_idle_mb": round(idle, 1),
        f"{name}_rss_growth_pct": round(growth, 2),
        f"{name}_rss_trace_mb": _trace(held),
        f"{name}_passed": total["failures"] == 0 and abs(growth) <= RSS_SLACK_PCT,
    }
    return figures, load


def _service_url(line: str) -> str | None:
    # "call-log service on http://127.0.0.1:PORT/calllog (health: ...)"
    if not line.startswith("call-log service on "):
        return None
    return line.split()[3].removesuffix("/calllog")


def _simulator_args(url: str, fixtures: Path, user_class: str = "fast") -> list[str]:
    return [
        "--config", "ozonetel", "--target", url, "--fixtures", str(fixtures),
        "--users", str(USERS), "--spawn-rate", str(USERS), "--max-rps", str(MAX_RPS),
        "--mix", "click_to_call=1,agent_popup=1", "--user-class", user_class,
    ]  # fmt: skip


def _user_classes(
    server: Server, fixtures: Path, env: dict[str, str], seconds: float
) -> tuple[dict[str, object], list[str]]:
    """Both user classes against the same simulator, one after the other."""
    figures: dict[str, object] = {}
    commands: list[str] = []
    for user_class in ("fast", "connector"):
        args = [*_simulator_args(server.base_url, fixtures, user_class), "--duration",
                f"{seconds:g}s"]  # fmt: skip
        load = _mcc_load(args, env, REPORTS / f"user-class-{user_class}")
        total = load.summary["total"]
        requests = max(1, int(total["requests"]))
        figures |= {
            f"user_class_{user_class}_rps": total["rps"],
            f"user_class_{user_class}_p50_ms": total["p50_ms"],
            f"user_class_{user_class}_failures": total["failures"],
            f"user_class_{user_class}_cpu_s_per_1000": round(load.cpu_s / requests * 1000, 3),
        }
        commands.append(load.command)
    return figures, commands


def run(quick: bool = False) -> dict[str, object]:
    """Hold each server at ``USERS`` users with ``mcc load``; see the module docstring."""
    seconds = QUICK_SECONDS if quick else SECONDS
    warm_s = QUICK_WARM_UP_S if quick else WARM_UP_S
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("MCC_", "OZONETEL_"))}
    figures: dict[str, object] = {"users": USERS, "hold_s": seconds, "warm_up_s": warm_s}
    commands: list[str] = []
    REPORTS.mkdir(parents=True, exist_ok=True)
    fixtures = REPORTS / "fixtures.yaml"
    fixtures.write_text(yaml.safe_dump(FIXTURES), encoding="utf-8")
    env = {**base_env, **DEMO}

    simulator = [sys.executable, "-c", SIMULATOR_CHILD]
    with _child(simulator, base_env, lambda line: line.strip() or None) as server:
        measured, load = _measure(
            "simulator",
            server,
            _simulator_args(server.base_url, fixtures),
            env,
            seconds=seconds,
            warm_s=warm_s,
        )
        figures |= measured
        commands.append(load.command)
        class_s = QUICK_CLASS_SECONDS if quick else CLASS_SECONDS
        classes, class_commands = _user_classes(server, fixtures, env, class_s)
        figures |= classes
        commands += class_commands

    token = secrets.token_urlsafe(24)  # this run's call-log token; never shown
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "crm.sqlite3"
        command = [*_mcc(), "serve", "--port", "0", "--db", str(db)]
        with _child(command, {**base_env, "MCC_CALLLOG_TOKEN": token}, _service_url) as server:
            load_env = {**base_env, "MCC_CALLLOG_TOKEN": token}
            args = [
                "--calllog", server.base_url, "--db", str(db), "--users", str(USERS),
                "--spawn-rate", str(USERS), "--max-rps", str(MAX_RPS),
            ]  # fmt: skip
            measured, load = _measure(
                "calllog", server, args, load_env, seconds=seconds, warm_s=warm_s
            )
            check = load.summary["calllog_check"]
            store = check.get("store") or {}
            measured |= {
                "calllog_calls": check["distinct_calls_acknowledged"],
                "calllog_deliveries": check["deliveries"],
                "calllog_lost": store.get("lost"),
                "calllog_doubled": store.get("doubled"),
            }
            measured["calllog_passed"] = bool(measured["calllog_passed"] and check["passed"])
            figures |= measured
            commands.append(load.command)
            waves, wave_s = (2, 3.0) if quick else (STEP_WAVES, STEP_WAVE_S)
            steps: list[float] = []
            for wave in range(waves):
                stepped = _mcc_load(
                    [*args, "--duration", f"{wave_s:g}s"],
                    load_env,
                    REPORTS / f"calllog-step-{wave}",
                )
                commands.append(stepped.command)
                steps.append(round(server.rss_mb(), 1))
            figures["calllog_steps_rss_mb"] = steps

    figures["commands"] = [c.replace(str(db), "CRM.sqlite3") for c in commands]
    figures["target"] = (
        f"each server held by mcc load at {USERS} users for {warm_s:g} s + {seconds:g} s: 0 failed"
        f" requests, RSS at the end within {RSS_SLACK_PCT:g} % of RSS after the warm-up,"
        " every call log exactly one activity"
    )
    figures["passed"] = all(figures[f"{name}_passed"] for name in ("simulator", "calllog"))
    return figures
