"""Ingestion: call records become activities, once each, in any order, all or nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calling.activities import ingest, record_outbound_attempt
from connector.calllog import CallRecord, CallStatus, Direction, parse_callback, parse_record
from connector.phone import PhoneNumber
from crm import CrmStore, CrmStoreError, Lead, User

pytestmark = pytest.mark.flows

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

INBOUND: dict[str, Any] = {  # providers.md 2.7, trimmed; the Apikey is echoed for real
    "monitorUCID": "9049754955340984",
    "Did": "914466949093",
    "CallerID": "919080600507",
    "StartTime": "2018-08-06 16:59:33",
    "EndTime": "2018-08-06 17:00:03",
    "CallDuration": "00:00:30",
    "Duration": "00:00:23",
    "DialedNumber": "9384842783",
    "Type": "inbound",
    "AgentID": "kannadasan_tendercuts",
    "AgentPhoneNumber": "9384842783",
    "Disposition": "Wrap up time exceeded :120",
    "HangupBy": "UserHangup",
    "Status": "Answered",
    "AudioFile": "http://recordings.kookoo.in/user/user_9049754955340984_20180806165933.mp3",
    "Apikey": "KKxxxx",
}
MISSED: dict[str, Any] = {
    **INBOUND,
    "monitorUCID": "9049754955340985",
    "Status": "NotAnswered",
    "Duration": "00:00:00",
    "AudioFile": "",
    "Disposition": "",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CrmStore]:
    crm = CrmStore(tmp_path / "crm.sqlite3", clock=lambda: T0)
    crm.upsert_user(User("U1", "Ravi", phone="9800000001", fields={"TelephonyAgentId": "agent1"}))
    crm.upsert_lead(Lead("L1", "Kannan", phone="+91-9080600507"))
    yield crm
    crm.close()


def _records(*payloads: dict[str, Any]) -> list[CallRecord]:
    body = urlencode({"data": json.dumps(list(payloads))}).encode()
    return parse_callback(body, "application/x-www-form-urlencoded")


def _state(store: CrmStore) -> list[tuple[Any, ...]]:
    """Everything an activity shows, minus bookkeeping times and ids."""
    return sorted(
        (
            a.provider_call_id,
            a.lead_id,
            a.user_id,
            a.direction,
            a.status,
            a.dnd,
            a.duration_s,
            a.started_at,
            a.ended_at,
            a.recording_url,
            a.disposition,
            a.agent,
            a.customer_number,
            a.message,
            json.dumps(a.raw, sort_keys=True),
        )
        for a in store.activities()
    )


def test_a_callback_becomes_an_activity_on_the_lead(store: CrmStore) -> None:
    report = ingest(store, _records(INBOUND))
    assert (report.created, report.unmatched) == (1, 0)
    [activity] = store.activities(lead_id="L1")
    assert activity.direction is Direction.INBOUND
    assert activity.status is CallStatus.ANSWERED
    assert activity.duration_s == 23
    assert activity.recording_url == INBOUND["AudioFile"]
    assert activity.disposition == "Wrap up time exceeded :120"
    assert activity.customer_number == PhoneNumber("+919080600507")
    assert activity.started_at == datetime(2018, 8, 6, 11, 29, 33, tzinfo=UTC)
    assert activity.provider == "ozonetel"
    assert "Apikey" not in activity.raw


def test_a_missed_call_shows_as_not_answered(store: CrmStore) -> None:
    ingest(store, _records(MISSED))
    [activity] = store.activities(lead_id="L1")
    assert activity.status is CallStatus.NOT_ANSWERED
    assert activity.missed
    assert activity.recording_url is None


def test_duplicates_never_make_two_activities(store: CrmStore) -> None:
    first = ingest(store, _records(INBOUND, INBOUND))
    again = ingest(store, _records(INBOUND))
    assert (first.created, first.unchanged) == (1, 1)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert len(store.activities()) == 1


def test_an_unknown_caller_is_kept_and_linked_when_the_lead_arrives(store: CrmStore) -> None:
    report = ingest(store, _records({**INBOUND, "CallerID": "9111122222"}))
    assert report.unmatched == 1
    [activity] = store.activities()
    assert activity.lead_id is None
    store.upsert_lead(Lead("L9", "New", mobile="09111122222"))
    assert [a.provider_call_id for a in store.activities(lead_id="L9")] == ["9049754955340984"]


@pytest.mark.parametrize(
    "written",
    ["9080600507", "09080600507", "919080600507", "+919080600507", "+91-9080600507",
     "+91 90806 00507"],
)  # fmt: skip
def test_the_lead_is_found_whichever_form_the_provider_writes(
    store: CrmStore, written: str
) -> None:
    ingest(store, _records({**INBOUND, "CallerID": written}))
    assert len(store.activities(lead_id="L1")) == 1


def test_a_late_older_record_never_downgrades_a_final_state(store: CrmStore) -> None:
    answered = parse_record(INBOUND)
    ringing = replace(answered, status=CallStatus.NOT_ANSWERED, ended_at=None, duration_s=0)
    ingest(store, [answered])
    report = ingest(store, [ringing])
    assert report.updated == 0
    [activity] = store.activities()
    assert activity.status is CallStatus.ANSWERED
    assert activity.duration_s == 23


def test_a_newer_record_updates_the_activity(store: CrmStore) -> None:
    first = parse_record(INBOUND)
    later = replace(
        first,
        ended_at=(first.ended_at or T0) + timedelta(seconds=60),
        disposition="Interested",
    )
    ingest(store, [first])
    assert ingest(store, [later]).updated == 1
    [activity] = store.activities()
    assert activity.disposition == "Interested"


_VARIANTS = [
    parse_record(INBOUND),
    parse_record({**INBOUND, "Status": "NotAnswered", "Duration": "00:00:00", "AudioFile": ""}),
    parse_record({**INBOUND, "EndTime": "2018-08-06 17:02:00", "Disposition": "Callback"}),
    parse_record({**INBOUND, "AudioFile": "", "Disposition": ""}),
    parse_record(MISSED),
    parse_record({**MISSED, "CallerID": "9111122222", "monitorUCID": "77"}),
]


def _history(root: Path, records: list[CallRecord], batch: int) -> list[tuple[Any, ...]]:
    with CrmStore(root / "crm.sqlite3", clock=lambda: T0) as crm:
        crm.upsert_lead(Lead("L1", "Kannan", phone="+91-9080600507"))
        for start in range(0, len(records), batch):
            ingest(crm, records[start : start + batch])
        return _state(crm)


@pytest.fixture(scope="module")
def reference_history(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, ...]]:
    return _history(tmp_path_factory.mktemp("reference"), list(_VARIANTS), 1)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.permutations(_VARIANTS + _VARIANTS[:2]), st.integers(min_value=1, max_value=4))
def test_any_delivery_order_gives_the_same_history(
    tmp_path_factory: pytest.TempPathFactory,
    reference_history: list[tuple[Any, ...]],
    order: list[CallRecord],
    batch: int,
) -> None:
    history = _history(tmp_path_factory.mktemp("crm"), order, batch)
    assert history == reference_history
    # The reference itself is the sensible outcome, not just a stable one.
    by_call = {row[0]: row for row in history}
    assert by_call["9049754955340984"][4] is CallStatus.ANSWERED
    assert by_call["9049754955340984"][10] == "Callback"  # from the latest-ending record
    assert by_call["77"][1] is None  # unknown caller kept


def test_click_to_call_activity_is_completed_by_its_callback(store: CrmStore) -> None:
    started = record_outbound_attempt(
        store,
        "L1",
        "U1",
        accepted=True,
        call_id="9049754955340999",
        message="queued successfully",
        provider="ozonetel",
        at=T0,
        attempts=2,
    )
    assert started.status is CallStatus.INITIATED
    assert started.attempts == 2
    assert started.customer_number == PhoneNumber("+919080600507")
    assert started.agent == "agent1"
    callback = {**INBOUND, "monitorUCID": "9049754955340999", "Type": "Manual"}
    report = ingest(store, _records(callback))
    assert (report.created, report.updated) == (0, 1)
    [activity] = store.activities(lead_id="L1")
    assert activity.id == started.id
    assert activity.status is CallStatus.ANSWERED
    assert activity.user_id == "U1"
    assert activity.message == "queued successfully"
    assert activity.recording_url == INBOUND["AudioFile"]
    assert activity.attempts == 2  # the call log does not know the tries: they stay


def test_a_callback_that_beats_the_click_to_call_keeps_its_tries(store: CrmStore) -> None:
    ingest(store, _records({**MISSED, "monitorUCID": "556", "Type": "Manual"}))
    [before] = store.activities()
    assert before.attempts is None  # a call log alone: no click-to-call tries
    record_outbound_attempt(
        store, "L1", "U1", accepted=True, call_id="556", message="queued", at=T0, attempts=3
    )
    [activity] = store.activities()
    assert activity.attempts == 3
    ingest(store, _records({**INBOUND, "monitorUCID": "556", "Type": "Manual"}))
    [after] = store.activities()
    assert after.status is CallStatus.ANSWERED
    assert after.attempts == 3


def test_a_callback_that_beats_the_click_to_call_record_is_still_one_activity(
    store: CrmStore,
) -> None:
    ingest(store, _records({**MISSED, "monitorUCID": "555", "Type": "Manual"}))
    record_outbound_attempt(
        store, "L1", "U1", accepted=True, call_id="555", message="queued successfully", at=T0
    )
    [activity] = store.activities()
    assert activity.status is CallStatus.NOT_ANSWERED
    assert activity.user_id == "U1"


def test_a_refused_call_is_recorded_as_failed_with_the_message(store: CrmStore) -> None:
    activity = record_outbound_attempt(
        store, "L1", "U1", accepted=False, call_id=None, message="Agent is not available", at=T0
    )
    assert activity.status is CallStatus.FAILED
    assert activity.message == "Agent is not available"
    assert not activity.dnd
    assert activity.started_at == T0


def test_a_dnd_number_is_recorded_as_such(store: CrmStore) -> None:
    activity = record_outbound_attempt(
        store, "L1", "U1", accepted=False, call_id=None, message="DND", dnd=True, at=T0
    )
    assert activity.status is CallStatus.FAILED
    assert activity.dnd
    assert store.activities(lead_id="L1")[0].dnd


DND_DIAL: dict[str, Any] = {  # providers.md 2.10: the record of a dial refused for DND
    **INBOUND,
    "monitorUCID": "7000000000000001",
    "Type": "Manual",
    "UUI": "Manual Dial",
    "StartTime": "2024-05-01 14:30:05",  # T0 + 5 s, in IST
    "EndTime": "2024-05-01 14:30:05",
    "CallDuration": "00:00:00",
    "Duration": "00:00:00",
    "Status": "Fail",
    "AudioFile": "-1",
    "HangupBy": "SystemHangup",
    "AgentStatus": "NotDialed",
    "Disposition": "",
}


@pytest.mark.parametrize("callback_first", [False, True], ids=["attempt-first", "callback-first"])
def test_a_refused_dial_and_its_callback_are_one_activity(
    store: CrmStore, callback_first: bool
) -> None:
    # The provider gives no call id when it refuses a DND number, but its call
    # record carries one: the lead must still show one failed call, not two.
    def attempt() -> None:
        record_outbound_attempt(
            store, "L1", "U1", accepted=False, call_id=None, message="DND", dnd=True, at=T0
        )

    if callback_first:
        ingest(store, _records(DND_DIAL))
        attempt()
    else:
        attempt()
        ingest(store, _records(DND_DIAL))
    [activity] = store.activities(lead_id="L1")
    assert activity.status is CallStatus.FAILED
    assert activity.dnd
    assert activity.provider_call_id == "7000000000000001"
    assert activity.user_id == "U1"
    assert activity.message == "DND"


def test_a_callback_far_from_any_attempt_stays_its_own_activity(store: CrmStore) -> None:
    record_outbound_attempt(
        store, "L1", "U1", accepted=False, call_id=None, message="DND", dnd=True, at=T0
    )
    later = {**DND_DIAL, "StartTime": "2024-05-01 16:30:05", "EndTime": "2024-05-01 16:30:05"}
    ingest(store, _records(later))
    assert len(store.activities(lead_id="L1")) == 2


def test_two_failed_attempts_without_call_ids_are_two_activities(store: CrmStore) -> None:
    record_outbound_attempt(
        store, "L1", "U1", accepted=False, call_id=None, message="Agent is not available", at=T0
    )
    record_outbound_attempt(
        store, "L1", "U1", accepted=False, call_id=None, message="Agent is not available", at=T0
    )
    assert len(store.activities(lead_id="L1")) == 2


def test_outbound_attempt_for_unknown_lead_or_user_is_refused(store: CrmStore) -> None:
    with pytest.raises(CrmStoreError, match="lead 'L404'"):
        record_outbound_attempt(store, "L404", "U1", accepted=True, call_id="1", message="ok")
    with pytest.raises(CrmStoreError, match="user 'U404'"):
        record_outbound_attempt(store, "L1", "U404", accepted=True, call_id="1", message="ok")


def test_a_delivery_is_all_or_nothing(store: CrmStore, monkeypatch: pytest.MonkeyPatch) -> None:
    real = store.record_call_activity
    calls = {"n": 0}

    def flaky(event: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(event)

    monkeypatch.setattr(store, "record_call_activity", flaky)
    with pytest.raises(OSError, match="disk full"):
        ingest(store, _records(INBOUND, MISSED))
    assert store.activities() == []


def test_history_is_newest_call_first(store: CrmStore) -> None:
    later = {**MISSED, "StartTime": "2018-08-07 10:00:00", "EndTime": "2018-08-07 10:00:30"}
    ingest(store, _records(INBOUND, later))
    assert [a.provider_call_id for a in store.activities(lead_id="L1")] == [
        "9049754955340985",
        "9049754955340984",
    ]
