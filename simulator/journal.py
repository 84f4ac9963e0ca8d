"""The journal: a bounded record of the requests that reached provider routes.

Tests and the conformance runner read it (``GET /_sim/journal``) to see what a
connector really sent. Secrets never enter it: parameters and headers whose
name says "key", "token", "secret", "password", "signature" or
"authorization" are stored as ``***``, and so are such parameters inside a
value (a per-call ``callback_url=https://crm.example/calllog?token=...``; see
:mod:`simulator.redaction`). Flags mark what a provider would have choked on
(``unresolved_token``, ``null_value``) and which fault answered
(``fault:reset``).

It is bounded twice: in entries (``journal_size``) and in text
(``journal_bytes``, 8 MiB by default): each stored value is cut at 2,048
characters with a marker (``…[truncated 1997952 characters]``), each mapping
at 100 items, and the oldest entries drop out while the text kept is over
the budget.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.redaction import REDACTED, redact_mapping

__all__ = [
    "MAX_ITEMS",
    "MAX_KEY_CHARS",
    "MAX_VALUE_CHARS",
    "REDACTED",
    "Journal",
    "JournalEntry",
    "redact_mapping",
    "truncated",
]

#: Request headers worth keeping (the rest is noise).
KEPT_HEADERS = ("accept", "authorization", "content-type", "user-agent", "x-api-key")
#: What one stored value, one key and one mapping may hold.
MAX_VALUE_CHARS = 2048
MAX_KEY_CHARS = 128
MAX_ITEMS = 100
#: Text of an entry besides its mappings (id, time, method, status, the JSON around them).
_ENTRY_OVERHEAD = 256
# Each pair costs its quotes, colon and comma in JSON; a marker's "…" is six
# characters once JSON-escaped.
_PAIR_OVERHEAD = 8


def truncated(text: str, most: int = MAX_VALUE_CHARS) -> str:
    """``text`` cut at ``most`` characters, with a marker saying how much was dropped."""
    if len(text) <= most:
        return text
    return f"{text[:most]}…[truncated {len(text) - most} characters]"


def _bounded(values: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """A redacted copy cut to size, and the text it holds (an upper bound of its JSON)."""
    kept: dict[str, Any] = {}
    size = 2
    for index, (key, value) in enumerate(redact_mapping(values).items()):
        if index == MAX_ITEMS:
            kept["…"] = f"[{len(values) - MAX_ITEMS} more dropped]"
            size += 40
            break
        name = truncated(str(key), MAX_KEY_CHARS)
        text = value if isinstance(value, str) else str(value)
        text = truncated(text)
        kept[name] = text
        size += len(name) + len(text) + _PAIR_OVERHEAD + (10 if "…" in name + text else 0)
    return kept, size


@dataclass(frozen=True)
class JournalEntry:
    """One recorded request."""

    id: int
    time: datetime
    method: str
    path: str
    operation: str
    query: Mapping[str, str]
    params: Mapping[str, Any]
    headers: Mapping[str, str]
    status: int
    flags: tuple[str, ...] = field(default=())
    #: Characters of text the entry holds (an upper bound of its JSON for ASCII text).
    size: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "time": self.time.isoformat(),
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "query": dict(self.query),
            "params": dict(self.params),
            "headers": dict(self.headers),
            "status": self.status,
            "flags": list(self.flags),
        }


class Journal:
    """A thread-safe deque of entries; the oldest drop out beyond ``size`` or ``max_bytes``."""

    def __init__(self, size: int = 1000, max_bytes: int = 8 * 1024 * 1024) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._max_bytes = max_bytes
        self._bytes = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        """Characters of text the kept entries hold."""
        with self._lock:
            return self._bytes

    def record(
        self,
        *,
        time: datetime,
        method: str,
        path: str,
        operation: str,
        query: Mapping[str, str],
        params: Mapping[str, Any],
        headers: Iterable[tuple[str, str]],
        status: int,
        flags: Iterable[str] = (),
    ) -> JournalEntry:
        """Add an entry (secrets redacted and values cut here, whatever the caller passed)."""
        kept_query, query_size = _bounded(query)
        kept_params, params_size = _bounded(params)
        kept_headers, headers_size = _bounded(
            {k.lower(): v for k, v in headers if k.lower() in KEPT_HEADERS}
        )
        path = truncated(path, MAX_VALUE_CHARS)
        operation = truncated(operation, MAX_KEY_CHARS)
        unique_flags = tuple(dict.fromkeys(truncated(f, MAX_KEY_CHARS) for f in flags))
        size = (
            _ENTRY_OVERHEAD
            + query_size
            + params_size
            + headers_size
            + len(path)
            + len(operation)
            + sum(len(f) + 3 for f in unique_flags)
        )
        with self._lock:
            entry = JournalEntry(
                id=next(self._ids),
                time=time,
                method=method[:16],
                path=path,
                operation=operation,
                query=kept_query,
                params=kept_params,
                headers=kept_headers,
                status=status,
                flags=unique_flags,
                size=size,
            )
            if len(self._entries) == self._entries.maxlen:
                self._bytes -= self._entries[0].size  # append() drops it
            self._entries.append(entry)
            self._bytes += size
            while self._bytes > self._max_bytes and len(self._entries) > 1:
                self._bytes -= self._entries.popleft().size
        return entry

    def entries(
        self,
        *,
        path: str | None = None,
        method: str | None = None,
        operation: str | None = None,
        flagged: bool | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Entries oldest first, filtered; ``limit`` keeps the newest N."""
        with self._lock:
            found = list(self._entries)
        if path:
            found = [e for e in found if e.path == path]
        if method:
            found = [e for e in found if e.method == method.upper()]
        if operation:
            found = [e for e in found if e.operation == operation]
        if flagged is not None:
            found = [e for e in found if bool(e.flags) == flagged]
        if limit is not None:
            found = found[-limit:] if limit > 0 else []
        return found

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
