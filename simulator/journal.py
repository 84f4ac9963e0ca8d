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
from functools import lru_cache
from typing import Any

from simulator.redaction import REDACTED, SECRET_NAMES, redact_mapping, redact_text

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
_KEPT_SET = frozenset(KEPT_HEADERS)
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


@lru_cache(maxsize=1024)
def _secret_name(key: str) -> bool:
    # Cached: the same few parameter names come in on every request.
    return key.lower() in SECRET_NAMES


def _bounded(values: Mapping[str, Any]) -> tuple[dict[str, str], int, bool]:
    """A redacted copy cut to size, the text it holds (an upper bound of its JSON),
    and whether its keys are the mapping's own (nothing cut or dropped).

    This runs on every provider request. The usual mapping (a few short string
    values, no ``name=value`` inside one) is copied whole, its secret-named
    values replaced, and measured in one go; any other is walked pair by pair.
    """
    if len(values) <= MAX_ITEMS:
        try:
            joined = "".join(values.values())
        except TypeError:  # a value that is not a string: walked (and made one)
            return _bounded_walk(values)
        if len(joined) <= MAX_VALUE_CHARS and "=" not in joined:
            plan = _key_plan(tuple(values))
            if plan is not None:
                secrets, keys_size = plan
                kept = dict(values)
                size = 2 + keys_size + len(joined) + _PAIR_OVERHEAD * len(kept)
                for key in secrets:
                    value = kept[key]
                    if value:
                        kept[key] = REDACTED
                        size += len(REDACTED) - len(value)
                return kept, size, True
    return _bounded_walk(values)


@lru_cache(maxsize=256)
def _key_plan(keys: tuple[str, ...]) -> tuple[tuple[str, ...], int] | None:
    """The secret-named keys and the keys' total length; None if a key must be cut.

    Cached: the same few sets of parameter names come in on every request.
    """
    if any(len(key) > MAX_KEY_CHARS for key in keys):
        return None
    return tuple(key for key in keys if _secret_name(key)), sum(map(len, keys))


def _bounded_walk(values: Mapping[str, Any]) -> tuple[dict[str, str], int, bool]:
    """:func:`_bounded` pair by pair: cuts long keys and values, drops items past the limit."""
    kept: dict[str, str] = {}
    size = 2
    exact = True
    for index, (key, value) in enumerate(values.items()):
        if index == MAX_ITEMS:
            kept["…"] = f"[{len(values) - MAX_ITEMS} more dropped]"
            size += 40
            exact = False
            break
        text = value if isinstance(value, str) else str(value)
        if text:
            if _secret_name(key):
                text = REDACTED
            elif "=" in text:
                text = redact_text(text)
        name = key
        if len(name) > MAX_KEY_CHARS:
            name = truncated(name, MAX_KEY_CHARS)
            size += 10
            exact = False
        if len(text) > MAX_VALUE_CHARS:
            text = truncated(text)
            size += 10
        kept[name] = text
        size += len(name) + len(text) + _PAIR_OVERHEAD
    return kept, size, exact


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


# What the ring holds per request: a tuple (cheaper to make and to keep than an
# object); JournalEntry objects are made from it only when someone reads. Every
# object an entry keeps is one more for the garbage collector to walk until the
# entry drops out, so an entry keeps as few as it can: no query of its own when
# every parameter came in the query (a plain GET), and None for an empty
# mapping.
_Record = tuple[
    int,  # id
    datetime,  # time
    str,  # method
    str,  # path
    str,  # operation
    # query: a mapping, the names of params that came in it (() for none), or _ALL_PARAMS
    dict[str, str] | tuple[str, ...] | None,
    dict[str, str] | None,  # params (None: none)
    dict[str, str] | None,  # headers (None: none)
    int,  # status
    tuple[str, ...],  # flags
    int,  # size
]

#: The query of an entry whose parameters all came in the query (the usual GET).
_ALL_PARAMS = None


def _query_of(names: tuple[str, ...], params: Mapping[str, str]) -> dict[str, str]:
    return {name: params[name] for name in names if name in params}


def _entry(record: _Record) -> JournalEntry:
    entry_id, time, method, path, operation, query, params, headers, status, flags, size = record
    kept = params if params is not None else {}
    return JournalEntry(
        id=entry_id,
        time=time,
        method=method,
        path=path,
        operation=operation,
        # names: the values are the entry's params
        query=(
            dict(kept)
            if query is _ALL_PARAMS
            else _query_of(query, kept)
            if isinstance(query, tuple)
            else query
        ),
        params=kept,
        headers=headers if headers is not None else {},
        status=status,
        flags=flags,
        size=size,
    )


