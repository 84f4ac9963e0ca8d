"""Fixtures of the reliability tests: canary secrets, and the fault matrix's result file.

Canaries are unique fake credentials: a run seeded with them proves a secret
never reaches a message, report, log or journal, because any occurrence of the
canary (as written, percent-encoded or JSON-escaped) is a leak.

The fault matrix cells record their results through ``fault_matrix_cells``;
at the end of the session every process (each xdist worker, or the single
process) merges its cells into one JSON file (``MCC_FAULT_MATRIX_OUT`` or
``reports/fault-matrix.json``), which ``tools/fault_matrix.py`` renders into
``docs/fault-matrix.md``.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MATRIX_OUT = ROOT / "reports" / "fault-matrix.json"
MATRIX_OUT_ENV = "MCC_FAULT_MATRIX_OUT"

# "+", "/" and "=" change under percent-encoding, so the encoded forms differ
# from the plain ones and the leak checks below mean something.
CANARY_KEY = "CANARY-KEY-7f3a9c2e+b/41=d8e6"
CANARY_USER = "CANARY-USER-5c1d9e"
CANARY_TOKEN = "CANARY-TOKEN-b82f6a0d/9e+c1"

_CELLS: pytest.StashKey[list[dict[str, Any]]] = pytest.StashKey()
_RUN: pytest.StashKey[str] = pytest.StashKey()


def leak_forms(secret: str) -> set[str]:
    """Every spelling a secret can travel in: plain, percent-encoded, JSON-escaped."""
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret, safe="/"),
        json.dumps(secret)[1:-1],
        # Lower-case hex escapes are as valid as upper-case ones (RFC 3986).
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")),
    }


@dataclass(frozen=True)
class Canaries:
    """The canary values of a run, and a check that none of them leaked."""

    api_key: str = CANARY_KEY
    username: str = CANARY_USER
    token: str = CANARY_TOKEN

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values that must never appear (the username is an account name, not secret)."""
        return (self.api_key, self.token)

    def env(self) -> dict[str, str]:
        """Environment for every preset, holding the canaries."""
        return {
            "GENERIC_API_KEY": self.api_key,
            "GENERIC_USERNAME": self.username,
            "OZONETEL_API_KEY": self.api_key,
            "OZONETEL_USERNAME": self.username,
            "KNOWLARITY_API_KEY": self.api_key,
            "KNOWLARITY_SR_KEY": self.token,
            "MCC_CALLLOG_TOKEN": self.token,
            # The generic preset sends it with each call: the token rides in it.
            "MCC_CALLLOG_URL": f"http://127.0.0.1:9/calllog?token={self.token}",
        }

    def found_in(self, text: str) -> list[str]:
        """The leaked forms of any canary in ``text`` (empty when clean)."""
        return sorted(
            form for secret in self.secrets for form in leak_forms(secret) if form in text
        )

    def assert_absent(self, text: str, where: str) -> None:
        """Fail naming ``where`` if any canary appears in ``text`` (the canary is not shown)."""
        leaked = self.found_in(text)
        assert not leaked, f"{len(leaked)} form(s) of a canary secret leaked into {where}"

    def assert_absent_all(self, texts: Iterable[tuple[str, str]]) -> None:
        """``assert_absent`` over ``(where, text)`` pairs."""
        for where, text in texts:
            self.assert_absent(text, where)


@pytest.fixture(scope="session")
def canaries() -> Canaries:
    """The canary credentials."""
    return Canaries()


@pytest.fixture
def fault_matrix_cells(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    """Where a fault-matrix cell appends its result (written at session end)."""
    return request.config.stash.setdefault(_CELLS, [])


def matrix_out() -> Path:
    """The result file of the fault matrix."""
    return Path(os.environ.get(MATRIX_OUT_ENV) or DEFAULT_MATRIX_OUT)


def _run_id(config: pytest.Config) -> str:
    # xdist gives its workers one id per run; merging keys on it so that cells
    # of an older run are replaced, not mixed in.
    workerinput: Mapping[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput and workerinput.get("testrunuid"):
        return str(workerinput["testrunuid"])
    return config.stash.setdefault(_RUN, uuid.uuid4().hex)


def merge_cells(path: Path, run: str, cells: list[dict[str, Any]]) -> None:
    """Merge ``cells`` into the JSON file at ``path`` under an exclusive lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        try:
            document = json.loads(handle.read() or "{}")
        except ValueError:
            document = {}
        kept = document.get("cells", []) if document.get("run") == run else []
        merged = {cell["id"]: cell for cell in [*kept, *cells]}
        handle.seek(0)
        handle.truncate()
        json.dump(
            {"run": run, "cells": sorted(merged.values(), key=lambda c: c["order"])},
            handle,
            indent=1,
        )
        handle.write("\n")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write this process's fault-matrix cells (if any ran) to the shared result file."""
    cells = session.config.stash.get(_CELLS, [])
    if cells:
        merge_cells(matrix_out(), _run_id(session.config), cells)
