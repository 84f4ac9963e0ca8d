"""The external load generator of the simulator benchmark: wrk, in its own process.

:func:`run_wrk` runs ``wrk`` against one URL at a fixed number of keep-alive
connections for a fixed time and reads back, through a small Lua ``done``
hook, the request count, the duration, the latency percentiles and every
error count (connect, read, write, timeout, non-2xx). The CPU wrk itself
used comes from the kernel's accounting of the finished child, so a run can
show how much of the machine the generator took.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WRK_SCRIPT", "LoadResult", "find_wrk", "run_wrk"]

#: Prints one JSON line after the run (wrk calls ``done`` once, with every thread's figures).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,'
    .. '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class LoadResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors (connect, read, write, timeout) and non-2xx answers
    generator_cpu_s: float  # user + system CPU wrk used

    @property
    def rps(self) -> float:
        """Requests per second over the run."""
        return self.requests / self.seconds if self.seconds else 0.0


def find_wrk() -> str | None:
    """The wrk executable, or None when it is not installed (Debian package ``wrk``)."""
    return shutil.which("wrk")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    wrk: str, url: str, *, connections: int, seconds: float, threads: int = 2
) -> LoadResult:
    """Run wrk for ``seconds`` at ``connections`` keep-alive connections; raise if it fails."""
    with tempfile.TemporaryDirectory(prefix="mcc-wrk-") as folder:
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        before = _children_cpu_s()
        done = subprocess.run(
            [
                wrk,
                f"-t{min(threads, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=False,
        )
        cpu = _children_cpu_s() - before
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK-JSON ")), None)
    if done.returncode != 0 or line is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"wrk failed (exit {done.returncode}): {' / '.join(tail)}")
    figures = json.loads(line.removeprefix("WRK-JSON "))
    errors = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    return LoadResult(
        requests=int(figures["requests"]),
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=int(errors),
        generator_cpu_s=cpu,
    )
