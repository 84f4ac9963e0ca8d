"""Call-log parsing: every provider shape, times, durations, recordings, DND, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from connector.calllog import (
    CallLogError,
    CallRecord,
    CallStatus,
    Direction,
    parse_callback,
    parse_record,
)
from connector.phone import PhoneNumber

FORM = "application/x-www-form-urlencoded"

# providers.md 2.7, the real inbound payload (names and key redacted there).
OZONETEL_INBOUND: dict[str, Any] = {
    "monitorUCID": "9049754955340984",
    "UUI": "New_order_placement",
    "Did": "914466949093",
    "CampaignName": "Inbound_914466205652",
    "Location": "Chennai",
    "CallerID": "919080600507",
    "PhoneName": "kannadasan",
    "Skill": "New_order_placement",
    "StartTime": "2018-08-06 16:59:33",
    "EndTime": "2018-08-06 17:00:03",
    "TimeToAnswer": "00:00:07",
    "CallDuration": "00:00:30",
    "Duration": "00:00:23",
    "FallBackRule": "AgentDial",
    "DialedNumber": "9384842783",
    "Type": "inbound",
    "AgentID": "kannadasan_tendercuts",
    "AgentPhoneNumber": "9384842783",
    "AgentUniqueID": "68368",
    "AgentName": "Kannadasan",
    "Disposition": "Wrap up time exceeded :120",
    "HangupBy": "UserHangup",
    "Status": "Answered",
    "AudioFile": "http://recordings.kookoo.in/user/user_9049754955340984_20180806165933.mp3",
    "TransferType": "No Transfers",
    "TransferredTo": "",
    "Comments": "",
    "DialStatus": "answered",
    "Apikey": "KKxxxx",
    "AgentStatus": "answered",
    "CustomerStatus": "answered",
    "UserName": "user",
    "CallerConfAudioFile": "",
    "ConfDuration": "00:00:00",
    "CampaignStatus": "ONLINE",
}

# providers.md 2.7, the second real payload: manual dial, not answered.
OZONETEL_MANUAL: dict[str, Any] = {
    **OZONETEL_INBOUND,
    "monitorUCID": "9049754955340999",
    "Type": "Manual",
    "Status": "NotAnswered",
    "HangupBy": "AgentHangup",
    "UUI": "Manual Dial",
    "CallerID": "8073268616",
    "Did": "912267304969",
    "Disposition": "",
    "AgentStatus": "Answered",
    "AudioFile": "opop.mp3",
    "Duration": "00:00:00",
}

# providers.md 2.10: what Ozonetel's toolbar saves for a DND number.
OZONETEL_DND: dict[str, Any] = {
    **OZONETEL_MANUAL,
    "monitorUCID": "9049754955341000",
    "Status": "Fail",
    "HangupBy": "SystemHangup",
    "AudioFile": "-1",
    "AgentStatus": "NotDialed",
}

# providers.md 6.1, LeadSquared's generic call log sample.
LSQ_LOG: dict[str, Any] = {
    "SourceNumber": "+91-8611795988",
    "CallerSource": "Example Source",
    "DestinationNumber": "+91-9611795983",
    "DisplayNumber": "+91-8611795989",
    "StartTime": "2017-07-07 18:26:38",
    "EndTime": "2017-07-07 18:27:12",
    "CallDuration": 34,
    "Status": "Answered",
    "ResourceURL": "https://example.test/rec.mp3",
    "Direction": "Inbound",
    "CallSessionId": "12345",
    "LeadId": "e6d7efd4-ee4f-47a1-ab53-a3ff2902bfcb",
    "Tag": "Tag - Lead",
    "UserId": "40e06a3d-4787-11e7-b781-023cca4497b9",
}

# providers.md 3.3, Knowlarity's webhook sample (start in UTC, end in IST).
KNOWLARITY_HOOK: dict[str, Any] = {
    "dispnumber": "+919019101000",
    "extension": "None",
    "callid": "ec8a4ba6-c2eb-4e71-888f-c3acbf585111",
    "call_duration": "7",
    "destination": "Welcome Sound",
    "caller_id": "+919966679850",
    "end_time": "2016-09-27 09:19:34.667036+05:30",
    "action": "6",
    "timezone": "Asia/Kolkata",
    "resource_url": "",
    "hangup_cause": "900",
    "type": "dtmf",
    "start_time": "2016-09-27 03:49:44.391601+00:00",
    "call_type": "incoming",
}


def _form(payload: object) -> bytes:
    return urlencode({"data": json.dumps(payload)}).encode()


def _one(body: bytes, content_type: str | None) -> CallRecord:
    records = parse_callback(body, content_type)
    assert len(records) == 1
    return records[0]


@pytest.mark.ozonetel
def test_ozonetel_form_callback_reads_the_real_inbound_payload() -> None:
    record = _one(_form(OZONETEL_INBOUND), FORM)
    assert record.provider == "ozonetel"
    assert record.call_id == "9049754955340984"
    assert record.direction is Direction.INBOUND
    assert record.answered
    assert record.status is CallStatus.ANSWERED
    # CallerID is the customer; DialedNumber/AgentPhoneNumber are the agent's phone.
    assert record.customer_number == PhoneNumber("+919080600507")
    assert record.agent_phone == PhoneNumber("+919384842783")
    assert record.agent == "kannadasan_tendercuts"
    assert record.did == "+914466949093"
    assert record.disposition == "Wrap up time exceeded :120"
    assert not record.dnd


@pytest.mark.ozonetel
def test_ozonetel_times_are_ist_converted_to_utc() -> None:
    record = _one(_form(OZONETEL_INBOUND), FORM)
    assert record.started_at == datetime(2018, 8, 6, 11, 29, 33, tzinfo=UTC)
    assert record.ended_at == datetime(2018, 8, 6, 11, 30, 3, tzinfo=UTC)


@pytest.mark.ozonetel
def test_ozonetel_duration_is_talk_time_and_call_duration_is_kept() -> None:
    record = _one(_form(OZONETEL_INBOUND), FORM)
    assert record.duration_s == 23
    assert record.call_duration_s == 30


@pytest.mark.ozonetel
def test_ozonetel_apikey_never_reaches_raw() -> None:
    record = _one(_form(OZONETEL_INBOUND), FORM)
    assert "Apikey" not in record.raw
    assert "KKxxxx" not in json.dumps(record.raw)
    assert record.raw["monitorUCID"] == "9049754955340984"


@pytest.mark.ozonetel
def test_ozonetel_manual_not_answered_is_an_outbound_missed_call() -> None:
    record = _one(_form(OZONETEL_MANUAL), FORM)
    assert record.direction is Direction.OUTBOUND
    assert record.status is CallStatus.NOT_ANSWERED
    assert not record.answered
    assert record.customer_number == PhoneNumber("+918073268616")
    assert record.disposition is None
    assert record.duration_s == 0


@pytest.mark.ozonetel
@pytest.mark.parametrize("type_", ["Manual", "manual", "Progressive", "Preview", "MANUAL"])
def test_ozonetel_dialler_types_are_outbound(type_: str) -> None:
    record = parse_record({**OZONETEL_MANUAL, "Type": type_})
    assert record.direction is Direction.OUTBOUND


@pytest.mark.ozonetel
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Answered", CallStatus.ANSWERED),
        ("NotAnswered", CallStatus.NOT_ANSWERED),
        ("Unanswered", CallStatus.NOT_ANSWERED),
        ("not_answered", CallStatus.NOT_ANSWERED),
        ("Fail", CallStatus.FAILED),
    ],
)
def test_ozonetel_status_values(status: str, expected: CallStatus) -> None:
    assert parse_record({**OZONETEL_INBOUND, "Status": status}).status is expected


@pytest.mark.ozonetel
@pytest.mark.parametrize(
    ("audio", "url", "file"),
    [
        (OZONETEL_INBOUND["AudioFile"], OZONETEL_INBOUND["AudioFile"], None),
        ("https://s3.example.test/a.mp3", "https://s3.example.test/a.mp3", None),
        ("", None, None),
        ("-1", None, None),
        ("opop.mp3", None, "opop.mp3"),
    ],
)
def test_ozonetel_recording_variants(audio: str, url: str | None, file: str | None) -> None:
    record = parse_record({**OZONETEL_INBOUND, "AudioFile": audio})
    assert record.recording_url == url
    assert record.recording_file == file


@pytest.mark.ozonetel
def test_ozonetel_system_failed_dial_is_dnd() -> None:
    record = parse_record(OZONETEL_DND)
    assert record.status is CallStatus.FAILED
    assert record.dnd
    assert record.recording_url is None


@pytest.mark.ozonetel
def test_ozonetel_failed_with_a_dnd_dial_status_is_dnd() -> None:
    record = parse_record({**OZONETEL_MANUAL, "Status": "Fail", "DialStatus": "DND"})
    assert record.dnd


@pytest.mark.ozonetel
def test_ozonetel_failed_without_dnd_marks_is_not_dnd() -> None:
    record = parse_record({**OZONETEL_MANUAL, "Status": "Fail", "HangupBy": "UserHangup"})
    assert record.status is CallStatus.FAILED
    assert not record.dnd


@pytest.mark.ozonetel
def test_ozonetel_data_field_may_hold_an_array() -> None:
    records = parse_callback(_form([OZONETEL_INBOUND, OZONETEL_MANUAL]), FORM)
    assert [r.call_id for r in records] == ["9049754955340984", "9049754955340999"]


@pytest.mark.ozonetel
@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_raw_json_object_body(content_type: str | None) -> None:
    record = _one(json.dumps(OZONETEL_INBOUND).encode(), content_type)
    assert record.call_id == "9049754955340984"


@pytest.mark.ozonetel
def test_raw_json_array_body() -> None:
    body = json.dumps([OZONETEL_MANUAL, OZONETEL_DND]).encode()
    records = parse_callback(body, "application/json; charset=utf-8")
    assert [r.status for r in records] == [CallStatus.NOT_ANSWERED, CallStatus.FAILED]


@pytest.mark.ozonetel
def test_form_without_content_type_is_sniffed() -> None:
    assert _one(_form(OZONETEL_INBOUND), None).call_id == "9049754955340984"


@pytest.mark.ozonetel
def test_cdr_pull_envelope_is_unwrapped() -> None:
    body = json.dumps({"status": "success", "message": [OZONETEL_INBOUND]}).encode()
    assert _one(body, "application/json").customer_number == PhoneNumber("+919080600507")


@pytest.mark.ozonetel
def test_newer_payload_call_id_keys_are_read() -> None:
    record = {k: v for k, v in OZONETEL_INBOUND.items() if k != "monitorUCID"}
    assert parse_record({**record, "CallID": 31733467784618213}).call_id == "31733467784618213"
    assert parse_record({**record, "UCID": "555"}).call_id == "555"


@pytest.mark.ozonetel
def test_customer_number_in_trunk_form_is_normalised() -> None:
    record = parse_record({**OZONETEL_INBOUND, "CallerID": "09080600507"})
    assert record.customer_number == PhoneNumber("+919080600507")


@pytest.mark.generic
def test_leadsquared_inbound_call_log() -> None:
    record = _one(json.dumps(LSQ_LOG).encode(), "application/json")
    assert record.provider == "generic"
    assert record.call_id == "12345"
    assert record.direction is Direction.INBOUND
    assert record.customer_number == PhoneNumber(
        "+918611795988"
    )  # inbound: SourceNumber is the lead
    assert record.agent_phone == PhoneNumber("+919611795983")
    assert record.did == "+918611795989"
    assert record.duration_s == 34
    # StartTime is already UTC in LeadSquared's call log.
    assert record.started_at == datetime(2017, 7, 7, 18, 26, 38, tzinfo=UTC)
    assert record.recording_url == "https://example.test/rec.mp3"


@pytest.mark.generic
def test_leadsquared_outbound_customer_is_the_destination() -> None:
    record = parse_record({**LSQ_LOG, "Direction": "Outbound"})
    assert record.direction is Direction.OUTBOUND
    assert record.customer_number == PhoneNumber("+919611795983")
    assert record.agent_phone == PhoneNumber("+918611795988")


@pytest.mark.generic
@pytest.mark.parametrize("status", ["Missed", "No Answer", "NotAnswered", "Busy", "Declined"])
def test_leadsquared_unanswered_statuses_are_missed(status: str) -> None:
    assert parse_record({**LSQ_LOG, "Status": status}).status is CallStatus.NOT_ANSWERED


@pytest.mark.knowlarity
def test_knowlarity_webhook_with_mixed_offsets() -> None:
    record = _one(json.dumps(KNOWLARITY_HOOK).encode(), "application/json")
    assert record.provider == "knowlarity"
    assert record.call_id == "ec8a4ba6-c2eb-4e71-888f-c3acbf585111"
    assert record.direction is Direction.INBOUND
    assert record.customer_number == PhoneNumber("+919966679850")
    assert record.did == "+919019101000"
    assert record.duration_s == 7
    assert record.started_at == datetime(2016, 9, 27, 3, 49, 44, 391601, tzinfo=UTC)
    # 09:19:34 IST is 03:49:34 UTC: both ends land in one zone.
    assert record.ended_at == datetime(2016, 9, 27, 3, 49, 34, 667036, tzinfo=UTC)
    assert record.recording_url is None


@pytest.mark.knowlarity
@pytest.mark.inferred
def test_knowlarity_without_talk_time_is_not_answered() -> None:
    record = parse_record({**KNOWLARITY_HOOK, "call_duration": "0"})
    assert record.status is CallStatus.NOT_ANSWERED


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {**OZONETEL_INBOUND, "StartTime": "2018-13-45 99:00"},
            "StartTime: '2018-13-45 99:00' is not YYYY-MM-DD HH:MM:SS",
        ),
        (
            {**OZONETEL_INBOUND, "EndTime": "2018-02-30 10:00:00"},
            "EndTime: '2018-02-30 10:00:00' is not YYYY-MM-DD HH:MM:SS",
        ),
        ({**OZONETEL_INBOUND, "Duration": "23"}, "Duration: '23' is not HH:MM:SS"),
        ({**OZONETEL_INBOUND, "CallDuration": "00:61:00"}, "CallDuration: '00:61:00' is not"),
        ({**OZONETEL_INBOUND, "Status": "Maybe"}, "Status: 'Maybe' is not"),
        ({**OZONETEL_INBOUND, "Type": "sideways"}, "Type: 'sideways' is not"),
        ({**OZONETEL_INBOUND, "CallerID": "12"}, "CallerID: '12' is not a phone number"),
        ({**OZONETEL_INBOUND, "CallerID": ""}, "CallerID: missing"),
        ({**OZONETEL_INBOUND, "monitorUCID": ""}, "monitorUCID: missing"),
        ({**OZONETEL_INBOUND, "Status": {"a": 1}}, "Status: expected text"),
        ({**LSQ_LOG, "CallDuration": "half"}, "CallDuration: 'half' is not a number of seconds"),
        ({**LSQ_LOG, "Direction": "Up"}, "Direction: 'Up' is not Inbound or Outbound"),
        ({**KNOWLARITY_HOOK, "start_time": "yesterday"}, "start_time: 'yesterday' is not"),
        ({"hello": "world"}, "record: not a known call log"),
    ],
)
def test_malformed_records_name_the_field(record: dict[str, Any], message: str) -> None:
    with pytest.raises(CallLogError) as caught:
        parse_record(record)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", FORM, "body: empty"),
        (b"\xff\xfe", "application/json", "body: not UTF-8"),
        (b"data=%7Bnot+json", FORM, "data: not valid JSON"),
        (b"{", "application/json", "body: not valid JSON"),
        (b"42", "application/json", "body: expected a JSON object"),
        (b"--x\r\n", "multipart/form-data; boundary=x", "body: multipart"),
    ],
)
def test_malformed_bodies_name_what_is_wrong(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(CallLogError, match=f"^{message}"):
        parse_callback(body, content_type)


def test_error_in_an_array_names_the_record_index() -> None:
    body = _form([OZONETEL_INBOUND, {**OZONETEL_MANUAL, "Duration": "x"}])
    with pytest.raises(CallLogError) as caught:
        parse_callback(body, FORM)
    assert caught.value.index == 1
    assert caught.value.field == "Duration"
    assert str(caught.value).startswith("record 1: Duration:")


def test_empty_array_is_nothing_to_ingest() -> None:
    assert parse_callback(b"[]", "application/json") == []


@pytest.mark.parametrize(
    ("record", "start", "end"),
    [
        ({**OZONETEL_INBOUND, "EndTime": "2018-08-06 16:59:32"}, "StartTime", "EndTime"),
        ({**LSQ_LOG, "EndTime": "2017-07-07 18:00:00"}, "StartTime", "EndTime"),
        # 09:17:34 IST is 03:47:34 UTC: two minutes before the start, past the clock skew.
        (
            {**KNOWLARITY_HOOK, "end_time": "2016-09-27 09:17:34+05:30"},
            "start_time",
            "end_time",
        ),
    ],
    ids=["ozonetel", "generic", "knowlarity"],
)
def test_an_end_before_the_start_is_refused_naming_both_fields(
    record: dict[str, Any], start: str, end: str
) -> None:
    with pytest.raises(CallLogError) as caught:
        parse_record(record)
    assert caught.value.field == end
    assert start in str(caught.value)
    assert str(record[start]) in str(caught.value)
    assert str(record[end]) in str(caught.value)


def test_an_end_equal_to_the_start_is_a_zero_length_call() -> None:
    record = parse_record({**OZONETEL_INBOUND, "EndTime": OZONETEL_INBOUND["StartTime"]})
    assert record.started_at == record.ended_at


@pytest.mark.knowlarity
def test_knowlarity_clock_skew_is_tolerated_up_to_a_minute() -> None:
    # The real sample ends 9.7 s before it starts (two clocks); a minute is the limit.
    assert parse_record(KNOWLARITY_HOOK).ended_at is not None
    at_the_limit = {**KNOWLARITY_HOOK, "end_time": "2016-09-27 09:18:44.391601+05:30"}
    assert parse_record(at_the_limit).ended_at is not None
    past_it = {**KNOWLARITY_HOOK, "end_time": "2016-09-27 09:18:44.391600+05:30"}
    with pytest.raises(CallLogError, match=r"^end_time: .* is before start_time"):
        parse_record(past_it)
