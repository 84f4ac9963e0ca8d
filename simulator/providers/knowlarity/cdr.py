"""Knowlarity's call webhook, in the shape of the sample (providers.md 3.3).

Quirks kept: ``start_time`` in UTC (``+00:00``) but ``end_time`` in IST
(``+05:30``) in the same event, ``call_duration`` a string, ``extension`` the
string ``"None"``. ``additional_params`` from makecall is echoed back.
"""

from __future__ import annotations

import json
from datetime import UTC

from simulator.callbacks import CallbackPayload
from simulator.clock import IST
from simulator.profiles import Profile
from simulator.providers.base import call_times
from simulator.state.calls import Call, CallState
from simulator.state.directory import Account, Directory
from simulator.state.numbers import e164

__all__ = ["record"]


def record(
    call: Call, account: Account, directory: Directory, profile: Profile
) -> CallbackPayload | None:
    """The webhook JSON; none for a dial refused before anyone's phone rang [I]."""
    del directory, profile
    if call.reason in ("dnd", "blacklisted"):
        return None  # nothing was dialled, so no call event to push
    times = call_times(call)
    answered = call.state == CallState.COMPLETED
    end = call.ended_at or call.started_at
    body = {
        "dispnumber": e164(call.did) if call.did else "",
        "extension": "None",
        "callid": call.ucid,
        "call_duration": str(round(times.talk)),
        "destination": "Agent" if call.agent_phone else "Welcome Sound",
        "caller_id": e164(call.customer),
        "agent_number": e164(call.agent_phone) if call.agent_phone else "",
        "end_time": end.astimezone(IST).isoformat(sep=" ", timespec="microseconds"),
        "action": "6",
        "timezone": "Asia/Kolkata",
        "resource_url": (
            (
                call.recording_url
                or f"https://recordings.simulator.invalid/{account.username}/{call.ucid}.mp3"
            )
            if answered
            else ""
        ),
        "hangup_cause": "900" if answered else "1001",
        "type": "call",
        "start_time": call.started_at.astimezone(UTC).isoformat(sep=" ", timespec="microseconds"),
        "call_type": "incoming" if call.direction == "inbound" else "outgoing",
        "additional_params": call.extra.get("additional_params", {}),
    }
    return CallbackPayload(
        dialect="knowlarity",
        content_type="application/json",
        body=json.dumps(body).encode(),
        record=body,
    )
