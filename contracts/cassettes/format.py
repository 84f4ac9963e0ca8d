"""The cassette format: one JSON file per probe, and an index, in one directory.

JSON with two-space indents and a stable key order, so a change of the
partner shows as a small, reviewable ``git diff``. The simulator's replay
reads the same files with its own small reader (``simulator.replay``): the
format is plain data, documented in docs/drift.md, and versioned by the
``format`` field of every file.

A directory holds ``cassette.json`` (the index: when, what config, which
clauses, whether numbers are masked) and ``<probe>.json`` for each probe, the
probe id being the clause id, with ``.2``, ``.3``... when a clause sent more
than one request (``click_to_call.number_formats.2``).

Nothing in a cassette is a secret or a customer's number: the request and
the answer went through the same redaction as reports (``SafeText``) before
they were written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.cassettes.fingerprint import Fingerprint
from contracts.errors import CassetteError

__all__ = [
    "FORMAT",
    "INDEX",
    "MAX_FILE_BYTES",
    "MAX_PROBES",
    "Cassette",
    "CassetteIndex",
    "RecordedCallLog",
    "dumps",
    "probe_file",
    "read_directory",
    "write_directory",
]

FORMAT = "mcc-cassette/1"
INDEX = "cassette.json"
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_PROBES = 1000
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def probe_file(probe: str) -> str:
    """The file name of a probe's cassette."""
    return _UNSAFE_NAME.sub("_", probe) + ".json"


def dumps(data: Mapping[str, Any]) -> str:
    """A cassette file's text: indented, one value per line, newline-terminated."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class RecordedCallLog:
    """One call log the partner pushed for a probe's call, redacted."""

    content_type: str | None
    body: str
    after_s: float  # from the probe's answer to the delivery
    answered: int  # what the run's receiver answered (200, or 503 when it refused once)
    volatile: tuple[Mapping[str, str], ...] = ()
    fingerprint: Fingerprint | None = None
    # How each recording URL it links answered: path, status, content type.
    recordings: tuple[Mapping[str, Any], ...] = ()
    # What the connector's call-log parser made of it: records, statuses, problem.
    outcome: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_type": self.content_type,
            "body": self.body,
            "after_s": round(self.after_s, 3),
            "answered": self.answered,
            "volatile": [dict(v) for v in self.volatile],
            "fingerprint": self.fingerprint.to_dict() if self.fingerprint else None,
            "recordings": [dict(r) for r in self.recordings],
            "outcome": dict(self.outcome),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordedCallLog:
        printed = data.get("fingerprint")
        return cls(
            content_type=data.get("content_type"),
            body=str(data.get("body") or ""),
            after_s=float(data.get("after_s") or 0.0),
            answered=int(data.get("answered") or 200),
            volatile=tuple(dict(v) for v in data.get("volatile") or ()),
            fingerprint=Fingerprint.from_dict(printed) if isinstance(printed, dict) else None,
            recordings=tuple(dict(r) for r in data.get("recordings") or ()),
            outcome=dict(data.get("outcome") or {}),
        )


