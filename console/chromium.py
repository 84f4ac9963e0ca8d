"""The browser the console is tested in: Debian's Chromium, driven by Playwright.

Playwright cannot download its own browser builds on these machines, so the
browser tests and ``python -m benchmarks console`` launch the system's
Chromium (``apt-get install -y chromium``) through ``executable_path`` with
these switches: headless, no sandbox (root in CI), no GPU, no QUIC, and no
first-run, background-networking, component-update or sync traffic, so a
run reaches nothing but 127.0.0.1. Playwright gives every launch a fresh
temporary profile (its own ``--user-data-dir``), so no state carries over
between runs. Plain constants: nothing here imports Playwright.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["CHROMIUM_ARGS", "CHROMIUM_PATH", "INSTALL_HINT", "chromium_path"]

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
INSTALL_HINT = "install it with: apt-get install -y chromium"


def chromium_path() -> Path | None:
    """The Chromium to launch: ``$MCC_CHROMIUM``, else /usr/bin/chromium; None when missing."""
    chosen = os.environ.get("MCC_CHROMIUM")
    if chosen:
        found = shutil.which(chosen) or chosen
        return Path(found) if Path(found).is_file() else None
    return CHROMIUM_PATH if CHROMIUM_PATH.is_file() else None
