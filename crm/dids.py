"""The DID list (the numbers calls arrive on) and the status of its last sync."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from crm.db import Database, iso, when
from crm.models import DidReplaceSummary, DidSyncStatus
from crm.people import People

__all__ = ["DidList"]


class DidList:
    """The synced DIDs, in E.164, and when the list was last synced or tried."""

    def __init__(self, db: Database, people: People) -> None:
        self._db = db
        self._people = people

    def replace(self, numbers: Iterable[str], synced_at: datetime) -> DidReplaceSummary:
        """Replace the DID list in one step and mark the sync good.

        Duplicates (in any written form) are stored once; text that is not a
        phone number is skipped and listed in the summary. Readers see the old
        list or the new one, never a mix.
        """
        stamp = iso(synced_at, "synced_at")
        kept: dict[str, str] = {}
        invalid: list[str] = []
        duplicates = 0
        for entry in numbers:
            number = self._people.number(str(entry))
            if number is None:
                invalid.append(str(entry))
            elif number.e164 in kept:
                duplicates += 1
            else:
                kept[number.e164] = str(entry).strip()
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM dids")
            conn.executemany(
                "INSERT INTO dids (e164, number, synced_at) VALUES (?, ?, ?)",
                [(e164, written, stamp) for e164, written in kept.items()],
            )
            conn.execute(
                "UPDATE did_sync SET last_success_at = ?, last_attempt_at = ?, last_error = NULL"
                " WHERE id = 1",
                (stamp, stamp),
            )
        return DidReplaceSummary(len(kept), duplicates, tuple(invalid))

    def numbers(self) -> frozenset[str]:
        """The synced DIDs in E.164, for an O(1) "is this call to our DID?" check."""
        return frozenset(r[0] for r in self._db.conn().execute("SELECT e164 FROM dids"))

    def record_failure(self, reason: str, at: datetime) -> None:
        """Note a failed sync; the last good DID list stays in use."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE did_sync SET last_attempt_at = ?, last_error = ? WHERE id = 1",
                (iso(at, "at"), reason),
            )

    def status(self) -> DidSyncStatus:
        """When the DID list was last synced and tried, and the last error."""
        conn = self._db.conn()
        row = conn.execute("SELECT * FROM did_sync WHERE id = 1").fetchone()
        count = conn.execute("SELECT COUNT(*) FROM dids").fetchone()[0]
        return DidSyncStatus(
            when(row["last_success_at"]),
            when(row["last_attempt_at"]),
            row["last_error"],
            int(count),
        )
