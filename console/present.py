"""How records look on screen: pure functions from CRM records to what templates show.

No Flask, no I/O: the templates get plain values (Jinja2 escapes every one
of them), and the tests can check the wording without a server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from connector import CallStatus, Direction, PhoneNumber, PhoneNumberError, parse_phone
from crm import Activity, Lead, User

__all__ = [
    "ActivityView",
    "PhoneField",
    "activity_view",
    "lead_name",
    "owns",
    "phone_fields",
    "playable_url",
]

_STATUS_LABELS = {
    CallStatus.INITIATED: "initiated",
    CallStatus.ANSWERED: "answered",
    CallStatus.NOT_ANSWERED: "missed",
    CallStatus.FAILED: "failed",
}
# The fields place_call can dial (its number_field); a custom field is shown, not dialled.
_PLACE_CALL_KEYS = {"Phone": "phone", "Mobile": "mobile"}


def lead_name(lead: Lead) -> str:
    """The lead's name, or its id when it has none."""
    return f"{lead.first_name} {lead.last_name}".strip() or lead.id


@dataclass(frozen=True)
class PhoneField:
    """One phone field of a lead: its name, the text as stored, and the number it holds."""

    name: str
    key: str | None  # ``phone`` or ``mobile`` (what place_call takes); None for custom fields
    text: str
    number: PhoneNumber | None


def phone_fields(lead: Lead, region: str = "IN") -> list[PhoneField]:
    """The lead's non-empty phone fields (``Lead.phone_fields``: the ones the CRM indexes)."""
    found = []
    for name, text in lead.phone_fields():
        if not text:
            continue
        key = _PLACE_CALL_KEYS.get(name)
        try:
            number: PhoneNumber | None = parse_phone(text, region)
        except PhoneNumberError:
            number = None
        found.append(PhoneField(name, key, text, number))
    return found


def playable_url(url: str | None) -> str | None:
    """``url`` when a browser may load it as audio: http(s) with a host; else None."""
    if not url or len(url) > 2048:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and host else None


def owns(user: User, phone: PhoneNumber | None, activity: Activity) -> bool:
    """True when the call is this agent's: placed by them, or rang their phone."""
    if activity.user_id is not None:
        return activity.user_id == user.id
    return phone is not None and activity.agent_phone == phone


@dataclass(frozen=True)
class ActivityView:
    """A call as a row of the activity list."""

    id: int
    lead_id: str | None
    direction: str  # "outbound" / "inbound"
    status: str  # initiated, answered, missed, failed
    dnd: bool
    duration: str  # talk time, m:ss
    started: str
    customer: str  # CRM form, or "" when not known
    recording: str | None
    disposition: str
    message: str  # the provider's message on a failed call


def _clock(seconds: int) -> str:
    minutes, rest = divmod(max(0, seconds), 60)
    return f"{minutes}:{rest:02d}"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


def activity_view(activity: Activity) -> ActivityView:
    """What the activity list shows of one call."""
    status = activity.status
    return ActivityView(
        id=activity.id,
        lead_id=activity.lead_id,
        direction="outbound" if activity.direction is Direction.OUTBOUND else "inbound",
        status=_STATUS_LABELS.get(status, str(status)),
        dnd=activity.dnd,
        duration=_clock(activity.duration_s) if status is CallStatus.ANSWERED else "",
        started=_when(activity.started_at),
        customer=activity.customer_number.crm if activity.customer_number else "",
        recording=playable_url(activity.recording_url) if status is CallStatus.ANSWERED else None,
        disposition=activity.disposition or "",
        message=(activity.message or "") if status is CallStatus.FAILED else "",
    )
