"""The journal: a bounded record of the requests that reached provider routes.

Tests and the conformance runner read it (``GET /_sim/journal``) to see what a
connector really sent. Secrets never enter it: parameters and headers whose
name says "key", "token", "secret", "password" or "authorization" are stored
as ``***``, and so are such parameters inside a value (a per-call
``callback_url=https://crm.example/calllog?token=...``). Flags mark what a
provider would have choked on (``unresolved_token``, ``null_value``) and which
fault answered (``fault:reset``).
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["REDACTED", "Journal", "JournalEntry", "redact_mapping"]

REDACTED = "***"
_SECRET_NAMES = frozenset(
    {
        "api_key",
        "apikey",
        "x-api-key",
        "authorization",
        "token",
        "access_token",
        "secret",
        "secretkey",
        "secret_key",
        "accesskey",
        "password",
    }
)
#: Request headers worth keeping (the rest is noise).
KEPT_HEADERS = ("accept", "authorization", "content-type", "user-agent", "x-api-key")


# name=value inside a value (a URL passed as a parameter), names as above.
_NESTED_SECRET = re.compile(
    r"(?i)((?:^|[?&;])(?:" + "|".join(map(re.escape, sorted(_SECRET_NAMES))) + r")=)[^&#\s]+"
)


def _redacted(key: str, value: Any) -> Any:
    if key.lower() in _SECRET_NAMES and value not in ("", None):
        return REDACTED
    if isinstance(value, str) and "=" in value:
        return _NESTED_SECRET.sub(lambda m: m.group(1) + REDACTED, value)
    return value


def redact_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with secret-named keys, and secret parameters inside values, as ``***``."""
    return {key: _redacted(key, value) for key, value in values.items()}


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
    """A thread-safe deque of entries; the oldest drop out beyond ``size``."""

    def __init__(self, size: int = 1000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

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
        """Add an entry (secrets redacted here, whatever the caller passed)."""
        kept = {k.lower(): v for k, v in headers if k.lower() in KEPT_HEADERS}
        with self._lock:
            entry = JournalEntry(
                id=next(self._ids),
                time=time,
                method=method,
                path=path,
                operation=operation,
                query=redact_mapping(query),
                params=redact_mapping(params),
                headers=redact_mapping(kept),
                status=status,
                flags=tuple(dict.fromkeys(flags)),
            )
            self._entries.append(entry)
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

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
