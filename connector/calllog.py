"""Provider call logs (CDR callbacks) parsed into ``CallRecord`` values. Pure.

Accepted bodies (see ``docs/crm.md``):

- Ozonetel callback: a form post whose field ``data`` holds a JSON object or a
  JSON array of them (integrators report both); the same JSON posted raw; the
  CDR pull answer ``{"status": "success", "message": [...]}``;
- LeadSquared generic call log (``CallSessionId``, ``SourceNumber``, ...);
- Knowlarity call webhook (``callid``, ``caller_id``, ``start_time``, ...).

Every problem raises ``CallLogError`` naming the field (an end before the start
names both), e.g.
``StartTime: '2018-13-45 99:00' is not YYYY-MM-DD HH:MM:SS``. This is the call
log's boundary: numbers are parsed into ``PhoneNumber`` values and ``raw`` is
the record scrubbed of credentials (Ozonetel echoes the account's ``Apikey``),
once, here; what is downstream trusts both.

Before a record is read, every key and text in it must be Unicode text (JSON
can spell a lone surrogate, ``"\\ud83d"``, that no UTF-8 store can hold) and
no field may nest containers deeper than ``MAX_NESTING``; either problem is a
``CallLogError`` naming the field, so the service answers 400, not 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs

from connector.errors import CallLogError, PhoneNumberError
from connector.phone import PhoneNumber, parse_phone
from connector.redaction import ScrubbedRecord, strip_credentials

__all__ = [
    "IST",
    "MAX_NESTING",
    "CallLogFormat",
    "CallRecord",
    "CallStatus",
    "Direction",
    "parse_callback",
    "parse_record",
]

IST = timezone(timedelta(hours=5, minutes=30), "IST")
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_CLOCK = re.compile(r"^(\d{1,4}):([0-5]\d):([0-5]\d)$")
_SECONDS = re.compile(r"^\d{1,7}(\.\d+)?$")
_SHOWN = 60
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_NESTING = 32  # objects and arrays inside one field of a record
# [C-3p] Knowlarity stamps start_time and end_time on different clocks: its own
# webhook sample (providers.md 3.3) ends 9.7 s before it starts. An end up to
# this much before the start is that skew, not a broken record.
KNOWLARITY_CLOCK_SKEW = timedelta(minutes=1)


class Direction(StrEnum):
    """Who placed the call, seen from the CRM user."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallLogFormat(StrEnum):
    """Which provider's record shape a call log has (its envelope is read either way)."""

    OZONETEL = "ozonetel"  # monitorUCID/UCID/CallID, IST times, HH:MM:SS durations
    GENERIC = "generic"  # LeadSquared's call log: CallSessionId, UTC times, seconds
    KNOWLARITY = "knowlarity"  # callid, ISO times with their own offsets


class CallStatus(StrEnum):
    """Where a call ended up; ``not_answered`` is a missed call."""

    INITIATED = "initiated"
    ANSWERED = "answered"
    NOT_ANSWERED = "not_answered"
    FAILED = "failed"


_STATUSES = {
    "answered": CallStatus.ANSWERED,
    "notanswered": CallStatus.NOT_ANSWERED,
    "unanswered": CallStatus.NOT_ANSWERED,
    "noanswer": CallStatus.NOT_ANSWERED,
    "missed": CallStatus.NOT_ANSWERED,
    "busy": CallStatus.NOT_ANSWERED,
    "declined": CallStatus.NOT_ANSWERED,
    "cancelled": CallStatus.NOT_ANSWERED,
    "canceled": CallStatus.NOT_ANSWERED,
    "fail": CallStatus.FAILED,
    "failed": CallStatus.FAILED,
}
_DIRECTIONS = {
    "inbound": Direction.INBOUND,
    "incoming": Direction.INBOUND,
    "ivr": Direction.INBOUND,
    "outbound": Direction.OUTBOUND,
    "outgoing": Direction.OUTBOUND,
    "manual": Direction.OUTBOUND,
    "progressive": Direction.OUTBOUND,
    "preview": Direction.OUTBOUND,
    "predictive": Direction.OUTBOUND,
    "click2call": Direction.OUTBOUND,
}


