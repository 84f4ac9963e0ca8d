"""The incoming pop-up: the phone says it rings, the console runs the real pop-up flow.

``POST /phone/ring`` is where an agent's phone app (the simulator plays it:
``simulator.ringer``) says the phone rings, with the caller id the phone
shows. The console finds the CRM user whose phone that is and runs
``calling.show_popup``: the DID gate first (a caller id that is not a synced
DID is a private call: nothing is shown and the provider is not asked), then
the pop-up API for the customer's real number, then the lead in any written
form. A lead shows as its card; an unknown caller as "<DID> is not present"
with Add Contact prefilled with the real number. Only that agent's screens
get it (``LiveHub`` events are addressed to one user).

The endpoint is a machine's, not a form: no session, no CSRF token; it is
guarded by the call-log token instead (``calling.TokenGate`` on ``/phone``,
applied by ``console.app``). Its body is JSON of at most
:data:`MAX_RING_BYTES`; the contract is in docs/console.md.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, request
from werkzeug.wrappers import Response

from calling import FlowError, add_contact, show_popup
from connector import ConnectorError, PhoneNumberError, parse_phone, visible
from console.accounts import current_agent, login_required, safe_next
from console.state import console_state

__all__ = ["MAX_RING_BYTES", "RING_PATH", "blueprint", "ring"]

RING_PATH = "/phone/ring"
MAX_RING_BYTES = 4096
_FIELD_CHARS = 64


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"status": "error", "message": message}), status


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name}: required, a phone number as text")
    if len(value) > _FIELD_CHARS:
        raise ValueError(f"{name}: at most {_FIELD_CHARS} characters")
    return value.strip()


def ring() -> tuple[Response, int]:
    """The phone rings: decide the pop-up and push it to that agent's screens."""
    state = console_state()
    if (request.content_length or 0) > MAX_RING_BYTES:
        return _error(413, f"a ring notification is at most {MAX_RING_BYTES} bytes")
    raw = request.get_data(cache=False)[: MAX_RING_BYTES + 1]
    if len(raw) > MAX_RING_BYTES:
        return _error(413, f"a ring notification is at most {MAX_RING_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
        data = None
    if not isinstance(data, dict):
        return _error(400, "the body must be a JSON object (see docs/console.md)")
    try:
        agent_phone, caller = _field(data, "agent_phone"), _field(data, "caller")
    except ValueError as exc:
        return _error(400, str(exc))
    ring_id = data.get("id")
    ring_id = ring_id[:_FIELD_CHARS] if isinstance(ring_id, str) else None
    try:
        phone = parse_phone(agent_phone, state.config.default_region)
    except PhoneNumberError:
        return _error(400, "agent_phone: not a phone number")
    user = state.store.find_user_by_phone(phone)
    if user is None:
        return _error(404, f"no CRM user has the phone {phone.crm}; set the user's phone")
    try:
        popup = show_popup(
            state.store,
            state.client,
            state.config,
            agent_phone=agent_phone,
            caller=caller,
            gate=state.gate,
        )
    except (FlowError, ConnectorError) as exc:
        return _error(422, visible(str(exc)))
    answer: dict[str, Any] = {
        "status": "ok",
        "shown": popup.shown,
        "reason": popup.reason,
        "popup": None,
    }
    if popup.shown:
        shown = state.board.add(user.id, popup, ring_id)
        state.hub.publish("popup", shown.id, user_id=user.id)
        answer["popup"] = shown.id
    else:
        answer["message"] = popup.message
    return jsonify(answer), 200


@login_required
def save_contact(popup_id: str) -> Response:
    """Add Contact: create the lead; the pop-up turns into its card."""
    state = console_state()
    agent = current_agent()
    assert agent is not None
    shown = state.board.get(agent.id, popup_id)
    if shown is None:
        abort(404)  # not this agent's pop-up, or long gone
    back = safe_next(request.form.get("next"))
    if not shown.needs_contact:
        return redirect(back)
    text = request.form.get("phone", "")[:_FIELD_CHARS]
    try:
        number = parse_phone(text, state.config.default_region)
        lead = add_contact(
            state.store,
            number,
            first_name=request.form.get("first_name", "")[:200],
            last_name=request.form.get("last_name", "")[:200],
            owner_id=agent.id,
        )
    except PhoneNumberError:
        flash(f"Add Contact: {visible(text)!r} is not a phone number.", "error")
        return redirect(back)
    except (FlowError, ConnectorError) as exc:
        flash(f"Add Contact: {visible(str(exc))}", "error")
        return redirect(back)
    state.board.show_lead(agent.id, popup_id, lead)
    state.hub.publish("popup", popup_id, user_id=agent.id)
    flash(f"Lead {lead.id} saved.", "ok")
    return redirect(back)


@login_required
def dismiss(popup_id: str) -> Response:
    """Close the pop-up."""
    agent = current_agent()
    assert agent is not None
    if console_state().board.dismiss(agent.id, popup_id) is None:
        abort(404)
    return redirect(safe_next(request.form.get("next")))


def blueprint() -> Blueprint:
    """The ring endpoint and the pop-up's actions."""
    bp = Blueprint("popups", __name__)
    bp.add_url_rule(RING_PATH, "ring", ring, methods=["POST"])
    bp.add_url_rule("/popups/<popup_id>/contact", "save_contact", save_contact, methods=["POST"])
    bp.add_url_rule("/popups/<popup_id>/dismiss", "dismiss", dismiss, methods=["POST"])
    return bp
