"""The generic dialect's call record: a LeadSquared call-log JSON (providers.md 6.1).

Numbers in the CRM form ``+91-XXXXXXXXXX``, times in UTC ``YYYY-MM-DD
HH:MM:SS``, ``CallDuration`` in whole seconds of talk. Outbound: the source is
the agent, the destination the lead; inbound the other way round.
"""

from __future__ import annotations

import json

from simulator.callbacks import CallbackPayload
from simulator.clock import utc_text
from simulator.providers.base import call_times
from simulator.state.calls import Call, CallState
from simulator.state.directory import Account, Directory
from simulator.state.numbers import crm

__all__ = ["record"]


def record(call: Call, account: Account, directory: Directory) -> CallbackPayload:
    """The call-log JSON POSTed to the account's callback URL."""
    del directory  # the call carries everything this shape needs
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
        "Status": "Answered" if answered else "NotAnswered",
        "ResourceURL": (
            f"https://recordings.simulator.invalid/{account.username}/{call.ucid}.mp3"
            if answered
            else ""
        ),
        "Direction": "Outbound" if outbound else "Inbound",
        "CallSessionId": call.ucid,
    }
    return CallbackPayload(
        dialect="generic",
        content_type="application/json",
        body=json.dumps(body).encode(),
        record=body,
    )
