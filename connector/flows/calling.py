"""Click-to-call: the user taps "Cloud Call Lead" and the provider dials.

The click-to-call API is rendered with the lead's and the user's fields (the
chosen phone field becomes ``@CustomerNumber`` in CRM form, the user's
``virtual_number_field`` becomes ``@VirtualNumber``), sent, and the attempt is
recorded as an outbound call activity at once: ``initiated`` with the
provider's call id, or ``failed`` with the provider's message. The provider's
callback later completes the same activity (same call id).

A DND answer is recorded as DND and never retried: the number is on India's
do-not-disturb register, and dialling it again is what the regulation forbids.
Only answers that never reached a decision (no answer, 5xx) may be retried.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.activities import record_outbound_attempt
from connector.client import Client
from connector.config import ConnectorConfig, Mode
from connector.crm import CallStatus, CrmStore, Lead, User
from connector.errors import FlowError, PhoneNumberError
from connector.mapping import Outcome, parse_json_document, parse_xml_document
from connector.phone import parse_phone
from connector.templating import MergeContext

__all__ = [
    "CALL_ID_KEYS",
    "NUMBER_FIELDS",
    "CallAttempt",
    "FlowError",
    "call_options",
    "is_dnd",
    "place_call",
    "provider_call_id",
]

NUMBER_FIELDS: Mapping[str, str] = {"phone": "Phone", "mobile": "Mobile"}
# Last segment of a captured key path that holds the provider's call id, best first.
# ``message`` last: PhoneManualDial puts the UCID there, others put prose there.
CALL_ID_KEYS = ("ucid", "monitorucid", "call_id", "callid", "callsid", "message")
_ID_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-.:]{3,63}$")
_DND = re.compile(r"\bdnd\b|do not disturb|ncpr", re.IGNORECASE)
_OPTIONS = {
    Mode.CLOUD_ONLY: ["cloud_call"],
    Mode.DEFAULT_AND_CLOUD: ["default_call", "cloud_call"],
}


def call_options(config: ConnectorConfig) -> list[str]:
    """What the app offers on a lead: ``cloud_only`` -> the cloud call alone."""
    return list(_OPTIONS[config.mode])


def is_dnd(outcome: Outcome) -> bool:
    """True when the provider refused because the number is on the DND register."""
    return not outcome.ok and bool(_DND.search(outcome.message or outcome.excerpt))


def provider_call_id(data: Mapping[str, Any], body: str = "") -> str | None:
    """The provider's call id from captured data (``ucid``, ``success.call_id``, ...).

    When the rules captured none, ``body`` is read too: top-level JSON keys, or
    XML elements, since Ozonetel answers XML by default
    (``<response><status>queued successfully</status><ucid>...</ucid></response>``)
    and an admin's rules may capture nothing.
    """
    found = _call_id_in(data)
    if found is None and body:
        document: Any = parse_json_document(body)
        if document is None:
            xml = parse_xml_document(body)
            document = next(iter(xml.values())) if xml else None  # the root's children
        if isinstance(document, Mapping):
            found = _call_id_in(document)
    return found


def _call_id_in(data: Mapping[str, Any]) -> str | None:
    by_last = {str(key).rsplit(".", 1)[-1].lower(): value for key, value in data.items()}
    for key in CALL_ID_KEYS:
        value = by_last.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and _ID_LIKE.match(value.strip()):
            return value.strip()
    return None


@dataclass(frozen=True)
class CallAttempt:
    """The result of one click-to-call, as recorded on the lead's activity history."""

    status: CallStatus  # initiated or failed
    lead_id: str
    user_id: str
    customer_number: str  # CRM form, +91-XXXXXXXXXX
    call_id: str | None
    message: str
    dnd: bool
    retryable: bool
    attempts: int
    activity_id: int
    outcome: Outcome = field(repr=False)

    @property
    def initiated(self) -> bool:
        """True when the provider accepted the call."""
        return self.status is CallStatus.INITIATED


def _lead_and_user(store: CrmStore, lead_id: str, user_id: str) -> tuple[Lead, User]:
    lead = store.get_lead(lead_id)
    if lead is None:
        raise FlowError(f"lead {lead_id!r} is not in the CRM; import it with `mcc crm import`")
    user = store.get_user(user_id)
    if user is None:
        raise FlowError(f"user {user_id!r} is not in the CRM; import it with `mcc crm import`")
    return lead, user


def _customer_number(lead: Lead, number_field: str, region: str) -> str:
    if number_field not in NUMBER_FIELDS:
        raise FlowError(f"number field {number_field!r} is not one of phone, mobile")
    raw = lead.phone if number_field == "phone" else lead.mobile
    if not raw:
        other = "mobile" if number_field == "phone" else "phone"
        raise FlowError(
            f"lead {lead.id!r} has no {NUMBER_FIELDS[number_field]} number;"
            f" choose --number {other} or add the number"
        )
    try:
        return parse_phone(raw, region).crm
    except PhoneNumberError as exc:
        raise FlowError(f"lead {lead.id!r} {NUMBER_FIELDS[number_field]}: {exc}") from None


def _retryable(outcome: Outcome) -> bool:
    # No decision was reached: nothing answered, or the provider broke (5xx).
    return not outcome.ok and (outcome.reason == "transport" or outcome.status >= 500)


def place_call(  # noqa: PLR0917 (the signature the flows issue fixes)
    store: CrmStore,
    client: Client,
    config: ConnectorConfig,
    lead_id: str,
    user_id: str,
    number_field: str = "phone",
    *,
    retries: int = 0,
) -> CallAttempt:
    """Place a cloud call from ``user_id`` to ``lead_id`` and record the attempt.

    ``retries`` extra tries are made only for answers that decided nothing
    (transport failure, 5xx); DND and every mapped error are final. Raises
    ``FlowError`` (and template errors) before anything is sent.
    """
    lead, user = _lead_and_user(store, lead_id, user_id)
    region = config.default_region
    customer = _customer_number(lead, number_field, region)
    owner = store.get_user(lead.owner_id) if lead.owner_id else None
    ctx = MergeContext(
        lead=lead.merge_fields(),
        user=user.merge_fields(),
        owner=owner.merge_fields() if owner else {},
        customer_number=customer,
        agent_phone=user.phone,
        virtual_number_field=config.virtual_number_field,
        region=region,
    )
    api = config.api("click_to_call")
    attempts = 0
    while True:
        attempts += 1
        result = client.call(api, ctx, name="click_to_call")
        outcome = result.outcome
        if outcome.ok or is_dnd(outcome) or not _retryable(outcome) or attempts > retries:
            break
    dnd = is_dnd(outcome)
    call_id = provider_call_id(outcome.data, result.body) if outcome.ok else None
    status = CallStatus.INITIATED if outcome.ok else CallStatus.FAILED
    message = outcome.message or ("call queued" if outcome.ok else "the provider refused the call")
    activity = record_outbound_attempt(
        store,
        lead.id,
        user.id,
        outcome.kind,
        call_id,
        message,
        dnd,
        provider=config.name,
        customer_number=customer,
        virtual_number_field=config.virtual_number_field,
    )
    return CallAttempt(
        status=status,
        lead_id=lead.id,
        user_id=user.id,
        customer_number=customer,
        call_id=call_id,
        message=message,
        dnd=dnd,
        retryable=_retryable(outcome) and not dnd,
        attempts=attempts,
        activity_id=activity.id,
        outcome=outcome,
    )
