"""Records of the embedded CRM: users, leads, call activities, DID sync status.

Also the one rule that decides what an activity shows when several events
(the click-to-call attempt, one or more provider callbacks) speak about the
same call: ``fold_events``. The higher-ranked event (``event_rank``) wins
field by field, so duplicates and any delivery order give the same activity.
``Fold`` is that rule kept open: each field's value and the rank of the event
it came from, so one more event is folded in without the earlier ones (the
store keeps the ranks beside the activity). Pure module: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from connector.calllog import CallLogFormat, CallStatus, Direction
from connector.errors import PhoneNumberError
from connector.phone import PhoneNumber, parse_phone
from connector.redaction import ScrubbedRecord, strip_credentials

__all__ = [
    "Activity",
    "CallEvent",
    "DidReplaceSummary",
    "DidSyncStatus",
    "Fold",
    "Lead",
    "RecordResult",
    "UpsertResult",
    "User",
    "call_log_family",
    "event_digest",
    "event_rank",
    "fold_events",
]

# Higher is more final. An answered report beats a not-answered one for the
# same call (an answered call cannot become unanswered; the reverse happens
# when one leg's report arrives first); anything beats "initiated".
STATUS_RANK = {
    CallStatus.INITIATED: 0,
    CallStatus.FAILED: 1,
    CallStatus.NOT_ANSWERED: 2,
    CallStatus.ANSWERED: 3,
}


_FAMILIES = tuple(str(f) for f in CallLogFormat)
# A custom field whose name holds one of these holds a phone number (``mx_Alt_Mobile``).
_PHONE_WORDS = ("phone", "mobile")


def call_log_family(provider: str | None) -> str | None:
    """The call-log format family a provider name belongs to, or None when it does not say.

    Call ids are unique per family: an Ozonetel UCID and a Knowlarity callid
    may be the same text. A family name is its own family; a config named
    after one (``ozonetel_phone_manual_dial``) is in it; any other name
    (``acme``) says nothing (its config's ``call_log.format`` does).
    """
    if not provider:
        return None
    name = str(provider).strip().lower()
    for family in _FAMILIES:
        if name == family or name.startswith(family + "_"):
            return family
    return None


class UpsertResult(StrEnum):
    """What an upsert did."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class User:
    """A CRM user (an agent). ``fields`` holds custom fields such as ``mx_Custom_8``."""

    id: str
    name: str = ""
    email: str | None = None
    phone: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    def merge_fields(self) -> dict[str, str]:
        """The user as ``@{User:Field}`` sees it (LeadSquared schema names)."""
        merged = {"UserId": self.id, "FirstName": self.name}
        if self.email:
            merged["EmailAddress"] = self.email
        if self.phone:
            merged["PhoneMobile"] = self.phone
        merged.update(self.fields)
        return merged


@dataclass(frozen=True)
class Lead:
    """A CRM lead. ``fields`` holds any ``mx_`` field."""

    id: str
    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    mobile: str | None = None
    owner_id: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    def merge_fields(self) -> dict[str, str]:
        """The lead as ``@{Lead:Field}`` sees it (LeadSquared schema names)."""
        merged = {"ProspectID": self.id, "FirstName": self.first_name, "LastName": self.last_name}
        if self.phone:
            merged["Phone"] = self.phone
        if self.mobile:
            merged["Mobile"] = self.mobile
        if self.owner_id:
            merged["OwnerId"] = self.owner_id
        merged.update(self.fields)
        return merged

    def phone_fields(self) -> list[tuple[str, str | None]]:
        """The fields that may hold the lead's numbers, as (name, text), in index order.

        ``Phone``, ``Mobile``, then the custom fields whose name says phone or
        mobile, sorted by name: the CRM's phone index and the console's lead
        page both read a lead's numbers from here. Empty fields are listed too
        (the index's positions count them).
        """
        pairs: list[tuple[str, str | None]] = [("Phone", self.phone), ("Mobile", self.mobile)]
        pairs += sorted(
            (name, value)
            for name, value in self.fields.items()
            if any(word in name.lower() for word in _PHONE_WORDS)
        )
        return pairs


@dataclass(frozen=True)
class CallEvent:
    """One thing learnt about a call: a click-to-call attempt or a provider callback.

    ``None`` means "this event does not say"; it never erases what another
    event said. ``source`` is ``click_to_call`` or ``callback``.
    ``call_log_format`` is the family ``provider_call_id`` belongs to (call
    ids are unique per family, not globally); when not given it comes from
    ``provider`` (``call_log_family``). It is part of the activity's key, not of
    what the event says, so it is left out of ``digest``. ``attempts`` is how
    many tries the click-to-call made (``--retries``); only the attempt says.
    """

    direction: Direction
    status: CallStatus
    source: str = "callback"
    provider: str | None = None
    provider_call_id: str | None = None
    lead_id: str | None = None
    user_id: str | None = None
    dnd: bool = False
    duration_s: int | None = None
    call_duration_s: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    recording_url: str | None = None
    disposition: str | None = None
    agent: str | None = None
    agent_phone: PhoneNumber | None = None
    did: str | None = None  # E.164 when it is a number, else as the provider wrote it
    customer_number: PhoneNumber | None = None
    message: str | None = None
    raw: ScrubbedRecord = field(default_factory=ScrubbedRecord)
    call_log_format: str | None = None
    attempts: int | None = None  # the click-to-call's tries to reach the provider

    def __post_init__(self) -> None:
        family = self.call_log_format
        family = str(family) if family else call_log_family(self.provider)
        object.__setattr__(self, "call_log_format", family)
        if not isinstance(self.raw, ScrubbedRecord):
            # A plain mapping from a caller that skipped the call-log boundary:
            # scrub it here, so no credential reaches the store either way.
            object.__setattr__(self, "raw", ScrubbedRecord(self.raw))
        url = self.recording_url
        if url is not None and ("?" in url or "@" in url or "#" in url):
            # The call-log boundary stored it without credentials already (and
            # this leaves it as it is); a hand-made event gets the same.
            object.__setattr__(self, "recording_url", strip_credentials(url))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form: times as ISO text, numbers in E.164, ``raw`` as scrubbed."""
        # Fields are scalars but ``raw``; asdict's deep copy was the ingest hot spot.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["raw"] = self.raw.to_dict()
        for key in ("started_at", "ended_at"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        for key in ("customer_number", "agent_phone"):
            number = data[key]
            data[key] = number.e164 if number is not None else None
        data["direction"] = str(self.direction)
        data["status"] = str(self.status)
        return data

    @cached_property
    def digest(self) -> str:
        """Content hash: the same event delivered twice has the same digest.

        The key's family is left out, so events stored before it existed keep
        their digests (a re-delivery of one is still a duplicate).
        """
        data = self.to_json()
        del data["call_log_format"]
        if data["attempts"] is None:
            # Events from before attempts existed keep their digests too.
            del data["attempts"]
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CallEvent:
        """Inverse of ``to_json`` (the store's own rows: ``raw`` was scrubbed when written)."""
        values = dict(data)
        for key in ("started_at", "ended_at"):
            if values.get(key) is not None:
                values[key] = datetime.fromisoformat(values[key])
        for key in ("customer_number", "agent_phone"):
            values[key] = stored_number(values.get(key))
        values["direction"] = Direction(values["direction"])
        values["status"] = CallStatus(values["status"])
        values["raw"] = ScrubbedRecord.trusted(dict(values.get("raw") or {}))
        return cls(**values)


def stored_number(text: str | None) -> PhoneNumber | None:
    """A number the store wrote (E.164); rows from older versions may hold other forms."""
    if not text:
        return None
    try:
        return PhoneNumber(text) if text.startswith("+") else parse_phone(text)
    except PhoneNumberError:
        return None


def event_digest(event: CallEvent) -> str:
    """Content hash: the same event delivered twice has the same digest (cached per event)."""
    return event.digest


def event_rank(event: CallEvent) -> tuple[int, str, str, str]:
    """Sort key, higher wins: status finality, then end time, then start time.

    The digest breaks the last ties so the order is total and the fold never
    depends on delivery order.
    """
    ended = event.ended_at.isoformat() if event.ended_at else ""
    started = event.started_at.isoformat() if event.started_at else ""
    return (STATUS_RANK[event.status], ended, started, event_digest(event))


_FOLDED = (
    "direction",
    "status",
    "provider",
    "provider_call_id",
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
    "message",
    "raw",
    "attempts",
)


Rank = tuple[int, str, str, str]
# lead_id and user_id each have two slots: the best click-to-call attempt that
# states them (it knows exactly whom the user called) and the best of all.
_PEOPLE = ("lead_id", "user_id")
_SLOTS = tuple(f"{name}{slot}" for name in _PEOPLE for slot in (":click", ":any"))


@dataclass(frozen=True)
class Fold:
    """``fold_events`` kept open: every field's value and the rank of the event it came from.

    ``values`` holds the winning value of each field that some event stated
    (and of the ``lead_id``/``user_id`` slots), ``ranks`` the rank of the event
    it came from. ``add`` takes one more event in time independent of how
    many came before: a field changes only when the new event outranks its
    current winner. Ranks are total (the digest breaks ties), so adding
    events one by one, in any order and with duplicates, gives what
    ``fold_events`` gives for all of them at once.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    ranks: Mapping[str, Rank] = field(default_factory=dict)
    dnd: bool = False

    def add(self, event: CallEvent) -> Fold:
        """This fold with ``event`` folded in."""
        rank = event_rank(event)
        values = dict(self.values)
        ranks = dict(self.ranks)

        def offer(name: str, value: Any) -> None:
            if name not in ranks or rank > ranks[name]:
                values[name] = value
                ranks[name] = rank

        for name in _FOLDED:
            value = getattr(event, name)
            if value is not None and (name != "raw" or value):
                offer(name, value)
        for name in _PEOPLE:
            value = getattr(event, name)
            if value is not None:
                offer(f"{name}:any", value)
                if event.source == "click_to_call":
                    offer(f"{name}:click", value)
        return Fold(values, ranks, self.dnd or event.dnd)

    def result(self) -> dict[str, Any]:
        """The activity's fields, as ``fold_events`` returns them."""
        if "status" not in self.values:
            raise ValueError("an activity needs at least one event")
        result: dict[str, Any] = {"dnd": self.dnd}
        result.update((name, self.values[name]) for name in _FOLDED if name in self.values)
        result.setdefault("raw", ScrubbedRecord())
        for name in _PEOPLE:
            result[name] = self.values.get(f"{name}:click", self.values.get(f"{name}:any"))
        return result

    def ranks_json(self) -> dict[str, Any]:
        """What the store keeps beside the activity row: the ranks, and the people slots."""
        return {
            "ranks": {name: list(rank) for name, rank in self.ranks.items()},
            "people": {slot: self.values[slot] for slot in _SLOTS if slot in self.values},
        }

    @classmethod
    def from_stored(cls, fields: Mapping[str, Any], dnd: bool, state: Mapping[str, Any]) -> Fold:
        """Inverse of ``ranks_json``, with the field values read back from the activity row."""
        ranks: dict[str, Rank] = {
            name: (int(r[0]), str(r[1]), str(r[2]), str(r[3]))
            for name, r in dict(state.get("ranks") or {}).items()
        }
        values = {name: fields[name] for name in _FOLDED if name in ranks}
        people = dict(state.get("people") or {})
        values.update((slot, people[slot]) for slot in _SLOTS if slot in people)
        return cls(values, ranks, dnd)


def fold_events(events: Iterable[CallEvent]) -> dict[str, Any]:
    """The activity's fields from all its events (any order, duplicates allowed).

    Fields come from the highest-ranked event that states them. ``lead_id`` and
    ``user_id`` prefer the click-to-call attempt, which knows exactly whom the
    user called (a number may belong to two leads). ``dnd`` sticks once seen.
    """
    fold = Fold()
    for event in events:
        fold = fold.add(event)
    return fold.result()


@dataclass(frozen=True)
class Activity:
    """A phone-call activity in a lead's history (``lead_id`` None: unknown caller)."""

    id: int
    lead_id: str | None
    user_id: str | None
    direction: Direction
    status: CallStatus
    dnd: bool
    duration_s: int
    call_duration_s: int | None
    started_at: datetime | None
    ended_at: datetime | None
    recording_url: str | None
    disposition: str | None
    agent: str | None
    agent_phone: PhoneNumber | None
    did: str | None
    customer_number: PhoneNumber | None
    provider: str | None
    provider_call_id: str | None
    message: str | None
    raw: ScrubbedRecord
    created_at: datetime
    updated_at: datetime
    call_log_format: str | None = None  # the family provider_call_id belongs to
    attempts: int | None = None  # click-to-call tries (--retries); None: not a click-to-call

    @property
    def missed(self) -> bool:
        """A call that rang but nobody answered."""
        return self.status is CallStatus.NOT_ANSWERED


@dataclass(frozen=True)
class RecordResult:
    """What ``CrmStore.record_call_activity`` did with one event."""

    activity_id: int
    outcome: UpsertResult
    lead_id: str | None


@dataclass(frozen=True)
class DidReplaceSummary:
    """What ``CrmStore.replace_dids`` kept and skipped."""

    stored: int
    duplicates: int
    invalid: Sequence[str]


@dataclass(frozen=True)
class DidSyncStatus:
    """The last DID sync: when it last worked, when it was last tried, why it failed."""

    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    count: int

    @property
    def healthy(self) -> bool:
        """True when the last attempt succeeded."""
        return self.last_error is None and self.last_success_at is not None
