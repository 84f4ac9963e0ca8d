"""The first ``make test``/``make verify`` says what it installs and shows pip's progress."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_install_step_announces_itself_and_lets_pip_show_its_progress() -> None:
    # -n prints the recipe without running it; -B as if .venv were missing (a fresh clone).
    done = subprocess.run(
        ["make", "-n", "-B", ".venv/.installed"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # a hang guard only: make -n answers at once
        check=True,
    )
    lines = done.stdout.splitlines()
    installs = [i for i, line in enumerate(lines) if " -m pip install " in line]
    assert installs, done.stdout
    announced = [i for i, line in enumerate(lines) if line.startswith("echo") and "install" in line]
    assert announced, done.stdout
    assert announced[0] < installs[0]  # one line says what is happening before pip starts
    for index in installs:
        assert "--quiet" not in lines[index]
        assert " -q " not in lines[index]
