"""``CrmStore``: the embedded CRM in one SQLite file, as one object.

A thin facade over the rooms that do the work: :mod:`crm.db` (the file,
connections, transactions), :mod:`crm.people` (users, leads, the phone
index), :mod:`crm.activities` (call activities and their events),
:mod:`crm.dids` (the DID list and its sync status) and :mod:`crm.passwords`
(the console's password hashes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from connector.phone import PhoneNumber
from crm.activities import ActivityLog
from crm.db import Database
from crm.dids import DidList
from crm.models import (
    Activity,
    CallEvent,
    DidReplaceSummary,
    DidSyncStatus,
    Lead,
    RecordResult,
    UpsertResult,
    User,
)
from crm.passwords import Passwords
from crm.people import People

__all__ = ["CrmStore"]


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
        self.db = Database(path, clock=clock, busy_timeout_ms=busy_timeout_ms)
        self.people = People(self.db, region)
        self.calls = ActivityLog(self.db, self.people)
        self.dids = DidList(self.db, self.people)
        self.passwords = Passwords(self.db)

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self.db.path

    @property
    def region(self) -> str:
        """The region numbers written without a country code are read in."""
        return self.people.region

    # -- the file ------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group writes: all of them or none. Nested uses join the outer transaction."""
        with self.db.transaction() as conn:
            yield conn

    def pragma(self, name: str) -> Any:
        """One PRAGMA value (``journal_mode``, ``foreign_keys``), for diagnostics."""
        return self.db.pragma(name)

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        self.db.close()

    def __enter__(self) -> CrmStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- users and leads -----------------------------------------------------

    def upsert_user(self, user: User) -> UpsertResult:
        """Create or replace the user with ``user.id``."""
        return self.people.upsert_user(user)

    def get_user(self, user_id: str) -> User | None:
        """The user with this id, or None."""
        return self.people.get_user(user_id)

    def users(self) -> list[User]:
        """All users, by id."""
        return self.people.users()

    def find_user_by_phone(self, number: PhoneNumber) -> User | None:
        """The user whose phone is ``number``, or None."""
        return self.people.find_user_by_phone(number)

    def upsert_lead(self, lead: Lead) -> UpsertResult:
        """Create or replace a lead; re-index its numbers; link earlier unknown callers."""
        return self.people.upsert_lead(lead)

    def get_lead(self, lead_id: str) -> Lead | None:
        """The lead with this id, or None."""
        return self.people.get_lead(lead_id)

    def leads(self) -> list[Lead]:
        """All leads, by id."""
        return self.people.leads()

    def find_lead_by_phone(self, number: str | PhoneNumber) -> Lead | None:
        """The lead with this number in any phone field, in any written form."""
        return self.people.find_lead_by_phone(number)

    def search_leads(self, text: str, *, limit: int = 50) -> list[Lead]:
        """Leads whose name or id holds ``text`` (case-insensitive), at most ``limit``."""
        return self.people.search_leads(text, limit=limit)

    # -- console passwords ---------------------------------------------------

    def set_password(self, user_id: str, password: str) -> None:
        """Store a salted hash of the user's console password (``CrmStoreError`` if refused)."""
        self.passwords.set(user_id, password)

    def check_password(self, user_id: str, password: str) -> bool:
        """True when ``password`` is the user's console password."""
        return self.passwords.check(user_id, password)

    # -- activities ----------------------------------------------------------

    def record_call_activity(self, event: CallEvent) -> RecordResult:
        """Add what ``event`` says about a call to its activity; create it if new."""
        return self.calls.record(event)

    def activities(self, lead_id: str | None = None) -> list[Activity]:
        """Activities, newest call first; only the lead's when ``lead_id`` is given."""
        return self.calls.activities(lead_id)

    def get_activity(self, activity_id: int) -> Activity | None:
        """One activity by id, or None."""
        return self.calls.get(activity_id)

    def get_activity_by_call_id(
        self, provider_call_id: str, provider: str | None = None
    ) -> Activity | None:
        """The activity of a provider call (UCID, CallSessionId, ...), or None.

        Call ids are unique per provider: pass ``provider`` (``knowlarity``,
        or a config name) when two providers may share the id; without it a
        shared id is a ``CrmError`` naming the providers.
        """
        return self.calls.get_by_call_id(provider_call_id, provider)

    # -- DIDs ----------------------------------------------------------------

    def replace_dids(self, numbers: Iterable[str], synced_at: datetime) -> DidReplaceSummary:
        """Replace the DID list in one step and mark the sync good."""
        return self.dids.replace(numbers, synced_at)

    def did_set(self) -> frozenset[str]:
        """The synced DIDs in E.164."""
        return self.dids.numbers()

    def record_did_sync_failure(self, reason: str, at: datetime) -> None:
        """Note a failed sync; the last good DID list stays in use."""
        self.dids.record_failure(reason, at)

    def did_sync_status(self) -> DidSyncStatus:
        """When the DID list was last synced and tried, and the last error."""
        return self.dids.status()
