"""The call-log parser and endpoint under hostile input: only CallLogError, always naming a field.

tests/connector/test_calllog_properties.py covers flat records of text and
numbers; this goes further: nested values anywhere (lists, objects, NaN,
huge numbers), every envelope (form ``data=``, raw JSON, arrays, the CDR
pull API's ``{"message": [...]}``), bytes that are not UTF-8, odd content
types, and the same bodies posted to the service, which must answer 400
with the field (never 500) and store nothing of a refused delivery.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calling.service import create_service
from connector.calllog import CallLogError, CallRecord, parse_callback
from crm import CrmStore, import_file

pytestmark = pytest.mark.flows

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "calllog-fuzz-token-0123456789"
OZONETEL = {
    "monitorUCID": "9049754955340984",
    "CallerID": "919876543210",
    "Did": "918030000001",
    "Type": "inbound",
    "Status": "Answered",
    "StartTime": "2024-05-06 16:59:33",
    "EndTime": "2024-05-06 17:00:03",
    "Duration": "00:00:23",
    "CallDuration": "00:00:30",
    "AudioFile": "http://recordings.example.test/a.mp3",
    "HangupBy": "UserHangup",
    "AgentPhoneNumber": "9800000001",
}
GENERIC = {
    "CallSessionId": "cs-1",
    "SourceNumber": "+91-9876543210",
    "DestinationNumber": "+91-9800000001",
    "Status": "Answered",
    "Direction": "Inbound",
    "CallDuration": 23,
    "StartTime": "2024-05-06 11:29:33",
}
KNOWLARITY = {
    "callid": "kn-1",
    "caller_id": "+919876543210",
    "call_type": "incoming",
    "call_duration": "23",
    "start_time": "2024-05-06 16:59:33+05:30",
    "dispnumber": "+918030000001",
}
VALID: tuple[dict[str, Any], ...] = (OZONETEL, GENERIC, KNOWLARITY)
KNOWN_FIELDS = {key for record in VALID for key in record} | {
    "UCID",
    "CallID",
    "DialStatus",
    "CustomerStatus",
    "Disposition",
    "AgentID",
    "AgentName",
    "DialedNumber",
    "DisplayNumber",
    "ResourceURL",
    "UserId",
    "customer_number",
    "call_status",
    "end_time",
    "resource_url",
    "agent_number",
}
ENVELOPE_FIELDS = {"body", "data", "record"}
_RECORD_PREFIX = re.compile(r"^record \d+: ")

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["", "-1", "null", "None", "00:00:07", "99:99:99", "0000-00-00 00:00:00"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """A valid record of one shape with some fields changed, dropped or added."""
    record: dict[str, Any] = dict(draw(st.sampled_from(VALID)))
    for key in draw(st.lists(st.sampled_from(sorted(KNOWN_FIELDS)), max_size=4)):
        if draw(st.booleans()):
            record[key] = draw(values)
        else:
            record.pop(key, None)
    record.update(draw(st.dictionaries(st.text(max_size=8), values, max_size=2)))
    return record


def _json(document: object) -> str:
    # allow_nan: providers' JSON libraries do write NaN and Infinity.
    return json.dumps(document, allow_nan=True)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str | None]:
    """A callback body in one of the envelopes, or garbage, with a content type."""
    payload: object = draw(
        st.one_of(
            records(),
            st.lists(st.one_of(records(), values), min_size=0, max_size=3),
            records().map(lambda r: {"status": "success", "message": [r]}),
            values,
        )
    )
    envelope = draw(st.sampled_from(["json", "form", "form_extra", "raw_text", "bytes", "deep"]))
    if envelope == "json":
        return _json(payload).encode(), draw(
            st.sampled_from(["application/json", None, "text/plain"])
        )
    if envelope == "form":
        return urlencode({"data": _json(payload)}).encode(), "application/x-www-form-urlencoded"
    if envelope == "form_extra":
        pairs = [("data", _json(payload)), ("data", draw(st.text(max_size=10))), ("x", "1")]
        return urlencode(draw(st.permutations(pairs))).encode(), "application/x-www-form-urlencoded"
    if envelope == "raw_text":
        return draw(st.text(max_size=60)).encode(), draw(
            st.sampled_from(
                [None, "text/plain", "multipart/form-data; boundary=x", "application/json"]
            )
        )
    if envelope == "deep":
        depth = draw(st.integers(min_value=500, max_value=5000))
        return ("[" * depth + "]" * depth).encode(), "application/json"
    return draw(st.binary(max_size=60)), draw(st.sampled_from([None, "application/json"]))


def _check_error(error: CallLogError, body: bytes) -> None:
    # Either the envelope is wrong (body, data, record), or a field of the format:
    # present in the input with a bad value, or missing from it.
    assert error.field in ENVELOPE_FIELDS | KNOWN_FIELDS, (error.field, body[:80])
    text = str(error)
    assert text.startswith(("record ", error.field)), text
    assert error.field in text
    assert "Traceback" not in text


_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(body=bodies())
def test_the_parser_reads_a_body_or_names_what_is_wrong(body: tuple[bytes, str | None]) -> None:
    data, content_type = body
    try:
        parsed = parse_callback(data, content_type)
    except CallLogError as error:
        _check_error(error, data)
        return
    # An empty array parses to no records; the service refuses it (see below).
    assert all(isinstance(record, CallRecord) for record in parsed)
    for record in parsed:
        assert record.call_id.strip()
        assert record.customer_number.e164.startswith("+")


@pytest.fixture(scope="module")
def service() -> Iterator[tuple[Flask, CrmStore]]:
    """The call-log service over examples/crm.yaml (one per module)."""
    with tempfile.TemporaryDirectory() as folder:
        store = CrmStore(Path(folder) / "crm.sqlite3")
        import_file(store, ROOT / "examples" / "crm.yaml")
        yield create_service(store, token=TOKEN, max_body_bytes=64_000), store
        store.close()


def _activity_count(store: CrmStore) -> int:
    return len(store.activities())


@settings(
    deadline=None,
    derandomize=True,
    max_examples=80,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(body=bodies())
def test_the_service_answers_400_with_the_field_and_stores_nothing_refused(
    body: tuple[bytes, str | None], service: tuple[Flask, CrmStore]
) -> None:
    app, store = service
    data, content_type = body
    before = _activity_count(store)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if content_type:
        headers["Content-Type"] = content_type
    answer = app.test_client().post("/calllog", data=data, headers=headers)
    assert answer.status_code in (200, 400, 413), answer.get_data(as_text=True)
    assert answer.mimetype == "application/json"
    document = answer.get_json()
    if answer.status_code == 400:
        assert document["status"] == "error"
        assert _activity_count(store) == before
        field = _RECORD_PREFIX.sub("", str(document["message"])).split(":")[0]
        assert field in ENVELOPE_FIELDS | KNOWN_FIELDS, document["message"]
    elif answer.status_code == 200:
        assert document["records"] >= 1
