"""The embedded CRM store: users, leads, call activities and DIDs in one SQLite file.

The file is created on first use (parent folders too) and migrated to the
current schema (``connector.crm.migrate``). Connections run in WAL mode with
foreign keys on and a busy timeout, one per thread, so the Flask service can
share one ``CrmStore``. Every write runs in a transaction; ``transaction()``
lets a caller group several writes (a whole callback delivery) into one, all
or nothing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from connector.crm.migrate import apply_migrations
from connector.crm.models import (
    Activity,
    CallEvent,
    CallStatus,
    DidReplaceSummary,
    DidSyncStatus,
    Direction,
    Lead,
    RecordResult,
    UpsertResult,
    User,
    event_digest,
    fold_events,
    scrub_secrets,
)
from connector.errors import CrmStoreError, PhoneNumberError
from connector.phone import parse_phone

__all__ = ["CrmStore", "CrmStoreError"]

_PHONE_WORDS = ("phone", "mobile")
_ACTIVITY_COLUMNS = (
    "lead_id, user_id, direction, status, dnd, duration_s, call_duration_s, started_at, "
    "ended_at, recording_url, disposition, agent, agent_phone, did, customer_number, "
    "provider, provider_call_id, message, raw"
)


# How far apart the click-to-call attempt and the provider's record of the same
# refused dial may start and still be one call (provider clocks drift, IST/UTC).
PAIRING_WINDOW = timedelta(minutes=10)


def _iso(value: datetime | None, name: str) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise CrmStoreError(f"{name}: {value.isoformat()} has no time zone; pass an aware datetime")
    return value.astimezone(UTC).isoformat()


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class CrmStore:
    """A CRM in one SQLite file. Thread-safe: each thread gets its own connection."""

    def __init__(
        self,
        path: str | Path,
        *,
        region: str = "IN",
        clock: Callable[[], datetime] | None = None,
        busy_timeout_ms: int = 5000,
    ) -> None:
        self.path = Path(path)
        self.region = region
        self._clock = clock or (lambda: datetime.now(UTC))
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        apply_migrations(self._conn())

    # -- connections and transactions -------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: transactions are ours (BEGIN/COMMIT), not
            # the sqlite3 module's implicit ones, so they nest predictably.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; commits stay atomic
            # 1 MiB page cache per connection (SQLite's default is 2 MiB): the
            # service opens one per waitress thread, and lookups are indexed.
            conn.execute("PRAGMA cache_size = -1024")
            self._local.conn = conn
            self._local.depth = 0
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group writes: all of them or none. Nested uses join the outer transaction."""
        conn = self._conn()
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
        return self._conn().execute(f"PRAGMA {name}").fetchone()[0]

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def __enter__(self) -> CrmStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _now(self) -> str:
        stamp = _iso(self._clock(), "clock")
        assert stamp is not None
        return stamp

    def _e164(self, text: str | None) -> str | None:
        if not text:
            return None
        try:
            return parse_phone(text, self.region).e164
        except PhoneNumberError:
            return None

    # -- users and leads ---------------------------------------------------

    def upsert_user(self, user: User) -> UpsertResult:
        """Create or replace the user with ``user.id``."""
        values = (user.name, user.email, user.phone, json.dumps(dict(user.fields), sort_keys=True))
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT name, email, phone, fields FROM users WHERE id = ?", (user.id,)
            ).fetchone()
            if row is not None and tuple(row) == values:
                return UpsertResult.UNCHANGED
            now = self._now()
            conn.execute(
                "INSERT INTO users (id, name, email, phone, fields, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " email = excluded.email, phone = excluded.phone, fields = excluded.fields,"
                " updated_at = excluded.updated_at",
                (user.id, *values, now, now),
            )
        return UpsertResult.CREATED if row is None else UpsertResult.UPDATED

    def get_user(self, user_id: str) -> User | None:
        """The user with this id, or None."""
        row = self._conn().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else self._user(row)

    def users(self) -> list[User]:
        """All users, by id."""
        rows = self._conn().execute("SELECT * FROM users ORDER BY id").fetchall()
        return [self._user(r) for r in rows]

    @staticmethod
    def _user(row: sqlite3.Row) -> User:
        return User(row["id"], row["name"], row["email"], row["phone"], json.loads(row["fields"]))

    def _lead_phones(self, lead: Lead) -> list[tuple[str, int, str]]:
        pairs = [("Phone", lead.phone), ("Mobile", lead.mobile)]
        pairs += sorted(
            (name, value)
            for name, value in lead.fields.items()
            if any(word in name.lower() for word in _PHONE_WORDS)
        )
        found = []
        for position, (name, text) in enumerate(pairs):
            e164 = self._e164(text)
            if e164 is not None:
                found.append((name, position, e164))
        return found

    def upsert_lead(self, lead: Lead) -> UpsertResult:
        """Create or replace the lead with ``lead.id`` and re-index its phone fields.

        Activities of unknown callers whose number is one of the lead's are
        linked to it, so history recorded before the lead existed shows up.
        """
        values = (
            lead.first_name,
            lead.last_name,
            lead.phone,
            lead.mobile,
            lead.owner_id,
            json.dumps(dict(lead.fields), sort_keys=True),
        )
        phones = self._lead_phones(lead)
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT first_name, last_name, phone, mobile, owner_id, fields FROM leads"
                " WHERE id = ?",
                (lead.id,),
            ).fetchone()
            if row is not None and tuple(row) == values:
                return UpsertResult.UNCHANGED
            now = self._now()
            conn.execute(
                "INSERT INTO leads (id, first_name, last_name, phone, mobile, owner_id, fields,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,"
                " last_name = excluded.last_name, phone = excluded.phone,"
                " mobile = excluded.mobile, owner_id = excluded.owner_id,"
                " fields = excluded.fields, updated_at = excluded.updated_at",
                (lead.id, *values, now, now),
            )
            conn.execute("DELETE FROM lead_phones WHERE lead_id = ?", (lead.id,))
            conn.executemany(
                "INSERT INTO lead_phones (lead_id, field, position, e164) VALUES (?, ?, ?, ?)",
                [(lead.id, name, position, e164) for name, position, e164 in phones],
            )
            conn.executemany(
                "UPDATE activities SET lead_id = ?, updated_at = ?"
                " WHERE lead_id IS NULL AND customer_number = ?",
                [(lead.id, now, e164) for _, _, e164 in phones],
            )
        return UpsertResult.CREATED if row is None else UpsertResult.UPDATED

    def get_lead(self, lead_id: str) -> Lead | None:
        """The lead with this id, or None."""
        row = self._conn().execute("SELECT * FROM leads WHERE id = ?", (lead_id,)).fetchone()
        return None if row is None else self._lead(row)

    def leads(self) -> list[Lead]:
        """All leads, by id."""
        rows = self._conn().execute("SELECT * FROM leads ORDER BY id").fetchall()
        return [self._lead(r) for r in rows]

    @staticmethod
    def _lead(row: sqlite3.Row) -> Lead:
        return Lead(
            row["id"],
            row["first_name"],
            row["last_name"],
            row["phone"],
            row["mobile"],
            row["owner_id"],
            json.loads(row["fields"]),
        )

    def find_lead_by_phone(self, text: str) -> Lead | None:
        """The lead with this number in any phone field, in any written form.

        ``+91-9876543210``, ``09876543210``, ``919876543210`` and
        ``98765 43210`` all find the same lead. When two leads share a number,
        the one holding it in ``Phone`` wins over ``Mobile``, then the lower id.
        Text that is not a phone number finds nothing.
        """
        e164 = self._e164(text)
        if e164 is None:
            return None
        row = (
            self._conn()
            .execute(
                "SELECT leads.* FROM lead_phones JOIN leads ON leads.id = lead_phones.lead_id"
                " WHERE lead_phones.e164 = ? ORDER BY lead_phones.position, leads.id LIMIT 1",
                (e164,),
            )
            .fetchone()
        )
        return None if row is None else self._lead(row)

    # -- activities --------------------------------------------------------

    def record_call_activity(self, event: CallEvent) -> RecordResult:
        """Add what ``event`` says about a call to its activity; create it if new.

        Events with the same ``provider_call_id`` build one activity; an event
        already recorded changes nothing; what the activity shows is
        ``fold_events`` of all its events, so delivery order does not matter.
        The lead is the event's own ``lead_id`` or the lead holding the
        customer number.
        """
        # Numbers in E.164 whatever form the caller used (flows pass "+91-..."),
        # so lookups and duplicate detection compare like with like.
        event = replace(
            event,
            customer_number=self._e164(event.customer_number) or event.customer_number,
            agent_phone=self._e164(event.agent_phone) or event.agent_phone,
            did=self._e164(event.did) or event.did,
            raw=scrub_secrets(event.raw),
        )
        now = self._now()
        digest = event_digest(event)
        payload = json.dumps(event.to_json(), sort_keys=True, default=str)
        with self.transaction() as conn:
            row = None
            if event.provider_call_id is not None:
                row = conn.execute(
                    "SELECT * FROM activities WHERE provider_call_id = ?",
                    (event.provider_call_id,),
                ).fetchone()
            if row is None:
                row = self._counterpart(conn, event)
            if row is None:
                columns = self._activity_values([event])
                try:
                    cursor = conn.execute(
                        f"INSERT INTO activities ({_ACTIVITY_COLUMNS}, created_at, updated_at)"
                        f" VALUES ({', '.join('?' * (len(columns) + 2))})",
                        (*columns, now, now),
                    )
                except sqlite3.IntegrityError as exc:
                    raise CrmStoreError(
                        f"lead {event.lead_id!r} or user {event.user_id!r} is not in the CRM"
                        " store; import it first"
                    ) from exc
                activity_id = int(cursor.lastrowid or 0)
                self._add_event(conn, activity_id, digest, payload, now)
                return RecordResult(activity_id, UpsertResult.CREATED, columns[0])
            activity_id = int(row["id"])
            if not self._add_event(conn, activity_id, digest, payload, now):
                return RecordResult(activity_id, UpsertResult.UNCHANGED, row["lead_id"])
            events = [
                CallEvent.from_json(json.loads(r["event"]))
                for r in conn.execute(
                    "SELECT event FROM activity_events WHERE activity_id = ?", (activity_id,)
                )
            ]
            columns = self._activity_values(events, keep_lead=row["lead_id"])
            if columns == tuple(row[name] for name in _ACTIVITY_COLUMNS.split(", ")):
                return RecordResult(activity_id, UpsertResult.UNCHANGED, row["lead_id"])
            assignments = ", ".join(f"{name} = ?" for name in _ACTIVITY_COLUMNS.split(", "))
            conn.execute(
                f"UPDATE activities SET {assignments}, updated_at = ? WHERE id = ?",
                (*columns, now, activity_id),
            )
            return RecordResult(activity_id, UpsertResult.UPDATED, columns[0])

    def _counterpart(self, conn: sqlite3.Connection, event: CallEvent) -> sqlite3.Row | None:
        """The other half of one outbound call whose halves share no call id.

        A refused click-to-call (DND, failed dial) gets no call id from the
        provider, yet the provider's callback for that dial carries one; without
        this the lead would show two failed calls for one tap. Halves pair up
        when they are for the same customer number within ``PAIRING_WINDOW``,
        whichever arrives first.
        """
        if event.direction != Direction.OUTBOUND or event.started_at is None:
            return None
        if not event.customer_number:
            return None
        low = _iso(event.started_at - PAIRING_WINDOW, "started_at")
        high = _iso(event.started_at + PAIRING_WINDOW, "started_at")
        if event.source == "callback" and event.provider_call_id is not None:
            # An attempt recorded without a call id: only click-to-call writes those.
            where = "provider_call_id IS NULL"
        elif event.source == "click_to_call" and event.provider_call_id is None:
            # A callback that came first for a refused dial, not yet paired.
            where = (
                "provider_call_id IS NOT NULL AND status = 'failed' AND user_id IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM activity_events e WHERE e.activity_id ="
                ' activities.id AND e.event LIKE \'%"source": "click_to_call"%\')'
            )
        else:
            return None
        row: sqlite3.Row | None = conn.execute(
            f"SELECT * FROM activities WHERE {where} AND direction = 'outbound'"
            " AND customer_number = ? AND started_at BETWEEN ? AND ?"
            " ORDER BY started_at DESC, id DESC LIMIT 1",
            (event.customer_number, low, high),
        ).fetchone()
        return row

    @staticmethod
    def _add_event(
        conn: sqlite3.Connection, activity_id: int, digest: str, payload: str, now: str
    ) -> bool:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO activity_events (activity_id, digest, event, received_at)"
            " VALUES (?, ?, ?, ?)",
            (activity_id, digest, payload, now),
        )
        return cursor.rowcount == 1

    def _activity_values(
        self, events: list[CallEvent], keep_lead: str | None = None
    ) -> tuple[Any, ...]:
        folded = fold_events(events)
        lead_id = folded["lead_id"] or keep_lead
        if lead_id is None and folded.get("customer_number"):
            lead = self.find_lead_by_phone(folded["customer_number"])
            lead_id = lead.id if lead else None
        return (
            lead_id,
            folded["user_id"],
            str(folded["direction"]),
            str(folded["status"]),
            int(folded["dnd"]),
            int(folded.get("duration_s") or 0),
            folded.get("call_duration_s"),
            _iso(folded.get("started_at"), "started_at"),
            _iso(folded.get("ended_at"), "ended_at"),
            folded.get("recording_url"),
            folded.get("disposition"),
            folded.get("agent"),
            folded.get("agent_phone"),
            folded.get("did"),
            folded.get("customer_number"),
            folded.get("provider"),
            folded.get("provider_call_id"),
            folded.get("message"),
            json.dumps(folded["raw"], sort_keys=True, default=str),
        )

    def activities(self, lead_id: str | None = None) -> list[Activity]:
        """Activities, newest call first; only the lead's when ``lead_id`` is given."""
        query = "SELECT * FROM activities"
        params: tuple[str, ...] = ()
        if lead_id is not None:
            query += " WHERE lead_id = ?"
            params = (lead_id,)
        query += " ORDER BY COALESCE(started_at, created_at) DESC, id DESC"
        return [self._activity(r) for r in self._conn().execute(query, params)]

    def get_activity(self, activity_id: int) -> Activity | None:
        """One activity by id, or None."""
        row = (
            self._conn().execute("SELECT * FROM activities WHERE id = ?", (activity_id,)).fetchone()
        )
        return None if row is None else self._activity(row)

    def get_activity_by_call_id(self, provider_call_id: str) -> Activity | None:
        """The activity of a provider call (UCID, CallSessionId, ...), or None."""
        row = (
            self._conn()
            .execute("SELECT * FROM activities WHERE provider_call_id = ?", (provider_call_id,))
            .fetchone()
        )
        return None if row is None else self._activity(row)

    @staticmethod
    def _activity(row: sqlite3.Row) -> Activity:
        created = datetime.fromisoformat(row["created_at"])
        updated = datetime.fromisoformat(row["updated_at"])
        return Activity(
            id=row["id"],
            lead_id=row["lead_id"],
            user_id=row["user_id"],
            direction=Direction(row["direction"]),
            status=CallStatus(row["status"]),
            dnd=bool(row["dnd"]),
            duration_s=row["duration_s"],
            call_duration_s=row["call_duration_s"],
            started_at=_when(row["started_at"]),
            ended_at=_when(row["ended_at"]),
            recording_url=row["recording_url"],
            disposition=row["disposition"],
            agent=row["agent"],
            agent_phone=row["agent_phone"],
            did=row["did"],
            customer_number=row["customer_number"],
            provider=row["provider"],
            provider_call_id=row["provider_call_id"],
            message=row["message"],
            raw=json.loads(row["raw"]),
            created_at=created,
            updated_at=updated,
        )

    # -- DIDs --------------------------------------------------------------

    def replace_dids(self, numbers: Iterable[str], synced_at: datetime) -> DidReplaceSummary:
        """Replace the DID list in one step and mark the sync good.

        Duplicates (in any written form) are stored once; text that is not a
        phone number is skipped and listed in the summary. Readers see the old
        list or the new one, never a mix.
        """
        stamp = _iso(synced_at, "synced_at")
        kept: dict[str, str] = {}
        invalid: list[str] = []
        duplicates = 0
        for number in numbers:
            e164 = self._e164(str(number))
            if e164 is None:
                invalid.append(str(number))
            elif e164 in kept:
                duplicates += 1
            else:
                kept[e164] = str(number).strip()
        with self.transaction() as conn:
            conn.execute("DELETE FROM dids")
            conn.executemany(
                "INSERT INTO dids (e164, number, synced_at) VALUES (?, ?, ?)",
                [(e164, number, stamp) for e164, number in kept.items()],
            )
            conn.execute(
                "UPDATE did_sync SET last_success_at = ?, last_attempt_at = ?, last_error = NULL"
                " WHERE id = 1",
                (stamp, stamp),
            )
        return DidReplaceSummary(len(kept), duplicates, tuple(invalid))

    def did_set(self) -> frozenset[str]:
        """The synced DIDs in E.164, for an O(1) "is this call to our DID?" check."""
        return frozenset(r[0] for r in self._conn().execute("SELECT e164 FROM dids"))

    def record_did_sync_failure(self, reason: str, at: datetime) -> None:
        """Note a failed sync; the last good DID list stays in use."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE did_sync SET last_attempt_at = ?, last_error = ? WHERE id = 1",
                (_iso(at, "at"), reason),
            )

    def did_sync_status(self) -> DidSyncStatus:
        """When the DID list was last synced and tried, and the last error."""
        conn = self._conn()
        row = conn.execute("SELECT * FROM did_sync WHERE id = 1").fetchone()
        count = conn.execute("SELECT COUNT(*) FROM dids").fetchone()[0]
        return DidSyncStatus(
            _when(row["last_success_at"]),
            _when(row["last_attempt_at"]),
            row["last_error"],
            int(count),
        )
