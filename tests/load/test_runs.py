"""Whole ``mcc load`` runs, each a few seconds, as a child process (Locust patches its process).

Every run stays on 127.0.0.1. No threshold here depends on how fast this
machine is: a passing run allows 10 s per request (loopback answers in
milliseconds), and the failing one plays a 2 s latency fault against a 500 ms
limit. Subprocess timeouts are hang guards only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import connector
from contracts.fixtures import (
    EMBEDDED,
    EMBEDDED_API_KEY,
    EMBEDDED_USERNAME,
    ControlPlane,
    arrange_simulator,
)

pytestmark = pytest.mark.slow

HANG_GUARD_S = 240
TOKEN = "load-test-token-4f1c9e2a7b"
CANARY_KEY = "canary-load-key-91b7e3"
CANARY_USER = "canary-load-user-5d2a"


def _mcc() -> list[str]:
    script = Path(sys.executable).with_name("mcc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from mcc.cli import main; main()"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MCC_", "GENERIC_"))}
    return {**env, **extra}


def _load(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_mcc(), "load", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _summary(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return data


def _statuses(summary: dict[str, Any]) -> dict[str, str]:
    return {f"{t['what']} {t['name']}": t["status"] for t in summary["thresholds"]}


GENEROUS = "click_to_call=10s,agent_popup=10s,did_list=10s"


def test_a_short_run_against_the_embedded_simulator_passes_and_leaks_no_secret(
    tmp_path: Path,
) -> None:
    reports = tmp_path / "reports"
    env = _env(GENERIC_API_KEY=CANARY_KEY, GENERIC_USERNAME=CANARY_USER)
    args = [
        "--config",
        "generic",
        "--users",
        "4",
        "--spawn-rate",
        "4",
        "--duration",
        "3s",
        "--mix",
        "click_to_call=1,agent_popup=3,did_list=1",
        "--p95",
        GENEROUS,
        "--report-dir",
        str(reports),
    ]
    done = _load(args, env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = _summary(reports)
    assert summary["passed"] is True
    assert set(_statuses(summary).values()) == {"pass"}
    total = summary["total"]
    assert total["requests"] > 0
    assert total["failures"] == 0
    assert {e["name"] for e in summary["requests"]} == {"click_to_call", "agent_popup", "did_list"}
    for name in ("report.html", "locust_stats.csv", "locust_failures.csv", "summary.json"):
        assert (reports / name).is_file(), name
    # The CSV holds Locust's final figures: the same count as the summary.
    stats = (reports / "locust_stats.csv").read_text(encoding="utf-8").splitlines()
    aggregated = next(line for line in stats if line.split(",")[1] == "Aggregated")
    assert int(aggregated.split(",")[2]) == total["requests"]
    texts = [done.stdout, done.stderr, *(p.read_text(errors="replace") for p in reports.iterdir())]
    for text in texts:
        assert CANARY_KEY not in text
        assert CANARY_USER not in text
    assert "PASS" in done.stdout


@pytest.fixture
def slow_partner(sim_server: Any, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The simulator as a partner at a URL, every provider answer 2 s late."""
    control = ControlPlane(sim_server.base_url)
    account = {"username": EMBEDDED_USERNAME, "api_key": EMBEDDED_API_KEY}
    arrange_simulator(control, account=account, fixtures=EMBEDDED)
    control.fault({"fault": "latency", "latency_ms": 2000})
    fixtures = tmp_path / "fixtures.yaml"
    fixtures.write_text(yaml.safe_dump(EMBEDDED.model_dump(exclude_defaults=True)))
    yield sim_server.base_url, fixtures
    control.close()


