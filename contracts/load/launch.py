"""Run Locust in a child process, as its own command line asks, and stop it cleanly.

Locust patches the whole process with gevent when it is imported, so ``mcc
load`` never imports it: it runs ``python -m locust -f contracts/load/locustfile.py``
with the options below (the plan in ``MCC_LOAD_PLAN``), in a session of its
own with stdin closed (Locust's key listener stays off), in the folder that
holds the ``contracts`` package (every path it is given is absolute). Locust does what it
is good at: the users, pacing, master/worker over ZeroMQ, ``--processes``
forking, its CSV and HTML reports.

Ctrl-C reaches ``mcc load`` only (the child has its own session): it sends
the child one SIGINT, as a terminal would, and Locust stops every user,
writes its reports and quits; to a worker the signal goes to its whole process
group (its ``--processes`` children too). A child that does not end within
``STOP_GRACE_S`` gets SIGTERM, then SIGKILL. Waits on the child are bounded
by the run's own duration plus that grace.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["STOP_GRACE_S", "Finished", "Role", "locust_argv", "locustfile_path", "run_locust"]

STOP_GRACE_S = 60.0
STOP_TIMEOUT_S = 10  # Locust's --stop-timeout: a user may finish its request when the run ends
CSV_PREFIX = "locust"
HTML_NAME = "report.html"


@dataclass(frozen=True)
class Role:
    """Which Locust process this is: local, master (waits for workers) or worker."""

    kind: str = "local"  # local, master or worker
    processes: int | None = None  # --processes: fork this many local workers
    expect_workers: int = 1
    master_host: str = "127.0.0.1"  # worker: where the master listens
    master_port: int = 5557
    bind_host: str = "*"  # master: where it listens for workers
    workers_wait_s: float = 120.0  # master: give up when workers do not all connect


@dataclass(frozen=True)
class Finished:
    """How the Locust child ended."""

    exit_code: int
    interrupted: bool


def package_root() -> Path:
    """The folder that holds the ``contracts`` package: the Locust child's working folder.

    Locust puts its working folder first on ``sys.path``; run anywhere else, a
    folder there named ``contracts`` would be imported instead of ours.
    """
    return Path(str(resources.files("contracts"))).parent


def locustfile_path() -> Path:
    """The shipped locustfile (package data of ``contracts.load``)."""
    return Path(str(resources.files("contracts.load").joinpath("locustfile.py")))


def locust_argv(
    role: Role,
    *,
    user_class: str = "",
    users: int = 1,
    spawn_rate: float = 1.0,
    duration_s: float = 60.0,
    host: str = "",
    report_dir: Path | None = None,
    run_file: Path | None = None,
) -> list[str]:
    """The ``python -m locust`` command line for ``role``."""
    argv = [sys.executable, "-m", "locust", "-f", str(locustfile_path())]
    if role.processes:
        argv += ["--processes", str(role.processes)]
    if role.kind == "worker":
        return [
            *argv,
            "--worker",
            "--master-host",
            role.master_host,
            "--master-port",
            str(role.master_port),
        ]
    argv += [
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        f"{spawn_rate:g}",
        "--run-time",
        f"{max(1, round(duration_s))}s",
        "--host",
        host,
        "--stop-timeout",
        str(STOP_TIMEOUT_S),
        "--exit-code-on-error",
        "0",
    ]
    if report_dir is not None:
        argv += ["--csv", str(report_dir / CSV_PREFIX), "--html", str(report_dir / HTML_NAME)]
    if run_file is not None:
        argv += ["--mcc-run-file", str(run_file)]
    if role.kind == "local" and role.processes:
        # The parent becomes the master of its forked workers: all on loopback, on our port.
        port = str(role.master_port)
        argv += ["--master-bind-host", "127.0.0.1", "--master-bind-port", port,
                 "--master-host", "127.0.0.1", "--master-port", port]  # fmt: skip
    if role.kind == "master":
        argv += [
            "--master",
            "--expect-workers",
            str(role.expect_workers),
            "--master-bind-host",
            role.bind_host,
            "--master-bind-port",
            str(role.master_port),
            "--expect-workers-max-wait",
            f"{max(1, round(role.workers_wait_s))}",
        ]
    if user_class:
        argv.append(user_class)
    return argv


def _signal(proc: subprocess.Popen[bytes], sig: int, *, group: bool) -> None:
    try:
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    except ProcessLookupError:
        pass


def _stop(proc: subprocess.Popen[bytes], *, group: bool) -> None:
    """SIGINT (once), then SIGTERM, then SIGKILL, each after ``STOP_GRACE_S``."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        _signal(proc, sig, group=group)
        try:
            proc.wait(STOP_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:  # a second Ctrl-C: go straight to the next signal
            continue


def run_locust(
    argv: Sequence[str], env: Mapping[str, str], *, bound_s: float | None, worker: bool = False
) -> Finished:
    """Run Locust until it ends (or ``bound_s`` passes: then it is stopped as on Ctrl-C)."""
    proc = subprocess.Popen(
        list(argv),
        env=dict(env),
        cwd=package_root(),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    interrupted = False
    try:
        proc.wait(bound_s)
    except KeyboardInterrupt:
        interrupted = True
        _stop(proc, group=worker)
    except subprocess.TimeoutExpired:  # the run outlived its duration and grace: stop it
        _stop(proc, group=worker)
    finally:
        if proc.poll() is None:
            _stop(proc, group=worker)
    return Finished(
        exit_code=proc.returncode if proc.returncode is not None else 1, interrupted=interrupted
    )
