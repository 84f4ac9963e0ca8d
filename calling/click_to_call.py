"""Click-to-call: the user taps "Cloud Call Lead" and the provider dials.

The click-to-call API is rendered with the lead's and the user's fields (the
chosen phone field becomes ``@CustomerNumber`` in CRM form, the user's
``virtual_number_field`` becomes ``@VirtualNumber``), sent, and the attempt is
recorded as an outbound call activity at once: ``initiated`` with the
provider's call id, or ``failed`` with the provider's message. The provider's
callback later completes the same activity (same call id).

A DND answer is recorded as DND and never retried: the number is on India's
do-not-disturb register, and dialling it again is what the regulation forbids.
``retries`` only repeat a call that never reached the provider (the connection
could not be made: refused, DNS, TLS, connect timeout), with exponential
backoff (tenacity). A timeout after the request was sent is never retried (the
provider may have queued the call already: a retry would dial the customer
twice), nor is any answer, 5xx included: a provider that answered decided.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt, wait_exponential

from calling.activities import record_outbound_attempt
from calling.errors import FlowError
from connector.calllog import CallStatus
from connector.client import CallResult, Client
from connector.config import ConnectorConfig, Mode
from connector.errors import PhoneNumberError
from connector.extract import call_id
from connector.mapping import Outcome
from connector.phone import PhoneNumber, parse_phone
from connector.templating import MergeContext
from crm.models import Lead, User
from crm.store import CrmStore

__all__ = [
    "NUMBER_FIELDS",
    "RETRY_BASE_S",
    "RETRY_CAP_S",
    "CallAttempt",
    "call_options",
    "is_dnd",
    "place_call",
]

NUMBER_FIELDS: Mapping[str, str] = {"phone": "Phone", "mobile": "Mobile"}
RETRY_BASE_S = 0.5  # first wait before a retry; it doubles each time
RETRY_CAP_S = 4.0
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


def never_reached(outcome: Outcome) -> bool:
    """True when nothing reached the provider: the only failure a retry may repeat."""
    return outcome.error is not None and not outcome.error.sent


@dataclass(frozen=True)
class CallAttempt:
    """The result of one click-to-call, as recorded on the lead's activity history."""

    status: CallStatus  # initiated or failed
    lead_id: str
    user_id: str
    customer_number: PhoneNumber
    call_id: str | None
    message: str
    dnd: bool
    retryable: bool  # nothing reached the provider: trying again cannot dial twice
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


def _customer_number(lead: Lead, number_field: str, region: str) -> PhoneNumber:
    """The number to dial, parsed here once: everything downstream uses this value."""
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
        return parse_phone(raw, region)
    except PhoneNumberError as exc:
        raise FlowError(f"lead {lead.id!r} {NUMBER_FIELDS[number_field]}: {exc}") from None


def _last_result(state: RetryCallState) -> CallResult:
    # Retries used up: the last answer stands (it is an error outcome, not an exception).
    assert state.outcome is not None
    result: CallResult = state.outcome.result()
    return result


def place_call(
    store: CrmStore,
    client: Client,
    config: ConnectorConfig,
    lead_id: str,
    user_id: str,
    *,
    number_field: str = "phone",
    retries: int = 0,
    sleep: Callable[[float], None] = time.sleep,
) -> CallAttempt:
    """Place a cloud call from ``user_id`` to ``lead_id`` and record the attempt.

    ``retries`` extra tries are made only when nothing reached the provider
    (see the module docstring), waiting ``RETRY_BASE_S`` doubling up to
    ``RETRY_CAP_S`` between them (``sleep`` waits). Raises ``FlowError`` (and
    template errors) before anything is sent.
    """
    if retries < 0:
        raise ValueError(f"retries must not be negative (got {retries})")
    lead, user = _lead_and_user(store, lead_id, user_id)
    region = config.default_region
    customer = _customer_number(lead, number_field, region)
    owner = store.get_user(lead.owner_id) if lead.owner_id else None
    ctx = MergeContext(
        lead=lead.merge_fields(),
        user=user.merge_fields(),
        owner=owner.merge_fields() if owner else {},
        customer_number=customer,
        agent_phone=store.people.number(user.phone),
        virtual_number_field=config.virtual_number_field,
        region=region,
        callback_url=config.call_log.url if config.call_log else None,
    )
    retrying = Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=RETRY_BASE_S, max=RETRY_CAP_S),
        retry=retry_if_result(lambda result: never_reached(result.outcome)),
        retry_error_callback=_last_result,
        sleep=sleep,
    )
    result: CallResult = retrying(
        client.call, config.api("click_to_call"), ctx, name="click_to_call"
    )
    attempts = int(retrying.statistics.get("attempt_number", 1))
    outcome = result.outcome
    dnd = is_dnd(outcome)
    found_id = call_id(outcome.data, result.answer) if outcome.ok else None
    message = outcome.message or ("call queued" if outcome.ok else "the provider refused the call")
    activity = record_outbound_attempt(
        store,
        lead.id,
        user.id,
        accepted=outcome.ok,
        call_id=found_id,
        message=message,
        dnd=dnd,
        provider=config.name,
        customer_number=customer,
        virtual_number_field=config.virtual_number_field,
        call_log_format=config.call_log.format if config.call_log else None,
        attempts=attempts,
    )
    return CallAttempt(
        status=CallStatus.INITIATED if outcome.ok else CallStatus.FAILED,
        lead_id=lead.id,
        user_id=user.id,
        customer_number=customer,
        call_id=found_id,
        message=message,
        dnd=dnd,
        retryable=never_reached(outcome) and not dnd,
        attempts=attempts,
        activity_id=activity.id,
        outcome=outcome,
    )
