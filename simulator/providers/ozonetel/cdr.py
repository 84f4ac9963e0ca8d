"""Ozonetel's callback (CDR push, providers.md 2.7 and 2.10).

A form-encoded POST with one field, ``data``, whose value is a JSON string.
Times are IST ``YYYY-MM-DD HH:MM:SS`` without a zone, durations ``HH:MM:SS``
strings, and number formats are mixed in one payload as in real ones
(``CallerID`` 12-digit ``91...`` on inbound, 10-digit on manual; ``DialedNumber``
with a trunk ``0``). ``Apikey`` echoes the account's real key, as Ozonetel
does: the receiver (the connector) must redact it. The profile switch
``echo_api_key`` turns the echo off (what a partner that passes ``mcc verify``'s
``callback.secrets`` does).

Pre-dial failures (DND, blacklisted) look like Ozonetel's toolbar saves them:
``Status`` ``Fail``, ``HangupBy`` ``SystemHangup``, ``AudioFile`` ``-1``,
``AgentStatus`` ``NotDialed``.
"""

from __future__ import annotations

import json
import zlib
from typing import Any
from urllib.parse import urlencode

from simulator.callbacks import CallbackPayload
from simulator.clock import IST, hms, ist_text
from simulator.profiles import Profile
from simulator.providers.base import call_times
from simulator.state.calls import Call, CallState
from simulator.state.directory import Account, Directory
from simulator.state.numbers import with_country_code

__all__ = ["cdr_fields", "record"]

# reason -> (DialStatus, CustomerStatus)
_LEG_STATUS = {
    "busy": ("busy", "busy"),
    "no_answer": ("not_answered", "not_answered"),
    "invalid_number": ("InvalidNumber", "InvalidNumber"),
    "dnd": ("NotDialed", "NotDialed"),
    "blacklisted": ("BlockedNumber", "NotDialed"),
}


def _recording(account: Account, call: Call) -> str:
    if call.recording_url:  # the simulator's own URL, where the file plays
        return call.recording_url
    stamp = call.started_at.astimezone(IST).strftime("%Y%m%d%H%M%S")
    user = account.username
    return f"http://recordings.kookoo.in/{user}/{user}_{call.ucid}_{stamp}.mp3"


def cdr_fields(call: Call, account: Account, directory: Directory) -> dict[str, Any]:
    """The record as a dict (field order as in real payloads)."""
    agent = directory.agents.get(call.agent_id or "")
    campaign = directory.campaigns.get(call.campaign or "")
    times = call_times(call)
    state = call.state
    pre_dial = call.reason in ("dnd", "blacklisted")
    system_failed = state == CallState.FAILED
    answered = state == CallState.COMPLETED
    inbound = call.direction == "inbound"
    dial_status, customer_status = _LEG_STATUS.get(
        call.reason, ("answered", "answered") if answered else ("not_answered", "not_answered")
    )
    if answered:
        hangup = "UserHangup"
    elif system_failed:
        hangup = "SystemHangup"
    else:
        hangup = "AgentHangup"
    if answered:
        status, audio = "Answered", _recording(account, call)
    elif pre_dial:
        status, audio = "Fail", "-1"
    else:
        status, audio = "NotAnswered", "-1" if system_failed else ""
    if pre_dial:
        agent_status = "NotDialed"
    elif inbound and not answered:
        agent_status = "not_answered"
    else:
        agent_status = "answered"
    return {
        "monitorUCID": call.ucid,
        "UUI": call.uui or ("" if inbound else "Manual Dial"),
        "Did": with_country_code(call.did) if call.did else "",
        "CampaignName": call.campaign or "",
        "Location": "Bangalore",
        "CallerID": with_country_code(call.customer) if inbound else call.customer,
        "PhoneName": (agent.phone_name or agent.id) if agent else "",
        "Skill": "General" if inbound else "",
        "StartTime": ist_text(call.started_at),
        "EndTime": ist_text(call.ended_at or call.started_at),
        "TimeToAnswer": hms(times.time_to_answer),
        "CallDuration": hms(times.total),
        "Duration": hms(times.talk),
        "FallBackRule": "AgentDial",
        "DialedNumber": (call.agent_phone or "") if inbound else f"0{call.customer}",
        "Type": "inbound" if inbound else "Manual",
        "AgentID": call.agent_id or "",
        "AgentPhoneNumber": call.agent_phone or "",
        "AgentUniqueID": str(zlib.crc32(agent.id.encode()) % 100000) if agent else "",
        "AgentName": agent.name if agent else "",
        "Disposition": call.disposition,
        "HangupBy": hangup,
        "Status": status,
        "AudioFile": audio,
        "TransferType": "No Transfers",
        "TransferredTo": "",
        "Comments": "",
        "DialStatus": dial_status,
        "Apikey": account.api_key,
        "AgentStatus": agent_status,
        "CustomerStatus": customer_status,
        "UserName": account.username,
        "CallerConfAudioFile": "",
        "ConfDuration": "00:00:00",
        "CampaignStatus": "OFFLINE" if campaign and campaign.offline else "ONLINE",
    }


def record(call: Call, account: Account, directory: Directory, profile: Profile) -> CallbackPayload:
    """The callback: ``data=<JSON string>``, form-encoded."""
    fields = cdr_fields(call, account, directory)
    if not profile.echo_api_key:
        fields = {name: value for name, value in fields.items() if name != "Apikey"}
    body = urlencode({"data": json.dumps(fields)}).encode()
    return CallbackPayload(
        dialect="ozonetel",
        content_type="application/x-www-form-urlencoded",
        body=body,
        record=fields,
    )
