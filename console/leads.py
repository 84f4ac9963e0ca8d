"""Leads: search, the lead page, and its call actions (Cloud Call through ``place_call``).

Search takes a name (part of it) or a phone number in any written form
(``+91-98450 12345``, ``09845012345``, ``919845012345``): text that reads as
a number is looked up in the CRM's phone index, anything else by name. The
lead page offers what the connector's mode offers (``call_options``):
``cloud_only`` the Cloud Call alone, ``default_and_cloud`` the phone's own
dialer (a ``tel:`` link) and the Cloud Call. A Cloud Call is placed by the
real flow (``calling.place_call``); its activity shows at once as initiated
or failed, and changes live when the provider's call log lands.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from calling import FlowError, call_options, place_call
from connector import ConnectorError, PhoneNumberError, parse_phone, visible
from console.accounts import current_agent, login_required
from console.present import activity_view, lead_name, owns, phone_fields
from console.state import console_state
from crm import Lead

__all__ = ["MAX_QUERY_CHARS", "MAX_RESULTS", "blueprint", "find_leads"]

MAX_QUERY_CHARS = 100
MAX_RESULTS = 50
_NUMBER_LIKE = re.compile(r"^[\d\s+\-().]+$")


def find_leads(query: str) -> tuple[list[Lead], str]:
    """Leads for a search box's text, and how it was read (``number`` or ``name``)."""
    state = console_state()
    text = query.strip()[:MAX_QUERY_CHARS]
    if not text:
        return [], "name"
    if _NUMBER_LIKE.match(text) and sum(c.isdigit() for c in text) >= 6:
        try:
            number = parse_phone(text, state.config.default_region)
        except PhoneNumberError:
            return [], "number"
        lead = state.store.find_lead_by_phone(number)
        return ([lead] if lead else []), "number"
    return state.store.search_leads(text, limit=MAX_RESULTS), "name"


@login_required
def leads() -> str:
    """The search page."""
    query = request.args.get("q", "")
    found, read_as = find_leads(query) if query.strip() else ([], "name")
    return render_template(
        "leads.html",
        query=query[:MAX_QUERY_CHARS],
        read_as=read_as,
        leads=found,
        lead_name=lead_name,
        searched=bool(query.strip()),
    )


def _lead_or_404(lead_id: str) -> Lead:
    lead = console_state().store.get_lead(lead_id)
    if lead is None:
        abort(404)
    return lead


@login_required
def lead_page(lead_id: str) -> str:
    """One lead: its phone fields, the call actions, and the agent's calls with it."""
    state = console_state()
    agent = current_agent()
    assert agent is not None
    lead = _lead_or_404(lead_id)
    mine = [a for a in state.store.activities(lead.id) if owns(agent.user, agent.phone, a)]
    phones = phone_fields(lead, state.config.default_region)
    phone_names = {name for name, _text in lead.phone_fields()}
    return render_template(
        "lead.html",
        lead=lead,
        name=lead_name(lead),
        phones=phones,
        options=call_options(state.config),
        mode=str(state.config.mode.value),
        activities=[activity_view(a) for a in mine],
        # Every other field: a phone field shows once, in the phone table.
        extra_fields=sorted((k, v) for k, v in lead.fields.items() if k not in phone_names),
    )


@login_required
def cloud_call(lead_id: str) -> Response:
    """Place the Cloud Call and go back to the lead page, where its activity shows."""
    state = console_state()
    agent = current_agent()
    assert agent is not None
    lead = _lead_or_404(lead_id)
    field = request.form.get("number", "phone")
    if field not in ("phone", "mobile"):
        abort(400)
    try:
        attempt = place_call(
            state.store, state.client, state.config, lead.id, agent.id, number_field=field
        )
    except (FlowError, ConnectorError) as exc:
        flash(f"Cloud Call not placed: {visible(str(exc))}", "error")
        return redirect(url_for("leads.lead_page", lead_id=lead.id))
    state.hub.publish("activity", str(attempt.activity_id))
    who = attempt.customer_number.crm
    if attempt.initiated:
        flash(f"Calling {who}: the provider queued the call; your phone rings first.", "ok")
    elif attempt.dnd:
        flash(f"Not called: {who} is on the DND register ({visible(attempt.message)}).", "error")
    else:
        flash(f"Cloud Call failed: {visible(attempt.message)}", "error")
    return redirect(url_for("leads.lead_page", lead_id=lead.id))


def home() -> Any:
    """The start page is the lead search."""
    return redirect(url_for("leads.leads"))


def blueprint() -> Blueprint:
    """Leads, the lead page and Cloud Call."""
    bp = Blueprint("leads", __name__)
    bp.add_url_rule("/", "home", home, methods=["GET"])
    bp.add_url_rule("/leads", "leads", leads, methods=["GET"])
    bp.add_url_rule("/leads/<lead_id>", "lead_page", lead_page, methods=["GET"])
    bp.add_url_rule("/leads/<lead_id>/call", "cloud_call", cloud_call, methods=["POST"])
    return bp
