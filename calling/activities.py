"""Call activities in the CRM: click-to-call attempts and provider call logs.

``record_outbound_attempt`` writes what the user did (tapped "Cloud Call
Lead": the provider queued the call, refused it, or the number is on DND).
``ingest`` turns provider call records into activities on the matching lead:

- one activity per provider call id and call-log family (``ozonetel``,
  ``generic``, ``knowlarity``: call ids are unique per provider, not
  globally), however often the record is delivered;
- the click-to-call activity is updated by the call's callback, not
  duplicated: the attempt carries the family of its config's call logs;
- a record never downgrades a more final state and an older record delivered
  late never overwrites newer data (``crm.models.fold_events``);
- a caller who is no lead is kept (lead ``None``) and linked when the lead
  is imported later;
- all records of one delivery are written in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from connector.calllog import CallRecord, CallStatus, Direction
from connector.phone import PhoneNumber
from crm.errors import CrmStoreError
from crm.models import Activity, CallEvent, UpsertResult
from crm.store import CrmStore

__all__ = ["IngestReport", "ingest", "record_outbound_attempt", "record_to_event"]

_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class IngestReport:
    """What one delivery of call records did to the CRM."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0  # duplicates, and late records that lost to newer ones
    unmatched: int = 0  # activities with no lead (unknown caller)
    activity_ids: tuple[int, ...] = ()
    outcomes: tuple[UpsertResult, ...] = ()  # per record, in order (as activity_ids)

    @property
    def records(self) -> int:
        """How many records the delivery held."""
        return self.created + self.updated + self.unchanged


def _text(value: str | None) -> str | None:
    """``value`` with any lone surrogate replaced by U+FFFD (UTF-8 text again)."""
    return None if value is None else _SURROGATE.sub("\ufffd", value)


def record_to_event(record: CallRecord) -> CallEvent:
    """The activity event a provider call record stands for."""
    return CallEvent(
        direction=record.direction,
        status=record.status,
        source="callback",
        provider=record.provider,
        provider_call_id=record.call_id,
        call_log_format=record.provider,  # the parser's format family
        dnd=record.dnd,
        duration_s=record.duration_s,
        call_duration_s=record.call_duration_s,
        started_at=record.started_at,
        ended_at=record.ended_at,
        recording_url=record.recording_url,
        disposition=record.disposition,
        agent=record.agent,
        agent_phone=record.agent_phone,
        did=record.did,
        customer_number=record.customer_number,
        raw=record.raw,
    )


def ingest(store: CrmStore, records: Iterable[CallRecord]) -> IngestReport:
    """Write every record as an activity; all of them or, on any error, none."""
    counts = dict.fromkeys(UpsertResult, 0)
    unmatched = 0
    ids: list[int] = []
    outcomes: list[UpsertResult] = []
    with store.transaction():
        for record in records:
            result = store.record_call_activity(record_to_event(record))
            counts[result.outcome] += 1
            unmatched += result.lead_id is None
            ids.append(result.activity_id)
            outcomes.append(result.outcome)
    return IngestReport(
        created=counts[UpsertResult.CREATED],
        updated=counts[UpsertResult.UPDATED],
        unchanged=counts[UpsertResult.UNCHANGED],
        unmatched=unmatched,
        activity_ids=tuple(ids),
        outcomes=tuple(outcomes),
    )


def record_outbound_attempt(
    store: CrmStore,
    lead_id: str,
    user_id: str | None,
    *,
    accepted: bool,
    call_id: str | None = None,
    message: str | None = None,
    dnd: bool = False,
    provider: str | None = None,
    customer_number: PhoneNumber | None = None,
    virtual_number_field: str = "mx_Custom_8",
    at: datetime | None = None,
    call_log_format: str | None = None,
    attempts: int | None = None,
) -> Activity:
    """Record a click-to-call attempt on the lead's history and return the activity.

    ``accepted`` is the mapped provider answer: True makes an ``initiated``
    activity that the call's callback will complete (matched by ``call_id``,
    the provider's UCID); False makes a ``failed`` one carrying the provider's
    ``message``. ``dnd`` marks a number on the Do-Not-Disturb registry: always
    failed, flagged DND. The customer number defaults to the lead's Phone,
    else Mobile. ``call_log_format`` is the family of the call logs that will
    report the call (the config's ``call_log.format``); without it the family
    comes from the ``provider`` name (``ozonetel_phone_manual_dial`` is
    ``ozonetel``), else the attempt pairs with the first call log of its id.
    ``attempts`` is how many tries reaching the provider took (``--retries``),
    kept on the activity.
    """
    lead = store.get_lead(lead_id)
    if lead is None:
        raise CrmStoreError(f"lead {lead_id!r} is not in the CRM store; import it first")
    user = store.get_user(user_id) if user_id is not None else None
    if user_id is not None and user is None:
        raise CrmStoreError(f"user {user_id!r} is not in the CRM store; import it first")
    people = store.people
    number = customer_number or people.number(lead.phone) or people.number(lead.mobile)
    fields = user.fields if user else {}
    did = people.number(fields.get(virtual_number_field))
    event = CallEvent(
        direction=Direction.OUTBOUND,
        status=CallStatus.INITIATED if accepted and not dnd else CallStatus.FAILED,
        source="click_to_call",
        provider=provider,
        provider_call_id=call_id or None,
        call_log_format=call_log_format,
        lead_id=lead.id,
        user_id=user.id if user else None,
        dnd=dnd,
        started_at=(at or datetime.now(UTC)).astimezone(UTC),
        agent=fields.get("TelephonyAgentId"),
        agent_phone=people.number(user.phone) if user else None,
        did=did.e164 if did is not None else None,
        customer_number=number,
        # The provider's answer may spell a lone surrogate in JSON ("\ud83d"):
        # not text, and SQLite cannot store it. Keep the message, readable.
        message=_text(message) or None,
        attempts=attempts,
    )
    result = store.record_call_activity(event)
    activity = store.get_activity(result.activity_id)
    assert activity is not None  # written just above, in this thread
    return activity