class Journal:
    """A thread-safe ring of entries; the oldest drop out beyond ``size`` or ``max_bytes``.

    Each request adds one small record (values already redacted and cut, so
    nothing secret or unbounded is ever held); the :class:`JournalEntry`
    objects and their JSON are made when someone reads the journal.
    """

    def __init__(self, size: int = 1000, max_bytes: int = 8 * 1024 * 1024) -> None:
        self._entries: deque[_Record] = deque(maxlen=size)
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
        headers: Iterable[tuple[str, str]] | None,
        status: int,
        flags: Iterable[str] = (),
        query_names: Iterable[str] = (),
        query_is_params: bool = False,
    ) -> int:
        """Add an entry (secrets redacted and values cut here, whatever the caller passed).

        ``query_names`` names query parameters whose values are those in
        ``params`` (the app's merged parameters, where the query wins): the
        entry keeps only their names, and the query is rebuilt when read.
        ``query_is_params`` says that every parameter came in the query (a
        request without a body), as ``query_names=params.keys()`` would.
        Returns the entry's id.
        """
        kept_params: dict[str, str] | None = None
        params_size, exact = 2, True
        if params:
            kept_params, params_size, exact = _bounded(params)
        kept_query: dict[str, str] | tuple[str, ...] | None
        if query_is_params and exact and not query:
            # The usual GET: the query is the params, kept once.
            kept_query, query_size = _ALL_PARAMS, params_size
        else:
            kept_query, query_size = self._query(
                query, params.keys() if query_is_params else query_names, kept_params, params_size
            )
        kept_headers: dict[str, str] | None = None
        headers_size = 2
        if headers:
            wanted = {k.lower(): v for k, v in headers}
            if not wanted.keys() <= _KEPT_SET:
                wanted = {k: v for k, v in wanted.items() if k in _KEPT_SET}
            if wanted:
                kept_headers, headers_size, _ = _bounded(wanted)
        if len(path) > MAX_VALUE_CHARS:
            path = truncated(path, MAX_VALUE_CHARS)
        if len(operation) > MAX_KEY_CHARS:
            operation = truncated(operation, MAX_KEY_CHARS)
        unique_flags: tuple[str, ...] = ()
        flags_size = 0
        if flags:
            unique_flags = tuple(dict.fromkeys(truncated(f, MAX_KEY_CHARS) for f in flags))
            flags_size = sum(len(f) + 3 for f in unique_flags)
        size = (
            _ENTRY_OVERHEAD
            + query_size
            + params_size
            + headers_size
            + len(path)
            + len(operation)
            + flags_size
        )
        entries = self._entries
        with self._lock:
            entry_id = next(self._ids)
            if len(entries) == entries.maxlen:
                self._bytes -= entries[0][-1]  # append() drops it
            entries.append(
                (
                    entry_id,
                    time,
                    method[:16],
                    path,
                    operation,
                    kept_query,
                    kept_params,
                    kept_headers,
                    status,
                    unique_flags,
                    size,
                )
            )
            self._bytes += size
            while self._bytes > self._max_bytes and len(entries) > 1:
                self._bytes -= entries.popleft()[-1]
        return entry_id

    @staticmethod
    def _query(
        query: Mapping[str, str],
        query_names: Iterable[str],
        kept_params: dict[str, str] | None,
        params_size: int,
    ) -> tuple[dict[str, str] | tuple[str, ...] | None, int]:
        """What an entry keeps of its query, and the text that holds."""
        names = tuple(query_names)
        if len(names) > MAX_ITEMS or (names and max(map(len, names)) > MAX_KEY_CHARS):
            names = tuple(truncated(n, MAX_KEY_CHARS) for n in names[:MAX_ITEMS])
        params = kept_params if kept_params is not None else {}
        if query:
            kept_query, query_size, _ = _bounded(query)
            if names:  # both given: the names' values join the mapping now
                kept_query = {**_query_of(names, params), **kept_query}
            return kept_query, query_size
        if not names:
            return (), 2  # no query: no names (a shared empty tuple)
        # Each named pair is one of the params' pairs: their text bounds it.
        return (_ALL_PARAMS if names == tuple(params) else names), params_size

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
            found = [e for e in found if e[3] == path]
        if method:
            found = [e for e in found if e[2] == method.upper()]
        if operation:
            found = [e for e in found if e[4] == operation]
        if flagged is not None:
            found = [e for e in found if bool(e[9]) == flagged]
        if limit is not None:
            found = found[-limit:] if limit > 0 else []
        return [_entry(e) for e in found]

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
