"""Call activities: every event learnt about a call, folded into one activity.

Events with the same key build one activity. The key is the provider call id
and its call-log family (``call_log_format``: ``ozonetel``, ``generic``,
``knowlarity``), because call ids are unique per provider, not globally. An
event whose family is unknown (a click-to-call attempt from a config that
does not say) pairs with the one activity of its call id; an activity whose
family is unknown takes the family of the first call log that pairs with it
(migration 0003).

An event already recorded changes nothing; what the activity shows is
``fold_events`` of all its events, so delivery order does not matter. The
fold is kept open beside the row (``fold_state``, migration 0004: the rank of
the event each field came from), so a delivery folds in its one new event
and never re-reads the earlier ones: its cost does not grow with the call's
event count. ``activity_events`` keeps, per call, the first event, the
click-to-call attempt and the latest ones, ``EVENTS_KEPT`` in all;
``events_seen`` counts every distinct event. A duplicate of a kept event is
found by digest; one of a dropped event is kept again as the latest and
counted, and changes nothing (folding is idempotent). Each event row keeps its
``source`` and provider call id as indexed columns (migration 0002), so a
refused click-to-call and the provider's record of the same dial pair up by
column, not by searching event JSON.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from connector.calllog import CallStatus, Direction
from connector.redaction import ScrubbedRecord
from crm.db import Database, iso, when
from crm.errors import CrmError, CrmStoreError
from crm.models import (
    Activity,
    CallEvent,
    Fold,
    RecordResult,
    UpsertResult,
    call_log_family,
    stored_number,
)
from crm.people import People

__all__ = ["EVENTS_KEPT", "PAIRING_WINDOW", "ActivityLog"]

# Events kept per call in activity_events: the first and the latest ones (a
# click-to-call attempt is kept too). The activity itself never needs them.
EVENTS_KEPT = 10

# How far apart the click-to-call attempt and the provider's record of the same
# refused dial may start and still be one call (provider clocks drift, IST/UTC).
PAIRING_WINDOW = timedelta(minutes=10)
_COLUMNS = (
    "lead_id",
    "user_id",
    "direction",
    "status",
    "dnd",
    "duration_s",
    "call_duration_s",
    "started_at",
    "ended_at",
    "recording_url",
    "disposition",
    "agent",
    "agent_phone",
    "did",
    "customer_number",
    "provider",
    "provider_call_id",
    "message",
    "raw",
    "attempts",
)
_COLUMN_LIST = ", ".join(_COLUMNS)


def _state(fold: Fold) -> str:
    return json.dumps(fold.ranks_json(), sort_keys=True, separators=(",", ":"))


def _activity(row: sqlite3.Row) -> Activity:
    return Activity(
        id=row["id"],
        lead_id=row["lead_id"],
        user_id=row["user_id"],
        direction=Direction(row["direction"]),
        status=CallStatus(row["status"]),
        dnd=bool(row["dnd"]),
        duration_s=row["duration_s"],
        call_duration_s=row["call_duration_s"],
        started_at=when(row["started_at"]),
        ended_at=when(row["ended_at"]),
        recording_url=row["recording_url"],
        disposition=row["disposition"],
        agent=row["agent"],
        agent_phone=stored_number(row["agent_phone"]),
        did=row["did"],
        customer_number=stored_number(row["customer_number"]),
        provider=row["provider"],
        provider_call_id=row["provider_call_id"],
        message=row["message"],
        raw=ScrubbedRecord.trusted(json.loads(row["raw"])),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        call_log_format=row["call_log_format"],
        attempts=row["attempts"],
    )


class ActivityLog:
    """The call activities of the CRM's leads (and of unknown callers)."""

    def __init__(self, db: Database, people: People) -> None:
        self._db = db
        self._people = people

    def record(self, event: CallEvent) -> RecordResult:
        """Add what ``event`` says about a call to its activity; create it if new.

        The lead is the event's own ``lead_id`` or the lead holding the
        customer number. Reads one activity row and writes it, whatever the
        number of events the call had before.
        """
        now = self._db.now()
        payload = json.dumps(event.to_json(), sort_keys=True, default=str)
        with self._db.transaction() as conn:
            row = self._same_call(conn, event)
            if row is None:
                row = self._counterpart(conn, event)
            if row is None:
                fold = Fold().add(event)
                columns = self._values(fold.result())
                try:
                    cursor = conn.execute(
                        f"INSERT INTO activities ({_COLUMN_LIST}, call_log_format, fold_state,"
                        f" events_seen, created_at, updated_at)"
                        f" VALUES ({', '.join('?' * (len(columns) + 5))})",
                        (*columns, event.call_log_format, _state(fold), 1, now, now),
                    )
                except sqlite3.IntegrityError as exc:
                    raise CrmStoreError(
                        f"lead {event.lead_id!r} or user {event.user_id!r} is not in the CRM"
                        " store; import it first"
                    ) from exc
                activity_id = int(cursor.lastrowid or 0)
                self._add_event(conn, activity_id, event, payload, now)
                return RecordResult(activity_id, UpsertResult.CREATED, columns[0])
            activity_id = int(row["id"])
            if not self._add_event(conn, activity_id, event, payload, now):
                return RecordResult(activity_id, UpsertResult.UNCHANGED, row["lead_id"])
            fold = self._stored_fold(conn, row).add(event)
            columns = self._values(fold.result(), keep_lead=row["lead_id"])
            family = row["call_log_format"] or event.call_log_format  # set once, never changed
            seen = int(row["events_seen"]) + 1
            if seen > EVENTS_KEPT:
                self._trim(conn, activity_id)
            if columns == tuple(row[name] for name in _COLUMNS):
                conn.execute(
                    "UPDATE activities SET call_log_format = ?, fold_state = ?, events_seen = ?"
                    " WHERE id = ?",
                    (family, _state(fold), seen, activity_id),
                )
                return RecordResult(activity_id, UpsertResult.UNCHANGED, row["lead_id"])
            assignments = ", ".join(f"{name} = ?" for name in _COLUMNS)
            conn.execute(
                f"UPDATE activities SET {assignments}, call_log_format = ?, fold_state = ?,"
                " events_seen = ?, updated_at = ? WHERE id = ?",
                (*columns, family, _state(fold), seen, now, activity_id),
            )
            return RecordResult(activity_id, UpsertResult.UPDATED, columns[0])

    @staticmethod
    def _stored_fold(conn: sqlite3.Connection, row: sqlite3.Row) -> Fold:
        """The activity's open fold: its row and ranks, or (before 0004) its events once."""
        if row["fold_state"] is None:
            fold = Fold()
            for stored in conn.execute(
                "SELECT event FROM activity_events WHERE activity_id = ?", (row["id"],)
            ):
                fold = fold.add(CallEvent.from_json(json.loads(stored["event"])))
            return fold
        fields = {
            "direction": Direction(row["direction"]),
            "status": CallStatus(row["status"]),
            "provider": row["provider"],
            "provider_call_id": row["provider_call_id"],
            "duration_s": row["duration_s"],
            "call_duration_s": row["call_duration_s"],
            "started_at": when(row["started_at"]),
            "ended_at": when(row["ended_at"]),
            "recording_url": row["recording_url"],
            "disposition": row["disposition"],
            "agent": row["agent"],
            "agent_phone": stored_number(row["agent_phone"]),
            "did": row["did"],
            "customer_number": stored_number(row["customer_number"]),
            "message": row["message"],
            "raw": ScrubbedRecord.trusted(json.loads(row["raw"])),
            "attempts": row["attempts"],
        }
        return Fold.from_stored(fields, bool(row["dnd"]), json.loads(row["fold_state"]))

    @staticmethod
    def _trim(conn: sqlite3.Connection, activity_id: int) -> None:
        """Keep the first event, click-to-call attempts and the latest; drop the middle."""
        conn.execute(
            "DELETE FROM activity_events WHERE id IN ("
            " SELECT id FROM activity_events WHERE activity_id = ?1"
            " AND source IS NOT 'click_to_call'"
            " AND id > (SELECT MIN(id) FROM activity_events WHERE activity_id = ?1)"
            " ORDER BY id DESC LIMIT -1 OFFSET ?2)",
            (activity_id, EVENTS_KEPT - 1),
        )

    @staticmethod
    def _same_call(conn: sqlite3.Connection, event: CallEvent) -> sqlite3.Row | None:
        """The activity with the event's key: its call id in its family.

        A known family matches itself, else an activity of that call id whose
        family is unknown. An unknown family matches the activity of that call
        id whose family is unknown too, else the one activity of that call id
        (when two families share the id, it cannot choose: a new activity).
        """
        call_id = event.provider_call_id
        if call_id is None:
            return None
        row: sqlite3.Row | None
        if event.call_log_format is not None:
            row = conn.execute(
                "SELECT * FROM activities WHERE provider_call_id = ? AND call_log_format = ?",
                (call_id, event.call_log_format),
            ).fetchone()
            if row is not None:
                return row
        row = conn.execute(
            "SELECT * FROM activities WHERE provider_call_id = ? AND call_log_format IS NULL"
            " ORDER BY id LIMIT 1",
            (call_id,),
        ).fetchone()
        if row is not None or event.call_log_format is not None:
            return row
        rows = conn.execute(
            "SELECT * FROM activities WHERE provider_call_id = ? ORDER BY id LIMIT 2", (call_id,)
        ).fetchall()
        return rows[0] if len(rows) == 1 else None

    @staticmethod
    def _counterpart(conn: sqlite3.Connection, event: CallEvent) -> sqlite3.Row | None:
        """The other half of one outbound call whose halves share no call id.

        A refused click-to-call (DND, failed dial) gets no call id from the
        provider, yet the provider's callback for that dial carries one; without
        this the lead would show two failed calls for one tap. Halves pair up
        when they are for the same customer number within ``PAIRING_WINDOW``,
        whichever arrives first.
        """
        if event.direction != Direction.OUTBOUND or event.started_at is None:
            return None
        if event.customer_number is None:
            return None
        low = iso(event.started_at - PAIRING_WINDOW, "started_at")
        high = iso(event.started_at + PAIRING_WINDOW, "started_at")
        if event.source == "callback" and event.provider_call_id is not None:
            # An attempt recorded without a call id: only click-to-call writes those.
            where = "provider_call_id IS NULL"
        elif event.source == "click_to_call" and event.provider_call_id is None:
            # A callback that came first for a refused dial, not yet paired.
            where = (
                "provider_call_id IS NOT NULL AND status = 'failed' AND user_id IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM activity_events e WHERE e.activity_id ="
                " activities.id AND e.source = 'click_to_call')"
            )
        else:
            return None
        query = (
            f"SELECT * FROM activities WHERE {where} AND direction = 'outbound'"
            " AND customer_number = ? AND started_at BETWEEN ? AND ?"
        )
        params: tuple[str | None, ...] = (event.customer_number.e164, low, high)
        if event.call_log_format is not None:
            # Never pair halves that two different providers reported.
            query += " AND (call_log_format IS NULL OR call_log_format = ?)"
            params += (event.call_log_format,)
        row: sqlite3.Row | None = conn.execute(
            query + " ORDER BY started_at DESC, id DESC LIMIT 1", params
        ).fetchone()
        return row

    @staticmethod
    def _add_event(
        conn: sqlite3.Connection,
        activity_id: int,
        event: CallEvent,
        payload: str,
        now: str,
    ) -> bool:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO activity_events"
            " (activity_id, digest, event, received_at, source, provider_call_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (activity_id, event.digest, payload, now, event.source, event.provider_call_id),
        )
        return cursor.rowcount == 1

    def _values(self, folded: dict[str, Any], keep_lead: str | None = None) -> tuple[Any, ...]:
        lead_id = folded["lead_id"] or keep_lead
        customer = folded.get("customer_number")
        if lead_id is None and customer is not None:
            lead = self._people.find_lead_by_phone(customer)
            lead_id = lead.id if lead else None
        agent_phone = folded.get("agent_phone")
        user_id = folded["user_id"]
        if user_id is None and (folded.get("agent") or agent_phone is not None):
            # A call log names its agent (AgentID, UserId, the agent's number):
            # the CRM user who is that agent owns the activity.
            user = self._people.find_user_for_agent(folded.get("agent"), agent_phone)
            user_id = user.id if user else None
        raw: ScrubbedRecord = folded["raw"]
        return (
            lead_id,
            user_id,
            str(folded["direction"]),
            str(folded["status"]),
            int(folded["dnd"]),
            int(folded.get("duration_s") or 0),
            folded.get("call_duration_s"),
            iso(folded.get("started_at"), "started_at"),
            iso(folded.get("ended_at"), "ended_at"),
            folded.get("recording_url"),
            folded.get("disposition"),
            folded.get("agent"),
            agent_phone.e164 if agent_phone is not None else None,
            folded.get("did"),
            customer.e164 if customer is not None else None,
            folded.get("provider"),
            folded.get("provider_call_id"),
            folded.get("message"),
            json.dumps(raw.to_dict(), sort_keys=True, default=str),
            folded.get("attempts"),
        )

    def activities(self, lead_id: str | None = None) -> list[Activity]:
        """Activities, newest call first; only the lead's when ``lead_id`` is given."""
        query = "SELECT * FROM activities"
        params: tuple[str, ...] = ()
        if lead_id is not None:
            query += " WHERE lead_id = ?"
            params = (lead_id,)
        query += " ORDER BY COALESCE(started_at, created_at) DESC, id DESC"
        return [_activity(r) for r in self._db.conn().execute(query, params)]

    def get(self, activity_id: int) -> Activity | None:
        """One activity by id, or None."""
        row = (
            self._db.conn()
            .execute("SELECT * FROM activities WHERE id = ?", (activity_id,))
            .fetchone()
        )
        return None if row is None else _activity(row)

    def get_by_call_id(self, provider_call_id: str, provider: str | None = None) -> Activity | None:
        """The activity of a provider call (UCID, CallSessionId, ...), or None.

        Call ids are unique per provider: ``provider`` (a call-log family such
        as ``knowlarity``, or a config name such as ``ozonetel_phone_manual_dial``)
        picks among calls that share an id. Without it, the one activity with
        that call id; two or more are a ``CrmError`` that names their providers.
        """
        conn = self._db.conn()
        if provider is not None:
            family = call_log_family(provider) or provider
            row = conn.execute(
                "SELECT * FROM activities WHERE provider_call_id = ?"
                " AND (call_log_format = ? OR call_log_format IS NULL)"
                " ORDER BY call_log_format IS NULL, id LIMIT 1",
                (provider_call_id, family),
            ).fetchone()
            return None if row is None else _activity(row)
        rows = conn.execute(
            "SELECT * FROM activities WHERE provider_call_id = ? ORDER BY id LIMIT 10",
            (provider_call_id,),
        ).fetchall()
        if len(rows) > 1:
            families = sorted({r["call_log_format"] or "unknown" for r in rows})
            raise CrmError(
                f"call id {provider_call_id!r} belongs to {len(rows)} calls"
                f" ({', '.join(families)}); pass the provider to choose one"
            )
        return _activity(rows[0]) if rows else None
