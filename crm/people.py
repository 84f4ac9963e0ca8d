"""Users and leads, and the index that finds a lead by any written form of a number.

Every phone field of a lead (``Phone``, ``Mobile``, then custom fields whose
name says phone or mobile) is parsed once, when the lead is written, and kept
in E.164 in ``lead_phones``: "whose number is this?" is one indexed query.
"""

from __future__ import annotations

import json
import sqlite3

from connector.errors import PhoneNumberError
from connector.phone import PhoneNumber, parse_phone
from crm.db import Database
from crm.models import Lead, UpsertResult, User

__all__ = ["People"]


def _user(row: sqlite3.Row) -> User:
    return User(row["id"], row["name"], row["email"], row["phone"], json.loads(row["fields"]))


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


class People:
    """The CRM's users and leads."""

    def __init__(self, db: Database, region: str) -> None:
        self._db = db
        self.region = region

    def number(self, text: str | PhoneNumber | None) -> PhoneNumber | None:
        """``text`` parsed in the CRM's region; None when it is not a number."""
        if text is None or isinstance(text, PhoneNumber):
            return text
        try:
            return parse_phone(text, self.region) if text else None
        except PhoneNumberError:
            return None

    # -- users ---------------------------------------------------------------

    def upsert_user(self, user: User) -> UpsertResult:
        """Create or replace the user with ``user.id``.

        Activities that no user has yet and whose agent is this user (its
        ``TelephonyAgentId`` or id, or its phone) are linked to it, so call
        logs recorded before the user was imported show up as theirs.
        """
        values = (user.name, user.email, user.phone, json.dumps(dict(user.fields), sort_keys=True))
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT name, email, phone, fields FROM users WHERE id = ?", (user.id,)
            ).fetchone()
            if row is not None and tuple(row) == values:
                return UpsertResult.UNCHANGED
            now = self._db.now()
            conn.execute(
                "INSERT INTO users (id, name, email, phone, fields, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " email = excluded.email, phone = excluded.phone, fields = excluded.fields,"
                " updated_at = excluded.updated_at",
                (user.id, *values, now, now),
            )
            agent_ids = {user.id.strip().lower()}
            agent_id = str(user.fields.get("TelephonyAgentId") or "").strip().lower()
            if agent_id:
                agent_ids.add(agent_id)
            phone = self.number(user.phone)
            conn.executemany(
                "UPDATE activities SET user_id = ?, updated_at = ? WHERE user_id IS NULL"
                " AND (lower(trim(agent)) = ? OR agent_phone = ?)",
                [(user.id, now, each, phone.e164 if phone else None) for each in agent_ids],
            )
        return UpsertResult.CREATED if row is None else UpsertResult.UPDATED

    def get_user(self, user_id: str) -> User | None:
        """The user with this id, or None."""
        row = self._db.conn().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else _user(row)

    def users(self) -> list[User]:
        """All users, by id."""
        rows = self._db.conn().execute("SELECT * FROM users ORDER BY id").fetchall()
        return [_user(r) for r in rows]

    def find_user_by_phone(self, number: PhoneNumber) -> User | None:
        """The user whose phone is ``number`` (users are few: a scan is fine), or None."""
        for user in self.users():
            found = self.number(user.phone)
            if found is not None and found == number:
                return user
        return None

    def find_user_for_agent(
        self, agent: str | None, agent_phone: PhoneNumber | None = None
    ) -> User | None:
        """The user a call record's agent is: by agent id, else by the agent's phone.

        ``agent`` (Ozonetel's ``AgentID``, LeadSquared's ``UserId``) matches a
        user's ``TelephonyAgentId`` field, then a user id, trimmed and without
        case; ``agent_phone`` (any dialect's agent number) matches a user's
        phone in any written form. None when nothing matches.
        """
        text = (agent or "").strip()
        if text:
            row = (
                self._db.conn()
                .execute(
                    "SELECT * FROM users WHERE lower(trim(json_extract(fields,"
                    " '$.TelephonyAgentId'))) = lower(?1) OR lower(id) = lower(?1)"
                    # A TelephonyAgentId match (false sorts first) beats an id match.
                    " ORDER BY lower(id) = lower(?1), id LIMIT 1",
                    (text,),
                )
                .fetchone()
            )
            if row is not None:
                return _user(row)
        return self.find_user_by_phone(agent_phone) if agent_phone is not None else None

    # -- leads ---------------------------------------------------------------

    def _lead_phones(self, lead: Lead) -> list[tuple[str, int, str]]:
        found = []
        for position, (name, text) in enumerate(lead.phone_fields()):
            number = self.number(text)
            if number is not None:
                found.append((name, position, number.e164))
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
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT first_name, last_name, phone, mobile, owner_id, fields FROM leads"
                " WHERE id = ?",
                (lead.id,),
            ).fetchone()
            if row is not None and tuple(row) == values:
                return UpsertResult.UNCHANGED
            now = self._db.now()
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
        row = self._db.conn().execute("SELECT * FROM leads WHERE id = ?", (lead_id,)).fetchone()
        return None if row is None else _lead(row)

    def leads(self) -> list[Lead]:
        """All leads, by id."""
        rows = self._db.conn().execute("SELECT * FROM leads ORDER BY id").fetchall()
        return [_lead(r) for r in rows]

    def search_leads(self, text: str, *, limit: int = 50) -> list[Lead]:
        """Leads whose name or id holds ``text`` (case-insensitive), by name; at most ``limit``.

        ``%`` and ``_`` in ``text`` are matched as themselves, not as wildcards.
        """
        words = text.strip()
        if not words:
            return []
        escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        rows = (
            self._db.conn()
            .execute(
                "SELECT * FROM leads WHERE (first_name || ' ' || last_name) LIKE ? ESCAPE '\\'"
                " OR id LIKE ? ESCAPE '\\' ORDER BY first_name, last_name, id LIMIT ?",
                (pattern, pattern, max(0, limit)),
            )
            .fetchall()
        )
        return [_lead(r) for r in rows]

    def find_lead_by_phone(self, number: str | PhoneNumber) -> Lead | None:
        """The lead with this number in any phone field, in any written form.

        ``+91-9876543210``, ``09876543210``, ``919876543210`` and
        ``98765 43210`` all find the same lead. When two leads share a number,
        the one holding it in ``Phone`` wins over ``Mobile``, then the lower id.
        Text that is not a phone number finds nothing.
        """
        parsed = self.number(number)
        if parsed is None:
            return None
        row = (
            self._db.conn()
            .execute(
                "SELECT leads.* FROM lead_phones JOIN leads ON leads.id = lead_phones.lead_id"
                " WHERE lead_phones.e164 = ? ORDER BY lead_phones.position, leads.id LIMIT 1",
                (parsed.e164,),
            )
            .fetchone()
        )
        return None if row is None else _lead(row)
