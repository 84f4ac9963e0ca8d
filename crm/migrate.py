"""Schema migrations for the CRM store: numbered ``.sql`` files applied in order.

Each file in ``crm/migrations/`` is named ``NNNN_what.sql``. The
database remembers the highest applied number in ``schema_version``; a
migration and its version bump run in one transaction, so a crash leaves the
database at the previous version, never half-migrated. Running the migrations
again is a no-op.

A migration that rebuilds a table (SQLite cannot drop a column's UNIQUE) says
``-- mcc: foreign_keys off`` on a line of its own: it then runs with foreign
keys off (SQLite's own recipe for such changes: dropping the old table must
not cascade to the rows that refer to it), and ``PRAGMA foreign_key_check``
must come back empty before it commits.

Migrations may call the SQL functions :data:`SQL_FUNCTIONS` registers on the
connection (``strip_credentials(url)``, ``scrub_event(json)``): a rule that
only Python knows (which query parameters are credentials) is applied to
rows written before it existed, in the same transaction as the version bump.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from connector.redaction import ScrubbedRecord, strip_credentials
from crm.errors import SchemaVersionError

__all__ = [
    "SQL_FUNCTIONS",
    "Migration",
    "SchemaVersionError",
    "apply_migrations",
    "current_version",
    "load_migrations",
]

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_FOREIGN_KEYS_OFF = re.compile(r"(?m)^--\s*mcc:\s*foreign_keys off\s*$")


#: What SQLite hands a Python function and takes back.
SqlValue = str | bytes | int | float | None


def _strip_url(value: SqlValue) -> SqlValue:
    """``strip_credentials`` for SQL: a text URL without its credential part; else as given."""
    return strip_credentials(value) if isinstance(value, str) else value


def _scrub_event(value: SqlValue) -> SqlValue:
    """A stored event's JSON scrubbed with today's rules (its ``raw`` and ``recording_url``).

    Anything that is not an event's JSON comes back as given: a function that
    raised would fail the whole migration over one odd row.
    """
    if not isinstance(value, str):
        return value
    try:
        event = json.loads(value)
    except ValueError:
        return value
    if not isinstance(event, dict):
        return value
    scrubbed = dict(event)
    if isinstance(raw := event.get("raw"), dict):
        scrubbed["raw"] = ScrubbedRecord(raw).to_dict()
    if isinstance(url := event.get("recording_url"), str):
        scrubbed["recording_url"] = strip_credentials(url)
    # Unchanged rows keep their exact text (and are not rewritten).
    return value if scrubbed == event else json.dumps(scrubbed)


#: Python functions migrations call from SQL, by name (one argument each).
SQL_FUNCTIONS: dict[str, Callable[[SqlValue], SqlValue]] = {
    "strip_credentials": _strip_url,
    "scrub_event": _scrub_event,
}


@dataclass(frozen=True)
class Migration:
    """One numbered migration file."""

    version: int
    name: str
    sql: str

    @property
    def foreign_keys_off(self) -> bool:
        """True for a migration that rebuilds a table (it runs with foreign keys off)."""
        return _FOREIGN_KEYS_OFF.search(self.sql) is not None


def load_migrations() -> list[Migration]:
    """The migrations shipped with the package, in version order."""
    found: list[Migration] = []
    for entry in resources.files("crm").joinpath("migrations").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _NAME.match(entry.name)
        if not match:
            raise SchemaVersionError(
                f"migration file {entry.name!r} must be named NNNN_what.sql"
                " (e.g. 0002_add_tags.sql)"
            )
        found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise SchemaVersionError(
            f"migration numbers must run 1, 2, 3, ... without gaps: {versions}"
        )
    return found


def _statements(sql: str) -> list[str]:
    """Split a script into statements (``executescript`` would commit on its own)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise SchemaVersionError(f"migration ends with an unfinished statement: {buffer.strip()!r}")
    return statements


def current_version(conn: sqlite3.Connection) -> int:
    """The applied schema version (0 for a new database)."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def apply_migrations(
    conn: sqlite3.Connection, migrations: list[Migration] | None = None
) -> list[int]:
    """Apply every migration newer than the database; return the versions applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``): this
    function opens and commits its own transactions.
    """
    todo = load_migrations() if migrations is None else migrations
    for name, function in SQL_FUNCTIONS.items():
        conn.create_function(name, 1, function, deterministic=True)
    known = max((m.version for m in todo), default=0)
    applied: list[int] = []
    for migration in todo:
        if migration.version <= current_version(conn) <= known:
            continue  # applied before (checked again below, under the write lock)
        restore_foreign_keys = None
        if migration.foreign_keys_off:
            # Only outside a transaction does this pragma take effect.
            restore_foreign_keys = int(conn.execute("PRAGMA foreign_keys").fetchone()[0])
            conn.execute("PRAGMA foreign_keys = OFF")
        try:
            if _apply(conn, migration, known):
                applied.append(migration.version)
        finally:
            if restore_foreign_keys is not None:
                conn.execute(f"PRAGMA foreign_keys = {restore_foreign_keys}")
    return applied


def _apply(conn: sqlite3.Connection, migration: Migration, known: int) -> bool:
    """Run one migration and its version bump in one transaction; False if it ran before."""
    # BEGIN IMMEDIATE makes one process the writer; another that opened the
    # same file waits (busy_timeout), then sees the new version and skips.
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = current_version(conn)
        if version > known:
            raise SchemaVersionError(
                f"the CRM database is at schema version {version}, newer than this"
                f" program knows ({known}); upgrade mcc or use another --db file"
            )
        ran = migration.version > version
        if ran:
            for statement in _statements(migration.sql):
                conn.execute(statement)
            if migration.foreign_keys_off:
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise SchemaVersionError(
                        f"migration {migration.name} would leave {len(broken)} row(s) referring"
                        " to rows that do not exist; nothing was changed"
                    )
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (migration.version, datetime.now(UTC).isoformat()),
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ran
