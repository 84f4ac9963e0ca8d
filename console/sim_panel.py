"""The simulator panel: only when the console is pointed at the simulator.

It plays the rest of the world for the logged-in agent, through the
simulator's control plane (``console.sim_client``, HTTP only): a customer
rings the agent's phone from a chosen number through a chosen DID (or
straight to the phone, not through a DID), the agent's calls are ended with
a chosen outcome (answered, no answer, busy, DND) and disposition, and the
call-log deliveries and ring notifications of the agent's calls are listed.
Every action is on the agent's own phone and calls only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from connector import PhoneNumberError, parse_phone, visible
from console.accounts import LoggedIn, current_agent, login_required
from console.errors import SimulatorPanelError
from console.sim_client import OUTCOMES, SimulatorAgent, SimulatorClient
from console.state import console_state

__all__ = ["OUTCOME_LABELS", "blueprint"]

OUTCOME_LABELS = {
    "answered": "Answered",
    "no_answer": "No answer",
    "busy": "Busy",
    "dnd": "DND",
}
_LISTED = 20
_ENDED = ("completed", "not_answered", "failed")


def _panel() -> tuple[SimulatorClient, LoggedIn]:
    sim = console_state().simulator
    agent = current_agent()
    if sim is None or agent is None:
        abort(404)
    return sim, agent


def _label(number: str) -> str:
    try:
        return parse_phone(number, console_state().config.default_region).crm
    except PhoneNumberError:
        return number


def _sim_agent(sim: SimulatorClient, agent: LoggedIn) -> SimulatorAgent | None:
    return sim.agent_for(agent.phone) if agent.phone is not None else None


@login_required
def panel() -> Any:
    """The panel page."""
    sim, agent = _panel()
    context: dict[str, Any] = {"outcomes": OUTCOME_LABELS, "sim_url": sim.base_url}
    try:
        state = sim.state()  # one read of /_sim/state for the agent, the DIDs and the mode
        me = state.agent_for(agent.phone) if agent.phone is not None else None
        calls = sim.calls_of(agent.phone)[:_LISTED] if agent.phone else []
        context.update(
            me=me,
            dids=[(did, _label(did)) for did in state.dids],
            mode=state.transitions,
            calls=calls,
            ended=_ENDED,
            deliveries=sim.deliveries_for(c["ucid"] for c in calls)[:_LISTED],
            notifications=sim.notifications_for(me.id)[:_LISTED] if me else [],
        )
    except SimulatorPanelError as exc:
        context.update(problem=visible(str(exc)))
    return render_template("simulator.html", **context)


def _back(message: str, category: str = "ok") -> Response:
    flash(message, category)
    return redirect(url_for("sim_panel.panel"))


@login_required
def ring() -> Response:
    """A customer calls through a DID (or straight to the phone) and the agent's phone rings."""
    sim, agent = _panel()
    customer = request.form.get("customer", "").strip()[:32]
    did = request.form.get("did", "").strip()[:32]
    try:
        parse_phone(customer, console_state().config.default_region)
    except PhoneNumberError:
        return _back(f"{visible(customer)!r} is not a phone number.", "error")
    try:
        me = _sim_agent(sim, agent)
        if me is None:
            return _back("The simulator has no agent with your phone number.", "error")
        if did:
            answer = sim.ring(me.id, customer, did)
            return _back(f"Ringing: call {answer.get('ucid')} from {customer} through {did}.")
        sim.ring_direct(me.id, customer)
        return _back(f"Ringing: {customer} calls your phone directly (no DID).")
    except SimulatorPanelError as exc:
        return _back(visible(str(exc)), "error")


@login_required
def end_call(ucid: str) -> Response:
    """End one of the agent's calls with the chosen outcome and disposition."""
    sim, agent = _panel()
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOMES:
        abort(400)
    disposition = " ".join(request.form.get("disposition", "").split())[:200]
    try:
        if agent.phone is None or ucid not in {c.get("ucid") for c in sim.calls_of(agent.phone)}:
            abort(404)
        sim.end_call(ucid, outcome, disposition)
    except SimulatorPanelError as exc:
        return _back(visible(str(exc)), "error")
    return _back(f"Call {ucid} ended: {OUTCOME_LABELS[outcome]}.")


@login_required
def transitions() -> Response:
    """Whether calls run to their end at once (immediate) or wait for the panel (manual)."""
    sim, _agent = _panel()
    mode = request.form.get("mode", "")
    if mode not in ("immediate", "manual"):
        abort(400)
    try:
        sim.set_transitions(mode)
    except SimulatorPanelError as exc:
        return _back(visible(str(exc)), "error")
    return _back("Calls now wait for you." if mode == "manual" else "Calls now end at once.")


def blueprint() -> Blueprint:
    """The simulator panel's routes."""
    bp = Blueprint("sim_panel", __name__)
    bp.add_url_rule("/simulator", "panel", panel, methods=["GET"])
    bp.add_url_rule("/simulator/ring", "ring", ring, methods=["POST"])
    bp.add_url_rule("/simulator/calls/<ucid>/end", "end_call", end_call, methods=["POST"])
    bp.add_url_rule("/simulator/transitions", "transitions", transitions, methods=["POST"])
    return bp