@dataclass(frozen=True)
class CallRecord:
    """One call as a provider reported it, in the connector's terms.

    ``duration_s`` is talk time (Ozonetel ``Duration``); ``call_duration_s``
    the whole call (Ozonetel ``CallDuration``, ring time included) when given.
    ``recording_url`` is set only for an absolute http(s) URL, without its
    credential part (``strip_credentials``); a bare file name (``opop.mp3``)
    cannot be played, so it goes to ``recording_file``.
    """

    provider: str
    call_id: str
    direction: Direction
    status: CallStatus
    customer_number: PhoneNumber
    dnd: bool = False
    duration_s: int = 0
    call_duration_s: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    recording_url: str | None = None
    recording_file: str | None = None
    disposition: str | None = None
    agent: str | None = None
    agent_phone: PhoneNumber | None = None
    did: str | None = None  # E.164 when the provider's value is a number, else as written
    raw: ScrubbedRecord = field(default_factory=ScrubbedRecord, compare=False, hash=False)

    @property
    def answered(self) -> bool:
        """True when someone answered."""
        return self.status is CallStatus.ANSWERED


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


def _text(record: Mapping[str, Any], *names: str) -> str | None:
    """The first of ``names`` with a non-empty value, as text."""
    for name in names:
        value = record.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise CallLogError(name, f"expected text, got {type(value).__name__}")
        text = str(value).strip()
        if text and text.lower() not in ("none", "null"):
            return text
    return None


def _required(record: Mapping[str, Any], *names: str) -> str:
    value = _text(record, *names)
    if value is None:
        raise CallLogError(
            names[0], "missing" + (f" (or {', '.join(names[1:])})" * bool(names[1:]))
        )
    return value


def _choice(record: Mapping[str, Any], name: str, table: Mapping[str, Any], hint: str) -> Any:
    value = _required(record, name)
    key = re.sub(r"[\s_\-]", "", value.lower())
    if key not in table:
        raise CallLogError(name, f"{_shown(value)} is not {hint}")
    return table[key]


def _phone(record: Mapping[str, Any], name: str) -> PhoneNumber | None:
    """The number in field ``name``, or None when it is missing or not a number."""
    value = _text(record, name)
    if value is None:
        return None
    try:
        return parse_phone(value)
    except PhoneNumberError:
        return None


def _customer(record: Mapping[str, Any], name: str) -> PhoneNumber:
    """The customer's number: required, and a valid one."""
    value = _text(record, name)
    if value is None:
        raise CallLogError(name, "missing; the customer's number is needed")
    try:
        return parse_phone(value)
    except PhoneNumberError:
        raise CallLogError(name, f"{_shown(value)} is not a phone number") from None


def _did(record: Mapping[str, Any], name: str) -> str | None:
    number = _phone(record, name)
    return number.e164 if number is not None else _text(record, name)