def test_a_latency_fault_fails_the_p95_threshold_with_exit_1(
    slow_partner: tuple[str, Path], tmp_path: Path
) -> None:
    url, fixtures = slow_partner
    reports = tmp_path / "reports"
    env = _env(GENERIC_API_KEY=EMBEDDED_API_KEY, GENERIC_USERNAME=EMBEDDED_USERNAME)
    args = [
        "--config",
        "generic",
        "--target",
        url,
        "--fixtures",
        str(fixtures),
        "--users",
        "3",
        "--spawn-rate",
        "3",
        "--duration",
        "3s",
        "--mix",
        "agent_popup=1",
        "--p95",
        "agent_popup=500ms",
        "--report-dir",
        str(reports),
    ]
    done = _load(args, env, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    summary = _summary(reports)
    assert _statuses(summary) == {"p95 agent_popup": "fail", "error ratio agent_popup": "pass"}
    p95 = next(t for t in summary["thresholds"] if t["what"] == "p95")
    assert p95["measured"] >= 2000
    assert "FAIL (p95 agent_popup)" in done.stdout


def test_a_master_with_two_workers_merges_their_stats(tmp_path: Path) -> None:
    # The two-machine recipe on one machine: `mcc load --worker --processes 2`
    # gets nothing but the master's address; config, fixtures, mix and pace come
    # with Locust's spawn message, and it runs from another folder with no
    # credentials of its own.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    reports = tmp_path / "reports"
    log = tmp_path / "worker.log"
    master_args = ["--master", "--expect-workers", "2", "--master-bind-host", "127.0.0.1",
                   "--master-port", port, "--workers-wait", "2m", "--config", "generic",
                   "--users", "4", "--spawn-rate", "4", "--duration", "3s", "--p95", GENEROUS,
                   "--report-dir", str(reports)]  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with log.open("w") as out:
        worker = subprocess.Popen(
            [
                *_mcc(),
                "load",
                "--worker",
                "--master-host",
                "127.0.0.1",
                "--master-port",
                port,
                "--processes",
                "2",
            ],
            env=_env(),
            cwd=elsewhere,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        done = _load(master_args, _env(), tmp_path)
        worker_code = worker.wait(HANG_GUARD_S)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert done.returncode == 0, done.stdout + done.stderr + log.read_text()
    assert worker_code == 0, log.read_text()
    summary = _summary(reports)
    assert summary["workers"] == 2
    per_worker = summary["requests_per_worker"]
    assert len(per_worker) == 2
    assert all(count > 0 for count in per_worker)
    assert sum(per_worker) == summary["total"]["requests"]
    assert summary["total"]["failures"] == 0


def test_ctrl_c_stops_every_user_and_still_writes_the_reports(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    log = tmp_path / "load.log"
    args = [
        "--config",
        "generic",
        "--users",
        "3",
        "--duration",
        "10m",
        "--p95",
        GENEROUS,
        "--report-dir",
        str(reports),
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*_mcc(), "load", *args],
            env=_env(),
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        guard = time.monotonic() + HANG_GUARD_S
        while "All users spawned" not in log.read_text(errors="replace"):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < guard, "users never spawned"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)  # what Ctrl-C in a terminal sends
        code = proc.wait(HANG_GUARD_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 130, log.read_text()
    summary = _summary(reports)
    assert summary["interrupted"] is True
    assert summary["total"]["requests"] > 0
    assert (reports / "report.html").is_file()
    assert (reports / "locust_stats.csv").is_file()


class _LossyProxy:
    """Stands in front of mcc serve and loses one call: answers 200 for it, stores nothing.

    The call chosen is the first one the proxy has not seen before, from the
    10th POST on (a duplicate repeats a call already stored); its duplicates
    and late copies are swallowed too, so the CRM never sees it.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.lost: set[str] = set()
        self.seen: set[str] = set()
        self.count = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                kind = self.headers.get("content-type")
                (record,) = connector.parse_callback(body, kind)
                with proxy.lock:
                    proxy.count += 1
                    new = record.call_id not in proxy.seen
                    proxy.seen.add(record.call_id)
                    if proxy.count >= 10 and new and not proxy.lost:
                        proxy.lost.add(record.call_id)
                    swallow = record.call_id in proxy.lost
                if swallow:
                    answer = json.dumps(
                        {
                            "status": "ok",
                            "records": 1,
                            "created": 1,
                            "updated": 0,
                            "unchanged": 0,
                            "unmatched": 1,
                            "activity_ids": [10**9],
                            "call_ids": [record.call_id],
                        }
                    ).encode()
                    status = 200
                else:
                    sent = httpx.post(
                        proxy.upstream + self.path,
                        content=body,
                        timeout=30,
                        headers={"content-type": kind or "", "X-MCC-Token": TOKEN},
                    )
                    answer, status = sent.content, sent.status_code
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def calllog_service(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``mcc serve`` on a free loopback port with its CRM file."""
    db = tmp_path / "crm.sqlite3"
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*_mcc(), "serve", "--port", "0", "--db", str(db)],
            env=_env(MCC_CALLLOG_TOKEN=TOKEN),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        guard = time.monotonic() + HANG_GUARD_S
        url = None
        while url is None:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < guard, "mcc serve did not start"
            for line in log.read_text().splitlines():
                if line.startswith("call-log service on "):
                    url = line.split()[3].removesuffix("/calllog")
            time.sleep(0.05)
        yield url, db
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_call_log_check_finds_a_record_the_service_lost(
    calllog_service: tuple[str, Path], tmp_path: Path
) -> None:
    service, db = calllog_service
    proxy = _LossyProxy(service)
    reports = tmp_path / "reports"
    try:
        args = [
            "--calllog",
            proxy.url,
            "--db",
            str(db),
            "--users",
            "3",
            "--spawn-rate",
            "3",
            "--duration",
            "3s",
            "--duplicate-rate",
            "0.2",
            "--reorder-rate",
            "0.2",
            "--report-dir",
            str(reports),
        ]
        done = _load(args, _env(MCC_CALLLOG_TOKEN=TOKEN), tmp_path)
    finally:
        proxy.close()
    assert done.returncode == 1, done.stdout + done.stderr
    check = _summary(reports)["calllog_check"]
    assert check["store"]["lost"] == 1, check
    assert check["store"]["examples"]["lost"] == sorted(proxy.lost)
    assert check["store"]["doubled"] == 0
    assert check["store"]["misfiled"] == 0
    assert check["answers"] == {**check["answers"], "doubled": 0, "merged": 0}
    assert check["distinct_calls_acknowledged"] > 10
    assert check["deliveries"]["duplicate"] > 0
    assert set(_statuses(_summary(reports)).values()) == {"pass"}  # every POST got its 200
    texts = [done.stdout, done.stderr, *(p.read_text(errors="replace") for p in reports.iterdir())]
    assert not any(TOKEN in text for text in texts)
    assert "FAIL (call logs lost, doubled or misfiled)" in done.stdout
