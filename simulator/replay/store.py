"""Read a cassette directory (``mcc record --out DIR``) as plain data.

The simulator never imports ``contracts`` (the dependency rule): the cassette
format is plain JSON, documented in docs/drift.md, and this is its small
reader on the simulator's side. It reads only what a replay needs, and every
file is bounded (2 MiB, 1000 probes), so a hostile directory gives one clear
error, never a hang or a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import SimulatorError

__all__ = ["FORMAT", "CallLog", "Param", "RecordedProbe", "ReplayError", "load_cassettes"]

FORMAT = "mcc-cassette/1"
INDEX = "cassette.json"
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_PROBES = 1000


class ReplayError(SimulatorError, ValueError):
    """A cassette directory cannot be replayed; the message names the file."""


@dataclass(frozen=True)
class Param:
    """One recorded request parameter: its role decides how a request must match it."""

    name: str
    role: str  # secret, empty, callback, number, literal
    value: str


@dataclass(frozen=True)
class CallLog:
    """A call log the partner pushed after the recorded call."""

    content_type: str | None
    body: str
    after_s: float
    answered: int
    volatile: tuple[Mapping[str, str], ...]
    recordings: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class RecordedProbe:
    """One recorded exchange, ready to be served again."""

    probe: str
    api: str
    order: int
    method: str
    path: str
    params: tuple[Param, ...]
    status: int | None  # None: no usable answer was recorded
    content_type: str | None
    body: str
    elapsed_ms: float
    recorded_at: str
    volatile: tuple[Mapping[str, str], ...] = ()
    numbers: Mapping[str, str] = field(default_factory=dict)
    call_logs: tuple[CallLog, ...] = ()


def _load(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReplayError(f"{path}: larger than a cassette file may be (2 MiB)")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReplayError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ReplayError(f"{path}: not readable JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReplayError(f"{path}: not a cassette of format {FORMAT}")
    return data


def _probe(data: Mapping[str, Any], source: Path) -> RecordedProbe:
    try:
        request = data["request"]
        answer = data.get("answer") or {}
        params = tuple(
            Param(str(p["name"]), str(p["role"]), str(p.get("value") or ""))
            for p in request.get("params") or ()
        )
        logs = tuple(
            CallLog(
                content_type=log.get("content_type"),
                body=str(log.get("body") or ""),
                after_s=float(log.get("after_s") or 0.0),
                answered=int(log.get("answered") or 200),
                volatile=tuple(dict(v) for v in log.get("volatile") or ()),
                recordings=tuple(dict(r) for r in log.get("recordings") or ()),
            )
            for log in data.get("call_logs") or ()
        )
        status = answer.get("status")
        return RecordedProbe(
            probe=str(data["probe"]),
            api=str(data.get("api") or ""),
            order=int(data.get("order") or 0),
            method=str(request.get("method") or "GET").upper(),
            path=str(request.get("path") or "/"),
            params=params,
            status=int(status) if isinstance(status, int) else None,
            content_type=answer.get("content_type"),
            body=str(answer.get("body") or ""),
            elapsed_ms=float(answer.get("elapsed_ms") or 0.0),
            recorded_at=str(data.get("recorded_at") or ""),
            volatile=tuple(dict(v) for v in data.get("volatile") or ()),
            numbers={str(k): str(v) for k, v in dict(data.get("numbers") or {}).items()},
            call_logs=logs,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReplayError(f"{source}: a cassette field is missing or wrong ({exc})") from None


def load_cassettes(directory: Path) -> tuple[dict[str, Any], list[RecordedProbe]]:
    """The index and every recorded probe of ``directory``, in recorded order."""
    index_path = directory / INDEX
    if not index_path.is_file():
        raise ReplayError(f"{directory}: no {INDEX} (record one with mcc record --out DIR)")
    index = _load(index_path)
    names = index.get("probes")
    if not isinstance(names, list) or len(names) > MAX_PROBES:
        raise ReplayError(f"{index_path}: 'probes' must list at most {MAX_PROBES} probe ids")
    probes = []
    for name in names:
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in str(name))
        path = directory / f"{safe}.json"
        probes.append(_probe(_load(path), path))
    return index, sorted(probes, key=lambda p: p.order)
