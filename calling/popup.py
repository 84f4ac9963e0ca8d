"""The incoming pop-up: who is calling, shown to the agent while the phone rings.

The agent's phone sees the DID the call came through, not the customer. So:

1. the DID gate: a caller id that is not one of the synced DIDs is a private
   call; no pop-up, and the provider is not asked (one set lookup, however
   many DIDs);
2. the pop-up API, rendered for the agent, names the ringing call's real
   customer number (captured ``customerNumber`` or ``CallerID``);
3. the lead with that number in any phone field, in any written form.

An unknown caller gets "<DID> is not present" with an Add Contact action
prefilled with the customer's real number; the seed product can only offer
the DID there and asks agents to obtain the number by hand.
:func:`add_contact` saves that action as a new lead (the agent's console
does, and the earlier calls of that number are linked to it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Literal

from calling.did_sync import DidGate
from calling.errors import FlowError
from connector.client import Client
from connector.config import ConnectorConfig
from connector.errors import PhoneNumberError
from connector.extract import customer_number_text
from connector.mapping import Outcome
from connector.phone import PhoneNumber, parse_phone
from connector.templating import MergeContext
from crm.models import Lead
from crm.store import CrmStore

__all__ = ["MAX_NAME_CHARS", "AddContact", "Popup", "PopupReason", "add_contact", "show_popup"]

#: A lead's first or last name typed into Add Contact.
MAX_NAME_CHARS = 100

PopupReason = Literal["lead", "unknown_caller", "not_a_did", "provider_error", "no_customer_number"]


@dataclass(frozen=True)
class AddContact:
    """The pop-up's Add Contact action, prefilled with the customer's real number."""

    phone: PhoneNumber  # shown in CRM form, +91-XXXXXXXXXX
    label: str = "Add Contact"


@dataclass(frozen=True)
class Popup:
    """What the agent sees (or why nothing is shown)."""

    shown: bool
    reason: PopupReason
    message: str
    did: str  # the caller id the agent's phone saw
    customer_number: PhoneNumber | None = None
    lead: Lead | None = None
    add_contact: AddContact | None = None
    outcome: Outcome | None = field(default=None, repr=False)

    def lines(self) -> list[str]:
        """The pop-up as text lines, for the CLI."""
        if not self.shown:
            return [f"no pop-up: {self.message}"]
        if self.lead is not None:
            name = f"{self.lead.first_name} {self.lead.last_name}".strip() or self.lead.id
            calling = self.customer_number.crm if self.customer_number else "?"
            out = [f"{name} (lead {self.lead.id})", f"calling from {calling}"]
            out += [f"{key}: {value}" for key, value in sorted(self.lead.fields.items())]
            return out
        contact = self.add_contact
        action = f"[{contact.label}: {contact.phone.crm}]" if contact else ""
        return [self.message, action] if action else [self.message]


def show_popup(
    store: CrmStore,
    client: Client,
    config: ConnectorConfig,
    *,
    agent_phone: str,
    caller: str,
    gate: DidGate | None = None,
) -> Popup:
    """Decide and build the pop-up for a call ringing on ``agent_phone`` from ``caller``.

    ``gate`` is the cached DID set (pass one gate for many pop-ups; without it a
    fresh one is read from ``store``). Template errors raise before sending.
    """
    gate = gate if gate is not None else DidGate(store, config.default_region)
    if not gate.admits(caller):
        return Popup(
            shown=False,
            reason="not_a_did",
            message=f"{caller} is not one of the synced DIDs; not a call to show",
            did=caller,
        )
    region = config.default_region
    try:
        agent = parse_phone(agent_phone, region)
    except PhoneNumberError as exc:
        raise FlowError(f"agent phone: {exc}") from None
    user = store.find_user_by_phone(agent)
    ctx = MergeContext(
        user=user.merge_fields() if user else {},
        agent_phone=agent,
        virtual_number_field=config.virtual_number_field,
        region=region,
    )
    result = client.call(config.api("agent_popup"), ctx, name="agent_popup")
    outcome = result.outcome
    if not outcome.ok:
        return Popup(
            shown=False,
            reason="provider_error",
            message=f"the provider answered: {outcome.message}",
            did=caller,
            outcome=outcome,
        )
    text = customer_number_text(outcome.data, result.answer)
    try:
        customer = parse_phone(text, region) if text else None
    except PhoneNumberError:
        customer = None
    if customer is None:
        shown = "no number" if text is None else repr(text)
        return Popup(
            shown=False,
            reason="no_customer_number",
            message=f"the pop-up answer names no valid customer number ({shown});"
            " map customerNumber as data",
            did=caller,
            outcome=outcome,
        )
    lead = store.find_lead_by_phone(customer)
    if lead is None:
        return Popup(
            shown=True,
            reason="unknown_caller",
            message=f"{caller} is not present",
            did=caller,
            customer_number=customer,
            add_contact=AddContact(phone=customer),
            outcome=outcome,
        )
    return Popup(
        shown=True,
        reason="lead",
        message=f"{lead.id} is calling",
        did=caller,
        customer_number=customer,
        lead=lead,
        outcome=outcome,
    )


def add_contact(
    store: CrmStore,
    phone: PhoneNumber,
    *,
    first_name: str,
    last_name: str = "",
    owner_id: str | None = None,
    lead_id: str | None = None,
) -> Lead:
    """Save the pop-up's Add Contact as a new lead with ``phone`` (CRM form) and return it.

    A name is required (first or last, at most ``MAX_NAME_CHARS`` each); a
    number that is already a lead's is a ``FlowError`` naming that lead (a
    second save of the same pop-up creates nothing). ``lead_id`` defaults to
    a fresh ``L-`` id. Calls of that number recorded before (unknown caller)
    are linked to the new lead by the store.
    """
    first, last = " ".join(first_name.split()), " ".join(last_name.split())
    if not first and not last:
        raise FlowError("Add Contact needs a first or a last name")
    for label, value in (("first name", first), ("last name", last)):
        if len(value) > MAX_NAME_CHARS:
            raise FlowError(f"the {label} is longer than {MAX_NAME_CHARS} characters")
    lead = Lead(
        id=lead_id or f"L-{secrets.token_hex(6)}",
        first_name=first,
        last_name=last,
        phone=phone.crm,
        owner_id=owner_id,
    )
    # One write transaction: two saves of the same pop-up cannot both pass the check.
    with store.transaction():
        existing = store.find_lead_by_phone(phone)
        if existing is not None:
            raise FlowError(f"{phone.crm} is already the number of lead {existing.id}")
        if store.get_lead(lead.id) is not None:
            raise FlowError(f"lead {lead.id!r} exists already; choose another id")
        store.upsert_lead(lead)
    return lead
