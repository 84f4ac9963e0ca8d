"""The schemathesis CLI itself accepts every contract and finds 0 failures with ``--checks all``.

The in-process schemathesis tests (tests/simulator/test_contract.py and the
fuzz tests in tests/reliability/) drive the apps through WSGI with hooks of
their own; what a partner or a CI job runs is ``schemathesis run`` against a
served URL with the repository's ``schemathesis.toml``. This runs exactly
that, once per contract: the server is a real process on a free loopback
port (``python -m simulator``, or ``mcc serve`` for the call-log contract),
the CLI is the installed ``schemathesis`` command, and every check is on.

Bounded: ``MAX_EXAMPLES`` per operation and phase, one worker, a fixed seed
(the same cases every run); timeouts are hang guards only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from contracts.specs import contract_names, spec_path

pytestmark = [pytest.mark.conformance, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "schemathesis.toml"
# The installed commands, beside the interpreter that runs the tests.
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MCC = Path(sys.executable).with_name("mcc")
MAX_EXAMPLES = 10
SEED = 1
TOKEN = "cli-calllog-token-0123456789abcdef"
# Hang guards, at least 10x what a run needs on a busy machine (a few seconds).
START_GUARD_S = 120
RUN_GUARD_S = 600
_URL = re.compile(r"(http://127\.0\.0\.1:\d+)")
# Each contract and the server that answers it: the call-log contract is the
# connector's own service, every other one the simulator's.
SERVED_BY_SERVICE = frozenset({"calllog"})
CONTRACTS = ("calllog", "control", "generic", "knowlarity", "ozonetel")


def _command(name: str, folder: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if name in SERVED_BY_SERVICE:
        env["MCC_CALLLOG_TOKEN"] = TOKEN
        return [str(MCC), "serve", "--port", "0", "--db", str(folder / "crm.sqlite3")], env
    return [sys.executable, "-m", "simulator", "--port", "0"], env


@contextmanager
def _serving(name: str, folder: Path) -> Iterator[str]:
    """The server of contract ``name`` on a free loopback port: its base URL, stopped after."""
    command, env = _command(name, folder)
    process = subprocess.Popen(
        command,
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield _base_url(process)
    finally:
        process.terminate()
        try:
            process.communicate(timeout=START_GUARD_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _base_url(process: subprocess.Popen[str]) -> str:
    """The first loopback URL the server prints: it listens once it has printed it."""
    assert process.stdout is not None
    seen = []
    # readline() blocks until a line or EOF; a server that dies ends the loop with EOF.
    while line := process.stdout.readline():
        seen.append(line)
        found = _URL.search(line)
        if found:
            return found.group(1)
    status = process.wait(START_GUARD_S)
    pytest.fail(f"the server exited ({status}) before serving:\n{''.join(seen)}")


def _run(name: str, base_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    report = tmp_path / "junit.xml"
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        str(spec_path(name)),
        "--url",
        base_url,
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    if name in SERVED_BY_SERVICE:
        command += ["--header", f"Authorization: Bearer {TOKEN}"]
    # cwd: schemathesis keeps its example database and cache in the working folder.
    return subprocess.run(
        command,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_GUARD_S,
        check=False,
    )


def _junit_counts(report: Path) -> dict[str, int]:
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    return {
        key: sum(int(suite.get(key, "0")) for suite in suites)
        for key in ("tests", "failures", "errors")
    }


def test_every_contract_is_run_through_the_cli() -> None:
    assert sorted(CONTRACTS) == contract_names()


@pytest.mark.parametrize("name", CONTRACTS)
def test_schemathesis_run_finds_no_failure_with_every_check(name: str, tmp_path: Path) -> None:
    with _serving(name, tmp_path) as base_url:
        result = _run(name, base_url, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    counts = _junit_counts(tmp_path / "junit.xml")
    assert counts["tests"] > 0, output  # it ran operations, not an empty selection
    assert counts["failures"] == 0, output
    assert counts["errors"] == 0, output
    assert TOKEN not in output  # the CLI's output sanitising keeps the secret out
