"""Call activities in the CRM: click-to-call attempts and provider call logs.

``record_outbound_attempt`` writes what the user did (tapped "Cloud Call
Lead": the provider queued the call, refused it, or the number is on DND).
``ingest`` turns provider call records into activities on the matching lead:

- one activity per provider call id, however often the record is delivered;
- the click-to-call activity is updated by the call's callback, not duplicated;
- a record never downgrades a more final state and an older record delivered
  late never overwrites newer data (``connector.crm.models.fold_events``);
- a caller who is no lead is kept (lead ``None``) and linked when the lead
  is imported later;
- all records of one delivery are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from connector.calllog import CallRecord
from connector.crm.models import Activity, CallEvent, CallStatus, Direction, UpsertResult
from connector.crm.store import CrmStore, CrmStoreError
from connector.errors import PhoneNumberError
from connector.phone import parse_phone

__all__ = ["IngestReport", "ingest", "record_outbound_attempt", "record_to_event"]


@dataclass(frozen=True)
class IngestReport:
    """What one delivery of call records did to the CRM."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0  # duplicates, and late records that lost to newer ones
    unmatched: int = 0  # activities with no lead (unknown caller)
    activity_ids: tuple[int, ...] = ()

    @property
    def records(self) -> int:
        """How many records the delivery held."""
        return self.created + self.updated + self.unchanged


def record_to_event(record: CallRecord) -> CallEvent:
    """The activity event a provider call record stands for."""
    return CallEvent(
        direction=record.direction,
        status=record.status,
        source="callback",
        provider=record.provider,
        provider_call_id=record.call_id,
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
    with store.transaction():
        for record in records:
            result = store.record_call_activity(record_to_event(record))
            counts[result.outcome] += 1
            unmatched += result.lead_id is None
            ids.append(result.activity_id)
    return IngestReport(
        created=counts[UpsertResult.CREATED],
        updated=counts[UpsertResult.UPDATED],
        unchanged=counts[UpsertResult.UNCHANGED],
        unmatched=unmatched,
        activity_ids=tuple(ids),
    )


def _e164(text: str | None, region: str) -> str | None:
    if not text:
        return None
    try:
        return parse_phone(text, region).e164
    except PhoneNumberError:
        return None


def record_outbound_attempt(  # noqa: PLR0917 (the signature the flows issue fixes)
    store: CrmStore,
    lead_id: str,
    user_id: str | None,
    outcome_kind: Literal["success", "error"],
    call_id: str | None,
    message: str | None,
    dnd: bool = False,
    *,
    provider: str | None = None,
    customer_number: str | None = None,
    virtual_number_field: str = "mx_Custom_8",
    at: datetime | None = None,
) -> Activity:
    """Record a click-to-call attempt on the lead's history and return the activity.

    ``outcome_kind`` is the mapped provider answer (``Outcome.kind``):
    ``success`` makes an ``initiated`` activity that the call's callback will
    complete (matched by ``call_id``, the provider's UCID); ``error`` makes a
    ``failed`` one carrying the provider's ``message``. ``dnd`` marks a number
    on the Do-Not-Disturb registry: always failed, flagged DND. The customer
    number defaults to the lead's Phone, else Mobile.
    """
    if outcome_kind not in ("success", "error"):
        raise ValueError(f"outcome_kind {outcome_kind!r} must be 'success' or 'error'")
    lead = store.get_lead(lead_id)
    if lead is None:
        raise CrmStoreError(f"lead {lead_id!r} is not in the CRM store; import it first")
    user = store.get_user(user_id) if user_id is not None else None
    if user_id is not None and user is None:
        raise CrmStoreError(f"user {user_id!r} is not in the CRM store; import it first")
    number = (
        _e164(customer_number, store.region)
        or _e164(lead.phone, store.region)
        or _e164(lead.mobile, store.region)
    )
    fields = user.fields if user else {}
    failed = outcome_kind == "error" or dnd
    event = CallEvent(
        direction=Direction.OUTBOUND,
        status=CallStatus.FAILED if failed else CallStatus.INITIATED,
        source="click_to_call",
        provider=provider,
        provider_call_id=call_id or None,
        lead_id=lead.id,
        user_id=user.id if user else None,
        dnd=dnd,
        started_at=(at or datetime.now(UTC)).astimezone(UTC),
        agent=fields.get("TelephonyAgentId"),
        agent_phone=_e164(user.phone, store.region) if user else None,
        did=_e164(fields.get(virtual_number_field), store.region),
        customer_number=number,
        message=message or None,
    )
    result = store.record_call_activity(event)
    activity = store.get_activity(result.activity_id)
    assert activity is not None  # written just above, in this thread
    return activity