def _local_time(record: Mapping[str, Any], name: str, zone: timezone) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` in ``zone`` (IST for Ozonetel, UTC for LeadSquared)."""
    value = _text(record, name)
    if value is None or value.startswith("0000-00-00"):
        return None
    try:
        if not _LOCAL_TIME.match(value):
            raise ValueError(value)
        local = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise CallLogError(name, f"{_shown(value)} is not YYYY-MM-DD HH:MM:SS") from None
    return local.replace(tzinfo=zone).astimezone(UTC)


def _offset_time(record: Mapping[str, Any], name: str) -> datetime | None:
    """ISO time with its own offset (Knowlarity mixes +00:00 and +05:30); naive is IST."""
    value = _text(record, name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise CallLogError(
            name, f"{_shown(value)} is not a date-time like 2016-09-27 09:19:34+05:30"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=IST)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise CallLogError(name, f"{_shown(value)} is out of range") from None


def _in_order(
    record: Mapping[str, Any],
    names: tuple[str, str],
    times: tuple[datetime | None, datetime | None],
    skew: timedelta = timedelta(0),
) -> tuple[datetime | None, datetime | None]:
    """``(started, ended)``; an end more than ``skew`` before the start is refused.

    The error names both fields: swapped fields or a wrong time zone are the
    usual causes, and the sender must see both values to tell which.
    """
    started, ended = times
    if started is not None and ended is not None and ended < started - skew:
        start, end = names
        raise CallLogError(
            end,
            f"{_shown(str(record.get(end)).strip())} is before {start}"
            f" {_shown(str(record.get(start)).strip())}; a call cannot end before it starts",
        )
    return started, ended


def _clock_duration(record: Mapping[str, Any], name: str) -> int | None:
    """Seconds from Ozonetel's ``HH:MM:SS``."""
    value = _text(record, name)
    if value is None:
        return None
    match = _CLOCK.match(value)
    if not match:
        raise CallLogError(name, f"{_shown(value)} is not HH:MM:SS")
    hours, minutes, seconds = (int(g) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _seconds(record: Mapping[str, Any], name: str) -> int | None:
    value = _text(record, name)
    if value is None:
        return None
    if not _SECONDS.match(value):
        raise CallLogError(name, f"{_shown(value)} is not a number of seconds")
    return round(float(value))


def _recording(value: str | None) -> tuple[str | None, str | None]:
    """(url, bare file name); ``-1`` marks a dial the system failed.

    A URL is kept without its credential part (a signed URL's signature, a
    ``?token=``): it still names the recording, and no secret is stored.
    """
    if value is None or value == "-1":
        return None, None
    if value.lower().startswith(("http://", "https://")):
        return strip_credentials(value), None
    return None, value


def _ozonetel(record: Mapping[str, Any]) -> CallRecord:
    status = _choice(record, "Status", _STATUSES, "Answered, NotAnswered or Fail")
    direction = _choice(record, "Type", _DIRECTIONS, "inbound, Manual, Progressive or Preview")
    audio = _text(record, "AudioFile")
    marks = {
        (_text(record, n) or "").upper() for n in ("DialStatus", "CustomerStatus", "Disposition")
    }
    system_failed = audio == "-1" and (_text(record, "HangupBy") or "").lower() == "systemhangup"
    url, file = _recording(audio)
    # The customer is CallerID both ways: on inbound DialedNumber is the agent's phone.
    agent_phone = _phone(record, "AgentPhoneNumber")
    if agent_phone is None and direction is Direction.INBOUND:
        agent_phone = _phone(record, "DialedNumber")
    started, ended = _in_order(
        record,
        ("StartTime", "EndTime"),
        (_local_time(record, "StartTime", IST), _local_time(record, "EndTime", IST)),
    )
    return CallRecord(
        provider="ozonetel",
        call_id=_required(record, "monitorUCID", "UCID", "CallID"),
        direction=direction,
        status=status,
        customer_number=_customer(record, "CallerID"),
        dnd=status is CallStatus.FAILED and (system_failed or "DND" in marks),
        duration_s=_clock_duration(record, "Duration") or 0,
        call_duration_s=_clock_duration(record, "CallDuration"),
        started_at=started,
        ended_at=ended,
        recording_url=url,
        recording_file=file,
        disposition=_text(record, "Disposition"),
        agent=_text(record, "AgentID", "AgentName"),
        agent_phone=agent_phone,
        did=_did(record, "Did"),
        raw=ScrubbedRecord(record),
    )


def _leadsquared(record: Mapping[str, Any]) -> CallRecord:
    direction = _choice(record, "Direction", _DIRECTIONS, "Inbound or Outbound")
    inbound = direction is Direction.INBOUND
    customer, agent = ("SourceNumber", "DestinationNumber")[:: 1 if inbound else -1]
    seconds = _seconds(record, "CallDuration")
    url, file = _recording(_text(record, "ResourceURL"))
    started, ended = _in_order(
        record,
        ("StartTime", "EndTime"),
        (_local_time(record, "StartTime", UTC), _local_time(record, "EndTime", UTC)),
    )
    return CallRecord(
        provider="generic",
        call_id=_required(record, "CallSessionId"),
        direction=direction,
        status=_choice(record, "Status", _STATUSES, "Answered, Missed, NotAnswered or Failed"),
        customer_number=_customer(record, customer),
        duration_s=seconds or 0,
        call_duration_s=seconds,
        started_at=started,
        ended_at=ended,
        recording_url=url,
        recording_file=file,
        disposition=_text(record, "Disposition"),
        agent=_text(record, "UserId"),
        agent_phone=_phone(record, agent),
        did=_did(record, "DisplayNumber"),
        raw=ScrubbedRecord(record),
    )


def _knowlarity(record: Mapping[str, Any]) -> CallRecord:
    direction = _choice(record, "call_type", _DIRECTIONS, "incoming or outgoing")
    seconds = _seconds(record, "call_duration")
    customer = "customer_number" if _text(record, "customer_number") else "caller_id"
    if _text(record, "call_status"):
        status = _choice(record, "call_status", _STATUSES, "Answered, Missed or Failed")
    else:
        # [I] the sample webhook has no status; a call with talk time was answered.
        status = CallStatus.ANSWERED if seconds else CallStatus.NOT_ANSWERED
    url, file = _recording(_text(record, "resource_url"))
    started, ended = _in_order(
        record,
        ("start_time", "end_time"),
        (_offset_time(record, "start_time"), _offset_time(record, "end_time")),
        KNOWLARITY_CLOCK_SKEW,
    )
    return CallRecord(
        provider="knowlarity",
        call_id=_required(record, "callid"),
        direction=direction,
        status=status,
        customer_number=_customer(record, customer),
        duration_s=seconds or 0,
        call_duration_s=seconds,
        started_at=started,
        ended_at=ended,
        recording_url=url,
        recording_file=file,
        agent=_text(record, "agent_number"),
        agent_phone=_phone(record, "agent_number"),
        did=_did(record, "dispnumber"),
        raw=ScrubbedRecord(record),
    )


_Shape = tuple[CallLogFormat, tuple[str, ...], Callable[[Mapping[str, Any]], CallRecord]]
_SHAPES: tuple[_Shape, ...] = (
    (CallLogFormat.GENERIC, ("CallSessionId",), _leadsquared),
    (CallLogFormat.KNOWLARITY, ("callid",), _knowlarity),
    (CallLogFormat.OZONETEL, ("monitorUCID", "UCID", "CallID"), _ozonetel),
)
_NAMES = {
    CallLogFormat.OZONETEL: "an Ozonetel call log (monitorUCID, UCID or CallID)",
    CallLogFormat.GENERIC: "a LeadSquared call log (CallSessionId)",
    CallLogFormat.KNOWLARITY: "a Knowlarity call webhook (callid)",
}


def _name(key: object) -> str:
    """A field name fit for a message: surrogates escaped, long names cut."""
    text = str(key).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _check_text(record: Mapping[str, Any]) -> None:
    """Refuse lone surrogates (in keys and texts) and fields nested past ``MAX_NESTING``.

    Iterative, so a field nested thousands deep costs no recursion; each value
    is visited once.
    """
    search = _SURROGATE.search
    for key, value in record.items():
        if isinstance(key, str) and not search(key):
            if value is None or isinstance(value, int | float):
                continue
            if isinstance(value, str) and not search(value):
                continue  # the common case: a flat text field, checked in one search
        field = _name(key)
        if isinstance(key, str) and search(key):
            raise CallLogError(field, "the field name holds a lone surrogate; send UTF-8 text")
        stack: list[tuple[Any, int, str]] = [(value, 0, field)]
        while stack:
            item, depth, where = stack.pop()
            if isinstance(item, str):
                found = _SURROGATE.search(item)
                if found:
                    at = "" if where == field else f" at {where}"
                    escaped = found.group().encode("utf-8", "backslashreplace").decode()
                    raise CallLogError(
                        field, f"holds a lone surrogate ({escaped}){at}; send UTF-8 text"
                    )
                continue
            if isinstance(item, Mapping | list | tuple):
                if depth >= MAX_NESTING:
                    raise CallLogError(
                        field, f"nested deeper than {MAX_NESTING} levels of objects and arrays"
                    )
                if isinstance(item, Mapping):
                    for child_key, child in item.items():
                        child_where = f"{where}.{_name(child_key)}"
                        if isinstance(child_key, str) and _SURROGATE.search(child_key):
                            raise CallLogError(
                                field,
                                f"a name at {child_where} holds a lone surrogate; send UTF-8 text",
                            )
                        stack.append((child, depth + 1, child_where))
                else:
                    stack.extend(
                        (child, depth + 1, f"{where}[{index}]") for index, child in enumerate(item)
                    )


def parse_record(record: Mapping[str, Any], format: CallLogFormat | None = None) -> CallRecord:
    """One call-log record (a JSON object): of ``format`` when given, else of any known shape."""
    _check_text(record)
    for shape, keys, parse in _SHAPES:
        if (format is None or shape is format) and any(key in record for key in keys):
            return parse(record)
    if format is not None:
        raise CallLogError("record", f"not {_NAMES[format]}, as the config's call_log says")
    raise CallLogError(
        "record",
        "not a known call log: expected monitorUCID/UCID/CallID (Ozonetel),"
        " CallSessionId (LeadSquared) or callid (Knowlarity)",
    )


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise CallLogError(name, f"not valid JSON: {_shown(text.strip())}") from None


def _payload(text: str, content_type: str) -> Any:
    if content_type.startswith("multipart/"):
        raise CallLogError("body", "multipart is not read; post data=<JSON> form-encoded or JSON")
    looks_json = text.lstrip().startswith(("{", "["))
    if content_type == "application/x-www-form-urlencoded" or (not looks_json and not content_type):
        form = parse_qs(text, keep_blank_values=True)
        if "data" in form:
            return _json(form["data"][-1], "data")
        if form:
            return {key: values[-1] for key, values in form.items()}
        raise CallLogError("data", "missing: expected a form field data=<JSON>")
    return _json(text, "body")


def parse_callback(
    body: bytes, content_type: str | None, format: CallLogFormat | None = None
) -> list[CallRecord]:
    """Every call record in a callback body (form ``data=<JSON>``, JSON object or array).

    ``format`` (a config's ``call_log.format``) accepts only that provider's
    record shape; without it any known shape is read.
    """
    if not body.strip():
        raise CallLogError("body", "empty: expected data=<JSON> or a JSON call log")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise CallLogError("body", "not UTF-8 text") from None
    payload = _payload(text, (content_type or "").split(";")[0].strip().lower())
    if isinstance(payload, dict):
        if isinstance(payload.get("data"), str):
            payload = _json(payload["data"], "data")
        elif isinstance(payload.get("message"), list):
            payload = payload["message"]  # the CDR pull API's envelope
    if isinstance(payload, dict):
        return [parse_record(payload, format)]
    if not isinstance(payload, list):
        raise CallLogError("body", "expected a JSON object or an array of objects")
    records: list[CallRecord] = []
    for index, item in enumerate(payload):
        if not isinstance(item, dict):
            raise CallLogError(
                "record", f"expected an object, got {type(item).__name__}", index=index
            )
        try:
            records.append(parse_record(item, format))
        except CallLogError as exc:
            raise CallLogError(exc.field, exc.problem, index=index) from None
    return records