@dataclass(frozen=True)
class Cassette:
    """One probe: the request as sent, the answer as it came, and what it meant."""

    probe: str
    clause: str
    api: str
    label: str
    order: int
    recorded_at: str
    request: Mapping[str, Any]
    answer: Mapping[str, Any] | None  # None: no usable answer came (a timeout, a reset)
    outcome: Mapping[str, Any]
    fingerprint: Fingerprint
    volatile: tuple[Mapping[str, str], ...] = ()
    numbers: Mapping[str, str] = field(default_factory=dict)
    call_logs: tuple[RecordedCallLog, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "probe": self.probe,
            "clause": self.clause,
            "api": self.api,
            "label": self.label,
            "order": self.order,
            "recorded_at": self.recorded_at,
            "request": dict(self.request),
            "answer": None if self.answer is None else dict(self.answer),
            "outcome": dict(self.outcome),
            "volatile": [dict(v) for v in self.volatile],
            "numbers": dict(sorted(self.numbers.items())),
            "fingerprint": self.fingerprint.to_dict(),
            "call_logs": [log.to_dict() for log in self.call_logs],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "") -> Cassette:
        if data.get("format") != FORMAT:
            raise CassetteError(f"{source}: not a cassette of format {FORMAT}")
        try:
            return cls(
                probe=str(data["probe"]),
                clause=str(data["clause"]),
                api=str(data["api"]),
                label=str(data.get("label") or ""),
                order=int(data.get("order") or 0),
                recorded_at=str(data.get("recorded_at") or ""),
                request=dict(data["request"]),
                answer=None if data.get("answer") is None else dict(data["answer"]),
                outcome=dict(data.get("outcome") or {}),
                fingerprint=Fingerprint.from_dict(dict(data.get("fingerprint") or {})),
                volatile=tuple(dict(v) for v in data.get("volatile") or ()),
                numbers={str(k): str(v) for k, v in dict(data.get("numbers") or {}).items()},
                call_logs=tuple(
                    RecordedCallLog.from_dict(dict(item)) for item in data.get("call_logs") or ()
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CassetteError(f"{source}: a cassette field is missing or wrong ({exc})") from None


@dataclass(frozen=True)
class CassetteIndex:
    """What a cassette directory holds: when, against what, with which probes."""

    recorded_at: str
    config: str
    target: str
    target_kind: str
    tool_version: str
    safe_only: bool
    only: tuple[str, ...]
    numbers_masked: bool
    probes: tuple[str, ...]
    clauses: Mapping[str, str] = field(default_factory=dict)  # clause id -> status

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "recorded_at": self.recorded_at,
            "config": self.config,
            "target": self.target,
            "target_kind": self.target_kind,
            "tool_version": self.tool_version,
            "safe_only": self.safe_only,
            "only": list(self.only),
            "numbers_masked": self.numbers_masked,
            "probes": list(self.probes),
            "clauses": dict(self.clauses),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "") -> CassetteIndex:
        if data.get("format") != FORMAT:
            raise CassetteError(f"{source}: not a cassette index of format {FORMAT}")
        try:
            return cls(
                recorded_at=str(data["recorded_at"]),
                config=str(data.get("config") or ""),
                target=str(data.get("target") or ""),
                target_kind=str(data.get("target_kind") or ""),
                tool_version=str(data.get("tool_version") or ""),
                safe_only=bool(data.get("safe_only")),
                only=tuple(str(p) for p in data.get("only") or ()),
                numbers_masked=bool(data.get("numbers_masked", True)),
                probes=tuple(str(p) for p in data["probes"]),
                clauses={str(k): str(v) for k, v in dict(data.get("clauses") or {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CassetteError(f"{source}: an index field is missing or wrong ({exc})") from None


def _load(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CassetteError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise CassetteError(f"{path}: {size} bytes, more than a cassette file may hold")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CassetteError(f"{path}: not readable JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise CassetteError(f"{path}: not a JSON object")
    return data


def read_directory(directory: Path) -> tuple[CassetteIndex, list[Cassette]]:
    """The index and every probe's cassette of ``directory``, in probe order."""
    index_path = directory / INDEX
    if not index_path.is_file():
        raise CassetteError(
            f"{directory}: no {INDEX}; record one with mcc record --out {directory}"
        )
    index = CassetteIndex.from_dict(_load(index_path), str(index_path))
    if len(index.probes) > MAX_PROBES:
        raise CassetteError(f"{index_path}: more than {MAX_PROBES} probes")
    cassettes = []
    for probe in index.probes:
        path = directory / probe_file(probe)
        cassettes.append(Cassette.from_dict(_load(path), str(path)))
    return index, cassettes


def write_directory(directory: Path, index: CassetteIndex, cassettes: list[Cassette]) -> None:
    """Write the index and each cassette; stale probe files of an earlier recording go."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        keep = {probe_file(c.probe) for c in cassettes} | {INDEX}
        for old in directory.glob("*.json"):
            if old.name not in keep and _is_cassette(old):
                old.unlink()
        for cassette in cassettes:
            (directory / probe_file(cassette.probe)).write_text(
                dumps(cassette.to_dict()), encoding="utf-8"
            )
        (directory / INDEX).write_text(dumps(index.to_dict()), encoding="utf-8")
    except OSError as exc:
        raise CassetteError(f"{directory}: cannot write ({exc.strerror or exc})") from None


def _is_cassette(path: Path) -> bool:
    try:
        return _load(path).get("format") == FORMAT
    except CassetteError:
        return False
