"""The CRM's SQLite file: connections, transactions, migrations, times.

The file is created on first use (parent folders too) and migrated to the
current schema (:mod:`crm.migrate`). Connections run in WAL mode with foreign
keys on and a busy timeout, one per thread, so the Flask service can share one
database. Every write runs in a transaction; ``transaction()`` lets a caller
group several writes (a whole callback delivery) into one, all or nothing.
Times are stored as UTC ISO-8601 text.

A file that cannot be opened (not an SQLite database, a folder that cannot
be written, a path SQLite cannot open) is a ``CrmStoreError`` naming the
path and what to do, never a raw ``sqlite3`` error.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crm.errors import CrmStoreError
from crm.migrate import apply_migrations

__all__ = ["Database", "iso", "when"]


def iso(value: datetime | None, name: str) -> str | None:
    """``value`` as UTC ISO text; a naive time is refused (whose clock would it be?)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise CrmStoreError(f"{name}: {value.isoformat()} has no time zone; pass an aware datetime")
    return value.astimezone(UTC).isoformat()


def when(text: str | None) -> datetime | None:
    """A stored time back as an aware datetime."""
    return datetime.fromisoformat(text) if text else None


def _cannot_open(path: Path, exc: sqlite3.Error) -> CrmStoreError:
    """One line naming the file, why SQLite refused it and what to do."""
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        why = "it is not an SQLite database (or it is damaged); use another file (--db)"
    elif "readonly" in text or "read-only" in text:
        why = "it is read-only; make the file and its folder writable, or use another file (--db)"
    elif "unable to open" in text:
        why = (
            "SQLite cannot open it; check that its folder exists and is writable,"
            " or use another file (--db)"
        )
    elif "locked" in text or "busy" in text:
        why = "another program holds it locked; try again later"
    else:
        why = "use another file (--db)"
    return CrmStoreError(f"cannot open the CRM database {path}: {why} ({text})")


class Database:
    """One SQLite file; thread-safe: each thread gets its own connection."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], datetime] | None = None,
        busy_timeout_ms: int = 5000,
    ) -> None:
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CrmStoreError(
                f"cannot open the CRM database {self.path}: its folder cannot be made"
                f" ({exc.strerror or exc}); use another file (--db)"
            ) from None
        try:
            apply_migrations(self.conn())
        except sqlite3.Error as exc:
            self.close()
            raise _cannot_open(self.path, exc) from None

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: transactions are ours (BEGIN/COMMIT), not
            # the sqlite3 module's implicit ones, so they nest predictably.
            conn = self._open()
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all.append(conn)
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise _cannot_open(self.path, exc) from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; commits stay atomic
            # 1 MiB page cache per connection (SQLite's default is 2 MiB): the
            # service opens one per waitress thread, and lookups are indexed.
            conn.execute("PRAGMA cache_size = -1024")
        except sqlite3.Error as exc:
            conn.close()
            raise _cannot_open(self.path, exc) from None
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group writes: all of them or none. Nested uses join the outer transaction."""
        conn = self.conn()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._unavailable(exc) from exc
        self._local.depth = 1
        try:
            yield conn
        except sqlite3.OperationalError as exc:
            self._rollback(conn)
            raise self._unavailable(exc) from exc
        except BaseException:
            self._rollback(conn)
            raise
        else:
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback(conn)
                raise self._unavailable(exc) from exc
        finally:
            self._local.depth = 0

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:  # some errors (disk full) have rolled back already
            conn.execute("ROLLBACK")

    def _unavailable(self, exc: sqlite3.OperationalError) -> CrmStoreError:
        # Locked past busy_timeout, disk full, read-only file: nothing was
        # written, and trying again later may work (the service answers 503).
        return CrmStoreError(f"the CRM database {self.path} cannot be written now: {exc}")

    def pragma(self, name: str) -> Any:
        """One PRAGMA value (``journal_mode``, ``foreign_keys``), for diagnostics."""
        if not name.isidentifier():
            raise ValueError(f"{name!r} is not a pragma name")
        return self.conn().execute(f"PRAGMA {name}").fetchone()[0]

    def now(self) -> str:
        """The clock's time as stored."""
        stamp = iso(self._clock(), "clock")
        assert stamp is not None
        return stamp

    def close(self) -> None:
        """Close every connection this database opened (in any thread)."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
