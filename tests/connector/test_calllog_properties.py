"""Property tests: the call-log parser fails only with CallLogError, naming a field."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.calllog import CallLogError, CallRecord, CallStatus, parse_callback, parse_record

# Field names of every shape, so generated records reach deep into the parsers.
_KEYS = [
    "monitorUCID", "UCID", "CallID", "CallerID", "Type", "Status", "StartTime", "EndTime",
    "Duration", "CallDuration", "AudioFile", "HangupBy", "DialStatus", "Did", "AgentID",
    "AgentPhoneNumber", "DialedNumber", "Disposition", "CallSessionId", "Direction",
    "SourceNumber", "DestinationNumber", "DisplayNumber", "ResourceURL", "callid",
    "call_type", "caller_id", "customer_number", "start_time", "end_time", "call_duration",
    "call_status", "dispnumber", "resource_url", "agent_number", "Apikey",
]  # fmt: skip
_BASE = {
    "monitorUCID": "1001",
    "CallerID": "9876543210",
    "Type": "inbound",
    "Status": "Answered",
    "StartTime": "2024-01-02 10:00:00",
    "EndTime": "2024-01-02 10:01:00",
    "Duration": "00:00:50",
    "CallDuration": "00:01:00",
}
_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "-1", "00:00:07", "2018-08-06 16:59:33", "9876543210", "Answered"]),
    st.integers(),
    st.none(),
)
_records = st.dictionaries(st.one_of(st.sampled_from(_KEYS), st.text(max_size=8)), _values)
_FIELD_NAMES = {*_KEYS, "record", "body", "data"}


def _error_of(parse: Callable[[], object]) -> tuple[object, CallLogError | None]:
    """Run ``parse``; a CallLogError is returned, anything else propagates (and fails)."""
    try:
        return parse(), None
    except CallLogError as error:
        return None, error


def _names_a_field(error: CallLogError, record: dict[str, Any]) -> bool:
    return (error.field in record or error.field in _FIELD_NAMES) and str(error).startswith(
        ("record", error.field)
    )


@settings(max_examples=100, deadline=None)
@given(_records)
def test_arbitrary_records_raise_only_call_log_errors_naming_a_field(
    record: dict[str, Any],
) -> None:
    _, error = _error_of(lambda: parse_record(record))
    if error is not None:
        assert _names_a_field(error, record), str(error)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(list(_BASE)), _values))
def test_a_good_record_with_any_fields_spoilt_fails_only_cleanly(
    spoilt: dict[str, Any],
) -> None:
    record = {**_BASE, **spoilt}
    parsed, error = _error_of(lambda: parse_record(record))
    if error is not None:
        assert _names_a_field(error, record), str(error)
    else:
        assert isinstance(parsed, CallRecord)
        assert parsed.call_id
        assert parsed.customer_number.e164.startswith("+")


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=200),
    st.sampled_from([None, "application/json", "text/plain", "application/x-www-form-urlencoded"]),
)
def test_arbitrary_bodies_raise_only_call_log_errors(body: bytes, content_type: str | None) -> None:
    records, error = _error_of(lambda: parse_callback(body, content_type))
    if error is not None:
        assert error.field
    else:
        assert isinstance(records, list)


@settings(max_examples=50, deadline=None)
@given(st.lists(_records, max_size=3))
def test_form_data_arrays_fail_only_with_call_log_errors(records: list[dict[str, Any]]) -> None:
    body = urlencode({"data": json.dumps(records)}).encode()
    _, error = _error_of(lambda: parse_callback(body, "application/x-www-form-urlencoded"))
    assert error is None or error.field


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=59),
)
def test_clock_durations_are_seconds(hours: int, minutes: int, seconds: int) -> None:
    record = {**_BASE, "Duration": f"{hours:02d}:{minutes:02d}:{seconds:02d}"}
    assert parse_record(record).duration_s == hours * 3600 + minutes * 60 + seconds


@settings(max_examples=100, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30)))
def test_ozonetel_local_times_are_ist_shifted_to_utc(local: datetime) -> None:
    local = local.replace(microsecond=0)
    shown = local.strftime("%Y-%m-%d %H:%M:%S")
    # EndTime moves with it: a call that ends before it starts is refused.
    record = {**_BASE, "StartTime": shown, "EndTime": shown, "Status": "Fail"}
    parsed = parse_record(record)
    assert parsed.status is CallStatus.FAILED
    assert parsed.started_at == (local - timedelta(hours=5, minutes=30)).replace(tzinfo=UTC)
