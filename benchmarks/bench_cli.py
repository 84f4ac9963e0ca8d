"""How fast the ``mcc`` command line starts: whole processes, best of 5.

A newcomer's first commands are ``mcc --help``, ``mcc <command> --help`` and
``mcc config check FILE``; each is timed as a whole process (interpreter
start, imports, the command, exit), the way a shell runs it. Best of 5, after
one untimed run that warms the file cache and writes the bytecode: the best
run is the one the machine's other work disturbed least. The interpreter's
own start (``python -c pass``) is shown beside them for scale.

Targets: ``mcc --help`` and every ``mcc <command> --help`` under 0.3 s,
``mcc config check FILE`` under 0.5 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["run"]

HELP_TARGET_S = 0.3
CHECK_TARGET_S = 0.5
RUNS = 5


def _mcc() -> str:
    script = Path(sys.executable).with_name("mcc")
    if not script.exists():
        raise RuntimeError(f"{script} is missing: install the project (make install)")
    return str(script)


def _best(argv: list[str], runs: int) -> float:
    env = {**os.environ, "COLUMNS": "100"}
    subprocess.run(argv, env=env, capture_output=True, check=True, timeout=120)  # warm-up
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True, timeout=120)
        best = min(best, time.perf_counter() - start)
    return best


def _commands() -> list[str]:
    import click

    from mcc.cli import cli

    ctx = click.Context(cli)
    return list(cli.list_commands(ctx))


def run(quick: bool = False) -> dict[str, object]:
    """Time each start-up ``RUNS`` times (``quick``: 2) and keep the best."""
    from connector.presets import preset_path

    runs = 2 if quick else RUNS
    mcc = _mcc()
    figures: dict[str, object] = {
        "runs_each": runs,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python_c_pass_s": round(_best([sys.executable, "-c", "pass"], runs), 3),
    }
    checks: dict[str, bool] = {}
    help_s = _best([mcc, "--help"], runs)
    figures["mcc_help_s"] = round(help_s, 3)
    checks[f"mcc --help < {HELP_TARGET_S} s"] = help_s < HELP_TARGET_S
    worst_name, worst = "", 0.0
    for name in _commands():
        seconds = _best([mcc, name, "--help"], runs)
        figures[f"mcc_{name.replace('-', '_')}_help_s"] = round(seconds, 3)
        if seconds > worst:
            worst_name, worst = name, seconds
    checks[f"every mcc <command> --help < {HELP_TARGET_S} s (slowest: {worst_name})"] = (
        worst < HELP_TARGET_S
    )
    check_s = _best([mcc, "config", "check", str(preset_path("ozonetel"))], runs)
    figures["mcc_config_check_file_s"] = round(check_s, 3)
    checks[f"mcc config check FILE < {CHECK_TARGET_S} s"] = check_s < CHECK_TARGET_S
    figures["checks"] = checks
    figures["target"] = (
        f"--help under {HELP_TARGET_S:g} s, config check under {CHECK_TARGET_S:g} s"
        f" (best of {runs})"
    )
    figures["passed"] = all(checks.values())
    return figures
