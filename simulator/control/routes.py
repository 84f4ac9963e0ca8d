"""Control plane blueprint: ``/_sim/...``, JSON in and out (docs/interfaces.md).

=======  ===============================  ==========================================
method   path                             what
=======  ===============================  ==========================================
POST     /_sim/reset                      back to the seed (calls, journal, faults,
                                          outbox, ids, profile, transitions)
POST     /_sim/seed                       merge a seed document
GET      /_sim/state                      dump of all state (secrets redacted)
GET      /_sim/behaviours                 the magic-number table
GET      /_sim/journal                    ``?path=&method=&operation=&flagged=&limit=``
DELETE   /_sim/journal                    clear it
POST     /_sim/faults                     add a rule -> 201 ``{"id": "f1", "rule": {...}}``
GET      /_sim/faults[/<id>]              list / one rule
DELETE   /_sim/faults[/<id>]              clear all / one rule
GET      /_sim/profile                    the current profile
POST     /_sim/profile                    ``{"name": "sloppy"|"compliant", <switch>: value...}``
GET      /_sim/calls[/<ucid>]             calls and their history
POST     /_sim/calls/<ucid>/advance       ``{"to": "ringing"|"connected"|...,
                                          "reason", "disposition" (optional)}``
POST     /_sim/transitions                ``{"mode", "delays", "ucid" (optional)}``
POST     /_sim/incoming                   ``{"customer", "did", "agent_phone"|"agent",
                                          "dialect" (default ozonetel)}`` -> 201;
                                          the agent's phone is notified (ringer)
POST     /_sim/agents/<id>/notify         ``{"url": "http://..." | null}``: where the
                                          agent's phone says it rings
POST     /_sim/agents/<id>/ring           ``{"caller": "..."}``: a call straight to the
                                          phone, not through the provider
GET      /_sim/notifications              ring notifications sent and their answers
GET      /_sim/callbacks                  deliveries and their attempts
POST     /_sim/callbacks/mode             ``{"duplicate", "delay_ms", "reorder", "drop"}``
POST     /_sim/callbacks/flush            deliver what is due now, synchronously
=======  ===============================  ==========================================

Bad input answers 400 with a message naming the field (and, for a number,
its range); unknown ids 404; a transition the call cannot make 409. Never a
500 for bad JSON, NaN, Infinity or a number too large to use. Every answer
leaves through :func:`_reply`, which redacts credentials at any depth
(:func:`simulator.redaction.redact_json`): a ``callback_url``'s ``?token=``
is ``***`` in ``/_sim/state`` as everywhere else. One handler
answers every :class:`~simulator.errors.SimulatorError` (the tree is drawn in
:mod:`simulator.errors`) as ``{"status": "error", "message": ...}`` with the
error's ``status``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from simulator.behaviours import behaviour_rows
from simulator.callbacks import CallbackMode
from simulator.current import current_simulator
from simulator.errors import SimulatorError
from simulator.faults import UnknownFault
from simulator.limits import MAX_JOURNAL_LIMIT, checked_number
from simulator.profiles import get_profile
from simulator.redaction import redact_json
from simulator.seed import SeedError, checked_url
from simulator.state.numbers import national
from simulator.state.runtime import UnknownCall

__all__ = ["BadControlInput", "UnknownAgent", "blueprint"]

_DIALECTS = ("generic", "ozonetel", "knowlarity")
#: Why a call ended unanswered or failed, as ``advance`` accepts it.
_END_REASONS = ("busy", "no_answer", "dnd")
MAX_DISPOSITION_CHARS = 200


class BadControlInput(SimulatorError, ValueError):
    """A control-plane request body or query value is not usable (400)."""


class UnknownAgent(SimulatorError, KeyError):
    """No seeded agent has the given id (404)."""

    status = 404

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"no agent {agent_id[:40]}; seed it first (POST /_sim/seed)")


def _reply(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(redact_json(body))
    response.status_code = status
    return response


def _refuse(exc: SimulatorError) -> Response:
    """Every simulator error, one shape: ``{"status": "error", "message": ...}``."""
    return _reply({"status": "error", "message": str(exc)}, exc.status)


def _body(*, required: str | None = None) -> dict[str, Any]:
    """The JSON object sent, ``{}`` for an empty body; bad JSON is a 400.

    ``required`` is what to send, for a route whose body cannot be left out:
    an empty body is then a 400 saying so, not a silent default.
    """
    if not request.get_data(cache=True):
        if required is not None:
            raise BadControlInput(f"this route needs a JSON body: send {required}")
        return {}
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # "silent" covers ValueError only; deep nesting is bad JSON too
        data = None
    if not isinstance(data, dict):
        raise BadControlInput("the request body must be a JSON object")
    return data


def blueprint() -> Blueprint:
    """A fresh control-plane blueprint mounted at ``/_sim``."""
    bp = Blueprint("control", __name__, url_prefix="/_sim")
    bp.register_error_handler(SimulatorError, _refuse)
    for rule, view, methods in _ROUTES:
        bp.add_url_rule(rule, view.__name__.lstrip("_"), view, methods=methods)
    return bp


def _reset() -> Response:
    current_simulator().reset()
    return _reply({"status": "ok"})


def _seed() -> Response:
    current_simulator().merge_seed(_body())
    return _reply({"status": "ok"})


def _state() -> Response:
    return _reply(current_simulator().state_dict())


def _behaviours() -> Response:
    return _reply({"behaviours": behaviour_rows()})


def _journal() -> Response:
    sim = current_simulator()
    if request.method == "DELETE":
        sim.journal.clear()
        return _reply({"status": "ok"})
    args = request.args
    for name in ("path", "method", "operation", "flagged", "limit"):
        if len(args.getlist(name)) > 1:  # which one would count? Say so rather than guess.
            raise BadControlInput(f"{name} is given more than once; give it once")
    flagged = args.get("flagged")
    if flagged not in (None, "", "true", "false", "1", "0"):
        raise BadControlInput("flagged must be true or false")
    limit = _whole_number(args.get("limit"), "limit", MAX_JOURNAL_LIMIT)
    entries = sim.journal.entries(
        path=args.get("path") or None,
        method=args.get("method") or None,
        operation=args.get("operation") or None,
        flagged=None if flagged in (None, "") else flagged in ("true", "1"),
        limit=limit,
    )
    return _reply({"count": len(entries), "entries": [e.to_dict() for e in entries]})


def _whole_number(text: str | None, field: str, most: int) -> int | None:
    """A query value as a whole number from 0 to ``most`` (None when absent; empty is not one)."""
    if text is None:
        return None
    wanted = f"{field} must be a whole number from 0 to {most}"
    # isdigit() alone accepts "¹" and "٣", which int() refuses: ASCII digits only;
    # and more digits than ``most`` has are out of range without converting them.
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(most)):
        raise BadControlInput(wanted)
    return int(checked_number(int(text), field, 0, most, whole=True, error=BadControlInput))


def _faults() -> Response:
    sim = current_simulator()
    if request.method == "POST":
        rule = sim.faults.add(_body(), operations=sim.operations, normalise=national)
        return _reply({"id": rule.id, "rule": rule.to_dict()}, 201)
    if request.method == "DELETE":
        sim.faults.clear()
        return _reply({"status": "ok"})
    return _reply({"faults": [r.to_dict() for r in sim.faults.rules()]})


def _fault(fault_id: str) -> Response:
    sim = current_simulator()
    if request.method == "DELETE":
        if not sim.faults.remove(fault_id):
            raise UnknownFault(fault_id)
        return _reply({"status": "ok"})
    rule = next((r for r in sim.faults.rules() if r.id == fault_id), None)
    if rule is None:
        raise UnknownFault(fault_id)
    return _reply(rule.to_dict())


def _profile() -> Response:
    sim = current_simulator()
    if request.method == "POST":
        body = _body()
        name = body.get("name")
        if not isinstance(name, str):
            raise BadControlInput('send {"name": "compliant"} or {"name": "sloppy"}')
        switches = {key: value for key, value in body.items() if key != "name"}
        profile = get_profile(name).with_switches(switches)
        with sim.lock:
            sim.profile = profile
    return _reply({"profile": sim.profile.to_dict()})


def _calls() -> Response:
    sim = current_simulator()
    with sim.lock:
        calls = [c.to_dict() for c in sim.calls.calls.values()]
    return _reply({"calls": calls})


def _call(ucid: str) -> Response:
    sim = current_simulator()
    with sim.lock:
        call = sim.calls.get(ucid)
        if call is None:
            raise UnknownCall(ucid)
        return _reply(call.to_dict())


def _advance(ucid: str) -> Response:
    body = _body()
    to = body.get("to")
    if not isinstance(to, str):
        raise BadControlInput(
            'send {"to": "ringing"|"connected"|"completed"|"not_answered"|"failed"}'
        )
    reason = body.get("reason")
    if reason is not None and reason not in _END_REASONS:
        raise BadControlInput(f"reason must be one of {', '.join(_END_REASONS)} or null")
    disposition = body.get("disposition")
    if disposition is not None and (
        not isinstance(disposition, str)
        or len(disposition) > MAX_DISPOSITION_CHARS
        or not disposition.isprintable()
    ):
        raise BadControlInput(
            f"disposition must be printable text of at most {MAX_DISPOSITION_CHARS} characters"
        )
    sim = current_simulator()
    call = sim.advance(ucid, to, reason=reason, disposition=disposition)
    with sim.lock:
        return _reply(call.to_dict())


def _transitions() -> Response:
    body = _body()
    mode = body.get("mode")
    delays = body.get("delays")
    ucid = body.get("ucid")
    if not isinstance(mode, str):
        raise BadControlInput('send {"mode": "immediate"|"manual"|"timed", "delays": {...}}')
    if delays is not None and not isinstance(delays, dict):
        raise BadControlInput("delays must be an object of state -> seconds")
    if ucid is not None and not isinstance(ucid, str):
        raise BadControlInput("ucid must be a string")
    sim = current_simulator()
    sim.set_transitions(mode, delays, ucid)
    return _reply({"mode": sim.mode, "delays": dict(sim.delays), "ucid": ucid})


def _incoming() -> Response:
    body = _body()
    for key in ("customer", "did", "agent", "agent_phone"):
        if key in body and not isinstance(body[key], str):
            raise BadControlInput(f"{key} must be a string")
    if "agent_phone" in body and national(body["agent_phone"]) is None:
        raise BadControlInput("agent_phone must be a valid Indian phone number")
    sim = current_simulator()
    customer = national(str(body.get("customer", "")))
    if customer is None:
        raise BadControlInput("customer must be a valid Indian phone number")
    did = national(str(body.get("did", "")))
    dialect = body.get("dialect", "ozonetel")
    if dialect not in _DIALECTS:
        raise BadControlInput(f"dialect must be one of {', '.join(_DIALECTS)}")
    with sim.lock:
        if did is None or not sim.directory.has_did(did):
            dids = sim.directory.dids
            known = ", ".join(dids[:10]) + (f" and {len(dids) - 10} more" if len(dids) > 10 else "")
            raise BadControlInput(f"did must be one of the seeded DIDs ({known or 'none'})")
        if "agent" in body:
            agent = sim.directory.agents.get(str(body["agent"]))
        else:
            phone = national(str(body.get("agent_phone", "")))
            agent = sim.directory.agent_by_phone(phone) if phone else None
        if agent is None:
            raise BadControlInput(
                'name a seeded agent: "agent": "agent1" or "agent_phone": "98..."'
            )
        call = sim.incoming(customer=customer, did=did, agent=agent, dialect=str(dialect))
        return _reply(
            {"ucid": call.ucid, "state": call.state.value, "notification": call.notification},
            201,
        )


def _agent(agent_id: str) -> Any:
    agent = current_simulator().directory.agents.get(agent_id)
    if agent is None:
        raise UnknownAgent(agent_id)
    return agent


def _agent_notify(agent_id: str) -> Response:
    body = _body()
    if "url" not in body:
        raise BadControlInput('send {"url": "http://host:port/path"} or {"url": null}')
    url = body["url"]
    try:
        checked = None if url is None else checked_url(url, "url")
    except SeedError as exc:
        raise BadControlInput(str(exc)) from None
    sim = current_simulator()
    with sim.lock:
        agent = _agent(agent_id)
        agent.notify_url = checked
        return _reply({"agent": agent.id, "notify_url": agent.notify_url})


def _agent_ring(agent_id: str) -> Response:
    caller = national(str(_body().get("caller", ""))[:32])
    if caller is None:
        raise BadControlInput("caller must be a valid Indian phone number")
    sim = current_simulator()
    with sim.lock:
        note = sim.ring_phone(_agent(agent_id), caller=caller)
    return _reply({"notification": note.id if note else None}, 202 if note else 200)


def _notifications() -> Response:
    notes = current_simulator().ringer.notifications()
    return _reply({"count": len(notes), "notifications": [n.to_dict() for n in notes]})


def _callbacks() -> Response:
    sim = current_simulator()
    return _reply(
        {
            "mode": sim.outbox.mode.to_dict(),
            "deliveries": [d.to_dict() for d in sim.outbox.deliveries()],
        }
    )


def _callback_mode() -> Response:
    sim = current_simulator()
    wanted = '{"duplicate": false, "delay_ms": 0, "reorder": false, "drop": false}'
    sim.outbox.mode = CallbackMode.from_mapping(_body(required=wanted))
    return _reply({"mode": sim.outbox.mode.to_dict()})


def _flush() -> Response:
    results = current_simulator().outbox.flush()
    return _reply({"count": len(results), "results": results})


_ROUTES = (
    ("/reset", _reset, ["POST"]),
    ("/seed", _seed, ["POST"]),
    ("/state", _state, ["GET"]),
    ("/behaviours", _behaviours, ["GET"]),
    ("/journal", _journal, ["GET", "DELETE"]),
    ("/faults", _faults, ["GET", "POST", "DELETE"]),
    ("/faults/<fault_id>", _fault, ["GET", "DELETE"]),
    ("/profile", _profile, ["GET", "POST"]),
    ("/calls", _calls, ["GET"]),
    ("/calls/<ucid>", _call, ["GET"]),
    ("/calls/<ucid>/advance", _advance, ["POST"]),
    ("/transitions", _transitions, ["POST"]),
    ("/incoming", _incoming, ["POST"]),
    ("/agents/<agent_id>/notify", _agent_notify, ["POST"]),
    ("/agents/<agent_id>/ring", _agent_ring, ["POST"]),
    ("/notifications", _notifications, ["GET"]),
    ("/callbacks", _callbacks, ["GET"]),
    ("/callbacks/mode", _callback_mode, ["POST"]),
    ("/callbacks/flush", _flush, ["POST"]),
)
