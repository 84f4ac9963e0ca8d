"""``GET /events``: one agent's live stream (Server-Sent Events).

Each event the hub hands this stream is rendered here, for this agent only:
a pop-up must be on this agent's board, an activity must be this agent's
call (``console.present.owns``); anything else is skipped. The rendered
fragment travels as JSON (``{"id", "lead", "html"}``) in one ``data:`` line,
and the page's script puts it in place (``static/console.js``). Each event
has the hub's sequence number as its ``id:``, so a browser that reconnects
sends ``Last-Event-ID`` and gets what it missed (``LiveHub.open``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Blueprint, render_template, request, stream_with_context
from werkzeug.wrappers import Response

from connector import PhoneNumber
from console.accounts import current_agent, login_required
from console.live import Event
from console.present import activity_view, owns
from console.state import console_state
from crm import User

__all__ = ["RETRY_MS", "blueprint", "render_event"]

#: How long a browser waits before reconnecting a stream that ended.
RETRY_MS = 3000


def _after(text: str | None) -> int | None:
    if text and text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _frame(event: Event, payload: dict[str, object]) -> str:
    data = json.dumps(payload, separators=(",", ":"))  # one line: no "data:" split needed
    ident = f"id: {event.seq}\n" if event.seq else ""
    return f"{ident}event: {event.kind}\ndata: {data}\n\n"


def render_event(event: Event, user: User, phone: PhoneNumber | None) -> str | None:
    """The SSE frame of ``event`` for this agent, or None when it is not theirs to see."""
    state = console_state()
    if event.kind in ("reload", "bye"):
        return _frame(event, {})
    if event.kind == "popup":
        shown = state.board.get(user.id, event.ref)
        if shown is None:
            return None
        html = render_template("_popup.html", shown=shown, next=request.args.get("page", "/"))
        return _frame(event, {"id": shown.id, "html": html})
    if event.kind == "activity" and event.ref.isdigit():
        activity = state.store.get_activity(int(event.ref))
        if activity is None or not owns(user, phone, activity):
            return None
        html = render_template("_activity.html", a=activity_view(activity))
        return _frame(event, {"id": activity.id, "lead": activity.lead_id, "html": html})
    return None


@login_required
def events() -> Response:
    """The live stream of the logged-in agent (503 with ``Retry-After`` when full)."""
    state = console_state()
    agent = current_agent()
    assert agent is not None
    after = _after(request.headers.get("Last-Event-ID") or request.args.get("after"))
    sub = state.hub.open(agent.id, after)
    if sub is None:
        response = Response("too many live streams are open; retrying soon\n", 503)
        response.headers["Retry-After"] = "5"
        return response
    user, phone, heartbeat = agent.user, agent.phone, state.hub.heartbeat_s

    def stream() -> Iterator[str]:
        try:
            yield f"retry: {RETRY_MS}\n: live\n\n"
            while True:
                try:
                    event = sub.next(heartbeat)
                except EOFError:
                    return
                if event is None:
                    yield ": keep-alive\n\n"
                    continue
                frame = render_event(event, user, phone)
                if frame is not None:
                    yield frame
        finally:
            # Runs when the stream ends, the hub closes it, or the client went away.
            state.hub.release(sub)

    response = Response(stream_with_context(stream()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def blueprint() -> Blueprint:
    """The live stream."""
    bp = Blueprint("events", __name__)
    bp.add_url_rule("/events", "events", events, methods=["GET"])
    return bp
