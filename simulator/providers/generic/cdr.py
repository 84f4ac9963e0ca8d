"""The generic dialect's call record: a LeadSquared call-log JSON (providers.md 6.1).

Numbers in the CRM form ``+91-XXXXXXXXXX``, times in UTC ``YYYY-MM-DD
HH:MM:SS``, ``CallDuration`` in whole seconds of talk. Outbound: the source is
the agent, the destination the lead; inbound the other way round. ``Status``
is ``Answered``, ``NotAnswered`` (a missed call) or ``Failed`` (a dial refused
before anyone's phone rang: DND, blacklisted, invalid number).
"""

from __future__ import annotations

import json

from simulator.callbacks import CallbackPayload
from simulator.clock import utc_text
from simulator.profiles import Profile
from simulator.providers.base import call_times
from simulator.state.calls import Call, CallState
from simulator.state.directory import Account, Directory
from simulator.state.numbers import crm

__all__ = ["record"]


def _recording(call: Call, account: Account) -> str:
    # The simulator's own URL when it knows it (it serves the file there).
    return (
        call.recording_url
        or f"https://recordings.simulator.invalid/{account.username}/{call.ucid}.mp3"
    )


_STATUS = {CallState.COMPLETED: "Answered", CallState.FAILED: "Failed"}


def record(call: Call, account: Account, directory: Directory, profile: Profile) -> CallbackPayload:
    """The call-log JSON POSTed to the call's (or the account's) callback URL."""
    del directory, profile  # the call carries everything this shape needs
    times = call_times(call)
    agent = crm(call.agent_phone) if call.agent_phone else ""
    customer = crm(call.customer)
    outbound = call.direction == "outbound"
    answered = call.state == CallState.COMPLETED
    body = {
        "SourceNumber": agent if outbound else customer,
        "DestinationNumber": customer if outbound else agent,
        "DisplayNumber": crm(call.did) if call.did else "",
        "StartTime": utc_text(call.started_at),
        "EndTime": utc_text(call.ended_at or call.started_at),
        "CallDuration": round(times.talk),
        "Status": _STATUS.get(call.state, "NotAnswered"),
        "ResourceURL": _recording(call, account) if answered else "",
        "Direction": "Outbound" if outbound else "Inbound",
        "CallSessionId": call.ucid,
    }
    if call.disposition:  # LeadSquared's call log carries the agent's disposition
        body["Disposition"] = call.disposition
    return CallbackPayload(
        dialect="generic",
        content_type="application/json",
        body=json.dumps(body).encode(),
        record=body,
    )
