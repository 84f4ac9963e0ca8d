"""Server processes for the simulator benchmark: start, watch (CPU, RSS), stop.

Every server under test runs in its own process tree, started here and
stopped here: the simulator and the bare-Flask peer (:mod:`benchmarks.serve_app`),
the calibration server (:mod:`benchmarks.null_server`), WireMock and Prism
(:mod:`benchmarks.peers`). CPU time and RSS are read from ``/proc`` for the
whole tree (gunicorn's workers, the JVM's threads), so a figure is what the
server cost the machine, not what one process of it did.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = ["Running", "ServerSpec", "free_port", "start"]

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
_STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    """A port free on 127.0.0.1 now (servers that cannot report one back need it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class ServerSpec:
    """How to start one server: its command, where it answers, how long it may take."""

    name: str
    command: Sequence[str]
    port: int
    ready_path: str = "/"  # any HTTP answer on it means the server is up
    start_timeout_s: float = 60.0
    cwd: Path | None = None
    env: dict[str, str] | None = None


def _tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, ()))
    return found


def _cpu_s(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * _PAGE / 1_048_576
    except OSError:
        return 0.0


@dataclass
class Running:
    """A started server: its base URL, and its process tree's CPU and memory."""

    spec: ServerSpec
    process: subprocess.Popen[bytes]
    log: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.spec.port}"

    def cpu_s(self) -> float:
        """User + system CPU seconds of the whole process tree so far."""
        return sum(_cpu_s(pid) for pid in _tree(self.process.pid))

    def rss_mb(self) -> float:
        """Resident memory of the whole process tree (shared pages counted per process)."""
        return sum(_rss_mb(pid) for pid in _tree(self.process.pid))

    def alive(self) -> bool:
        """True while the server's root process runs."""
        return self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL what is left after a grace period."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(_STOP_TIMEOUT_S)


def _drain(process: subprocess.Popen[bytes], log: list[str]) -> None:
    """Keep the child's output flowing (a full pipe would block it); keep the last lines."""
    assert process.stdout is not None
    for raw in process.stdout:
        log.append(raw.decode("utf-8", "replace").rstrip())
        del log[:-20]


def start(spec: ServerSpec) -> Running:
    """Start ``spec`` in its own process group; return once it answers HTTP (or raise)."""
    process = subprocess.Popen(
        list(spec.command),
        cwd=spec.cwd,
        env={**os.environ, **(spec.env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() ends the whole tree
    )
    running = Running(spec, process)
    threading.Thread(target=_drain, args=(process, running.log), daemon=True).start()
    deadline = time.monotonic() + spec.start_timeout_s
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                client.get(running.base_url + spec.ready_path)
                return running
            except httpx.HTTPError:
                time.sleep(0.2)
    running.stop()
    last = " / ".join(running.log[-3:]) or "no output"
    raise RuntimeError(f"{spec.name} did not start on port {spec.port}: {last}")
