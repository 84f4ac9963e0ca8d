"""Hostile inputs to the CRM, the call-log boundary and ``mcc crm``: refused clearly, never a 500.

One section per item of the CRM hardening issue:

1. call ids are unique per provider (call-log family), not globally;
2. CSV cells holding Unicode line separators never split a row;
3. call logs with lone surrogates or deep nesting are a 400 naming the field;
4. a delivery's work does not grow with the call's event count (counted, not timed);
5. credentials (tokens, signatures, Bearer values) never reach the store;
6. Rich markup in CRM data is shown literally; a store that cannot be opened
   is one line and exit code 2.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from click.testing import CliRunner

from calling.activities import ingest, record_outbound_attempt, record_to_event
from calling.click_to_call import place_call
from calling.service import create_service
from connector.calllog import CallStatus, Direction, parse_callback, parse_record
from connector.client import Client
from connector.config import with_base_url
from connector.errors import CallLogError
from connector.phone import parse_phone
from connector.presets import load_preset
from connector.redaction import Redactor, ScrubbedRecord, is_secret_key
from crm import (
    CallEvent,
    CrmError,
    CrmImportError,
    CrmStore,
    CrmStoreError,
    Lead,
    User,
    apply_migrations,
    fold_events,
    import_file,
)
from crm.activities import EVENTS_KEPT
from crm.cli import crm
from crm.migrate import load_migrations

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
API_ENV = {"OZONETEL_API_KEY": "KKtest0000000000000000000000000001", "OZONETEL_USERNAME": "demo"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CrmStore]:
    crm_store = CrmStore(tmp_path / "crm.sqlite3", clock=lambda: T0)
    crm_store.upsert_user(User("U1", "Ravi", phone="9800000001", fields={"TelephonyAgentId": "a1"}))
    crm_store.upsert_lead(Lead("L1", "Asha", phone="+91-9876543210"))
    crm_store.upsert_lead(Lead("L2", "Vikram", phone="+91-9812345678"))
    yield crm_store
    crm_store.close()


def _ozonetel(ucid: str, caller: str = "919876543210", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "monitorUCID": ucid,
        "CallerID": caller,
        "Type": "Manual",
        "Status": "Answered",
        "StartTime": "2024-05-01 14:30:05",
        "EndTime": "2024-05-01 14:31:05",
        "Duration": "00:00:50",
        "Disposition": "",
    }
    record.update(changes)
    return record


def _knowlarity(callid: str, customer: str = "+919812345678", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "callid": callid,
        "customer_number": customer,
        "call_type": "outgoing",
        "call_duration": "12",
        "start_time": "2024-05-01 14:40:00+05:30",
    }
    record.update(changes)
    return record


def _generic(session: str, source: str = "9876543210") -> dict[str, Any]:
    return {
        "CallSessionId": session,
        "SourceNumber": "9800000001",
        "DestinationNumber": source,
        "Direction": "Outbound",
        "Status": "Answered",
        "CallDuration": "30",
        "StartTime": "2024-05-01 09:00:05",
    }


# -- 1. call ids are unique per provider -------------------------------------


def test_the_same_call_id_from_two_providers_makes_two_activities(store: CrmStore) -> None:
    ingest(store, [parse_record(_ozonetel("COLL1"))])
    ingest(store, [parse_record(_knowlarity("COLL1"))])
    activities = {a.provider: a for a in store.activities()}
    assert set(activities) == {"ozonetel", "knowlarity"}
    assert activities["ozonetel"].lead_id == "L1"
    assert activities["knowlarity"].lead_id == "L2"
    assert activities["knowlarity"].duration_s == 12
    assert activities["knowlarity"].call_log_format == "knowlarity"
    # A re-delivery of either still changes nothing.
    again = ingest(store, [parse_record(_knowlarity("COLL1")), parse_record(_ozonetel("COLL1"))])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


@pytest.mark.parametrize(
    ("provider", "record"),
    [
        ("ozonetel", _ozonetel("COLL1")),
        ("ozonetel_phone_manual_dial", _ozonetel("COLL1")),
        ("generic", _generic("COLL1")),
        ("knowlarity", _knowlarity("COLL1", customer="+919876543210")),
    ],
)
def test_an_attempt_and_its_callback_pair_up_whatever_the_config_is_called(
    store: CrmStore, provider: str, record: dict[str, Any]
) -> None:
    attempt = record_outbound_attempt(
        store, "L1", "U1", accepted=True, call_id="COLL1", provider=provider, at=T0
    )
    # Another provider's call with the same id, for another customer: its own activity.
    other = _knowlarity("COLL1") if provider != "knowlarity" else _ozonetel("COLL1", "919812345678")
    ingest(store, [parse_record(other)])
    report = ingest(store, [parse_record(record)])
    assert (report.created, report.updated) == (0, 1)
    assert report.activity_ids == (attempt.id,)
    completed = store.get_activity(attempt.id)
    assert completed is not None
    assert completed.status is CallStatus.ANSWERED
    assert (completed.lead_id, completed.user_id) == ("L1", "U1")
    assert len(store.activities()) == 2


def test_a_config_with_its_own_name_pairs_by_its_call_log_format(store: CrmStore) -> None:
    config = with_base_url(load_preset("ozonetel"), "http://provider.test")
    config = config.model_copy(update={"name": "acme_dialer"})

    def queued(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "queued successfully", "ucid": "COLL1"})

    fields = {"mx_Custom_8": "Inbound_918030000001", "TelephonyAgentId": "agent1"}
    store.upsert_user(User("agent1", "Agent", phone="9800000001", fields=fields))
    with Client(transport=httpx.MockTransport(queued), env=API_ENV) as client:
        attempt = place_call(store, client, config, "L1", "agent1")
    assert attempt.call_id == "COLL1"
    ingest(store, [parse_record(_knowlarity("COLL1"))])
    report = ingest(store, [parse_record(_ozonetel("COLL1"))])
    assert report.activity_ids == (attempt.activity_id,)
    assert len(store.activities()) == 2


def test_get_activity_by_call_id_needs_the_provider_only_when_the_id_is_shared(
    store: CrmStore,
) -> None:
    ingest(store, [parse_record(_ozonetel("ONLY1"))])
    only = store.get_activity_by_call_id("ONLY1")
    assert only is not None
    assert only.provider == "ozonetel"
    ingest(store, [parse_record(_ozonetel("COLL1")), parse_record(_knowlarity("COLL1"))])
    with pytest.raises(CrmError, match=r"COLL1.*knowlarity.*ozonetel"):
        store.get_activity_by_call_id("COLL1")
    by_knowlarity = store.get_activity_by_call_id("COLL1", provider="knowlarity")
    assert by_knowlarity is not None
    assert by_knowlarity.lead_id == "L2"
    assert store.get_activity_by_call_id("COLL1", provider="generic") is None
    assert store.get_activity_by_call_id("nope") is None


def _v2_store(path: Path) -> None:
    """A store as schema version 2 wrote it: call ids globally unique."""
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, load_migrations()[:2])
    stamp = "2024-05-01T09:00:00+00:00"
    conn.execute(
        "INSERT INTO leads (id, first_name, phone, created_at, updated_at)"
        " VALUES ('L1', 'Asha', '+91-9876543210', ?, ?)",
        (stamp, stamp),
    )
    conn.execute(
        "INSERT INTO lead_phones (lead_id, field, position, e164)"
        " VALUES ('L1', 'Phone', 0, '+919876543210')"
    )
    rows = [
        # An attempt from the PhoneManualDial config, still waiting for its callback.
        (1, "initiated", "ozonetel_phone_manual_dial", "COLL1", "click_to_call"),
        # A Knowlarity call stored before the upgrade.
        (2, "answered", "knowlarity", "K-9", "callback"),
    ]
    for activity_id, status, provider, call_id, source in rows:
        conn.execute(
            "INSERT INTO activities (id, lead_id, direction, status, started_at, customer_number,"
            " provider, provider_call_id, created_at, updated_at)"
            " VALUES (?, 'L1', 'outbound', ?, ?, '+919876543210', ?, ?, ?, ?)",
            (activity_id, status, stamp, provider, call_id, stamp, stamp),
        )
        event = CallEvent(
            direction=Direction.OUTBOUND,
            status=CallStatus(status),
            source=source,
            provider=provider,
            provider_call_id=call_id,
            lead_id="L1",
            started_at=T0,
            customer_number=parse_phone("+919876543210"),
        )
        payload = event.to_json()
        payload.pop("call_log_format", None)  # version 2 events did not have it
        conn.execute(
            "INSERT INTO activity_events (activity_id, digest, event, received_at, source,"
            " provider_call_id) VALUES (?, ?, ?, ?, ?, ?)",
            (activity_id, event.digest, json.dumps(payload), stamp, source, call_id),
        )
    conn.close()


def test_migration_keys_the_activities_of_an_existing_store_by_provider(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    _v2_store(path)
    with CrmStore(path, clock=lambda: T0) as store:
        [before] = [a for a in store.activities() if a.provider_call_id == "COLL1"]
        assert before.status is CallStatus.INITIATED
        # The waiting attempt is completed by its Ozonetel callback ...
        report = ingest(store, [parse_record(_ozonetel("COLL1"))])
        assert report.activity_ids == (1,)
        completed = store.get_activity(1)
        assert completed is not None
        assert completed.status is CallStatus.ANSWERED
        # ... a Knowlarity call with the same id is another call ...
        other = ingest(store, [parse_record(_knowlarity("COLL1"))])
        assert other.created == 1
        # ... and the old Knowlarity call is still found by its callbacks.
        again = ingest(store, [parse_record(_knowlarity("K-9", customer="+919876543210"))])
        assert again.activity_ids == (2,)
        assert store.get_activity_by_call_id("K-9", provider="knowlarity") is not None
        indexes = {
            row[1]: row[2] for row in store.db.conn().execute("PRAGMA index_list(activities)")
        }
        assert not any(
            unique
            and [c[2] for c in store.db.conn().execute(f"PRAGMA index_info('{name}')")]
            == ["provider_call_id"]
            for name, unique in indexes.items()
        )
        assert store.db.conn().execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.pragma("foreign_keys") == 1
        events = store.db.conn().execute("SELECT COUNT(*) FROM activity_events").fetchone()[0]
        assert events == 5


# -- 2. CSV cells holding Unicode line separators -----------------------------

SEPARATORS = ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "leads.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("sep", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_a_line_separator_inside_a_cell_never_makes_a_phantom_lead(
    tmp_path: Path, sep: str
) -> None:
    path = _csv(
        tmp_path,
        "kind,id,FirstName,Phone\n"
        f"lead,L1,Asha{sep}lead,L2,Ghost,9876543210\n"
        "lead,L3,Meera,9123456789\n",
    )
    db = tmp_path / "crm.sqlite3"
    result = CliRunner().invoke(crm, ["import", str(path), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "line 2" in result.output
    assert "nothing was imported" in result.output
    assert "Traceback" not in result.output
    with CrmStore(db) as crm_store:
        assert crm_store.leads() == []


@pytest.mark.parametrize("sep", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
def test_a_line_separator_inside_a_cell_stays_in_the_cell(tmp_path: Path, sep: str) -> None:
    path = _csv(
        tmp_path,
        f'kind,id,FirstName,Phone\nlead,L1,"Asha{sep}Rao",9876543210\nlead,L2,Vi{sep}kram,9123456789\n',
    )
    with CrmStore(tmp_path / "crm.sqlite3") as crm_store:
        summary = import_file(crm_store, path)
        assert summary.leads_created == 2
        leads = {lead.id: lead for lead in crm_store.leads()}
    assert set(leads) == {"L1", "L2"}
    assert (leads["L1"].first_name, leads["L1"].phone) == (f"Asha{sep}Rao", "9876543210")
    assert (leads["L2"].first_name, leads["L2"].phone) == (f"Vi{sep}kram", "9123456789")


def test_every_bad_csv_row_is_listed_and_nothing_is_imported(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "kind,id,FirstName,Phone\n"
        "lead,L1,Asha,9876543210\n"
        "lead,L2,Vikram,9812345678,extra\n"
        "robot,L3,Meera,9123456789\n"
        'lead,L4,"unterminated,9123456780\n',
    )
    with CrmStore(tmp_path / "crm.sqlite3") as crm_store:
        with pytest.raises(CrmImportError) as caught:
            import_file(crm_store, path)
        assert crm_store.leads() == []
    problems = caught.value.problems
    assert any(p.startswith("line 3") and "more cells" in p for p in problems), problems
    assert any(p.startswith("line 4") and "robot" in p for p in problems), problems
    assert any("line 5" in p for p in problems), problems


# -- 3. lone surrogates and deep nesting in call logs --------------------------


@pytest.fixture
def service(store: CrmStore) -> Any:
    return create_service(store, allow_no_auth=True).test_client()


def _nested(depth: int, leaf: Any = "leaf", *, lists: bool = False) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value] if lists else {"a": value}
    return value


def test_a_lone_surrogate_is_a_400_naming_the_field(service: Any, store: CrmStore) -> None:
    body = json.dumps(_ozonetel("S1", Disposition="x")).replace('"x"', '"x\\ud83d"')
    for _ in range(2):  # the retry gets the same clear answer
        answer = service.post("/calllog", data=body, content_type="application/json")
        assert answer.status_code == 400, answer.get_json()
        assert "Disposition" in answer.get_json()["message"]
        assert "surrogate" in answer.get_json()["message"]
    form = urlencode({"data": body}).encode()
    answer = service.post("/calllog", data=form, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400
    assert "Disposition" in answer.get_json()["message"]
    assert store.activities() == []


def test_a_lone_surrogate_in_a_key_or_deep_value_is_refused(service: Any) -> None:
    body = json.dumps([_ozonetel("S1"), {**_ozonetel("S2"), "Extra": {"x": ["ok", "bad"]}}])
    body = body.replace('"bad"', '"\\udc00bad"')
    answer = service.post("/calllog", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["message"].startswith("record 1: Extra")
    key = json.dumps(_ozonetel("S3", K=1)).replace('"K"', '"K\\ud800"')
    answer = service.post("/calllog", data=key, content_type="application/json")
    assert answer.status_code == 400
    assert "surrogate" in answer.get_json()["message"]


@pytest.mark.parametrize("lists", [False, True], ids=["objects", "arrays"])
def test_a_field_nested_500_deep_is_a_400_naming_the_field(
    service: Any, store: CrmStore, lists: bool
) -> None:
    body = json.dumps(_ozonetel("N1", Extra=_nested(500, lists=lists)))
    answer = service.post("/calllog", data=body, content_type="application/json")
    assert answer.status_code == 400, answer.get_json()
    message = answer.get_json()["message"]
    assert message.startswith("Extra:")
    assert "nested deeper than 32" in message
    assert store.activities() == []


def test_nesting_up_to_the_limit_is_stored(service: Any, store: CrmStore) -> None:
    ok = json.dumps(_ozonetel("N2", Extra=_nested(31)))
    assert service.post("/calllog", data=ok, content_type="application/json").status_code == 200
    deep = json.dumps(_ozonetel("N3", Extra=_nested(33)))
    assert service.post("/calllog", data=deep, content_type="application/json").status_code == 400
    assert [a.provider_call_id for a in store.activities()] == ["N2"]


def test_the_parser_itself_names_the_field() -> None:
    with pytest.raises(CallLogError) as caught:
        parse_record({**_ozonetel("P1"), "Disposition": "x\ud83d"})
    assert caught.value.field == "Disposition"
    with pytest.raises(CallLogError) as caught:
        parse_callback(json.dumps(_ozonetel("P2", Extra=_nested(100))).encode(), None)
    assert caught.value.field == "Extra"


def test_a_provider_message_with_a_lone_surrogate_is_stored_readable(store: CrmStore) -> None:
    # A click-to-call answer's message is not a call log: it is kept, not refused.
    attempt = record_outbound_attempt(
        store, "L1", "U1", accepted=False, message="refused \ud83d here", provider="ozonetel"
    )
    assert attempt.message == "refused \ufffd here"


# -- 4. a delivery's work does not grow with the call's event count -------------


def _delivery(index: int) -> dict[str, Any]:
    return _ozonetel("MANY", Disposition=f"note {index}")


class _Work:
    """SQLite VM steps (progress-handler ticks) and stored events decoded, for one delivery."""

    def __init__(self, store: CrmStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store = store
        self.decoded = 0
        self.steps = 0
        original = CallEvent.from_json.__func__  # type: ignore[attr-defined]

        def counted(cls: type[CallEvent], data: Any) -> CallEvent:
            self.decoded += 1
            result: CallEvent = original(cls, data)
            return result

        monkeypatch.setattr(CallEvent, "from_json", classmethod(counted))

    def deliver(self, index: int) -> tuple[int, int]:
        record = parse_record(_delivery(index))
        self.decoded = self.steps = 0

        def tick() -> int:
            self.steps += 1
            return 0

        conn = self.store.db.conn()
        conn.set_progress_handler(tick, 10)
        try:
            ingest(self.store, [record])
        finally:
            conn.set_progress_handler(None, 0)
        return self.steps, self.decoded


def test_the_work_of_a_delivery_does_not_grow_with_the_calls_events(
    store: CrmStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _Work(store, monkeypatch)
    measured: dict[int, tuple[int, int]] = {}
    for index in range(1, 401):
        steps, decoded = work.deliver(index)
        if index in (30, 400):
            measured[index] = (steps, decoded)
    (steps_30, decoded_30), (steps_400, decoded_400) = measured[30], measured[400]
    assert decoded_400 <= decoded_30 <= 1
    assert steps_400 <= steps_30 * 1.25 + 50, measured
    [activity] = store.activities()
    everything = fold_events(record_to_event(parse_record(_delivery(i))) for i in range(1, 401))
    assert activity.disposition == everything["disposition"]  # the same winner as a full fold


def test_events_kept_per_call_are_bounded_and_counted(store: CrmStore) -> None:
    for index in range(1, 101):
        ingest(store, [parse_record(_delivery(index))])
    conn = store.db.conn()
    [(kept,)] = conn.execute("SELECT COUNT(*) FROM activity_events").fetchall()
    [(seen,)] = conn.execute("SELECT events_seen FROM activities").fetchall()
    assert kept == EVENTS_KEPT
    assert seen == 100
    dispositions = [
        json.loads(row[0])["disposition"]
        for row in conn.execute("SELECT event FROM activity_events ORDER BY id")
    ]
    assert dispositions[0] == "note 1"  # the first ...
    assert dispositions[-1] == "note 100"  # ... and the latest are kept
    again = ingest(store, [parse_record(_delivery(100))])  # a duplicate, still seen by digest
    assert again.unchanged == 1
    [(seen,)] = conn.execute("SELECT events_seen FROM activities").fetchall()
    assert seen == 100


def test_an_activity_stored_before_fold_state_folds_its_events_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, load_migrations()[:3])
    stamp = "2024-05-01T09:00:00+00:00"
    events = [record_to_event(parse_record(_delivery(i))) for i in range(1, 26)]
    conn.execute(
        "INSERT INTO activities (id, direction, status, provider, provider_call_id,"
        " call_log_format, created_at, updated_at)"
        " VALUES (1, 'outbound', 'answered', 'ozonetel', 'MANY', 'ozonetel', ?, ?)",
        (stamp, stamp),
    )
    conn.executemany(
        "INSERT INTO activity_events (activity_id, digest, event, received_at, source,"
        " provider_call_id) VALUES (1, ?, ?, ?, 'callback', 'MANY')",
        [(e.digest, json.dumps(e.to_json(), default=str), stamp) for e in events],
    )
    conn.close()
    with CrmStore(path, clock=lambda: T0) as crm_store:
        [(seen,)] = crm_store.db.conn().execute("SELECT events_seen FROM activities").fetchall()
        assert seen == 25  # counted by migration 0004
        work = _Work(crm_store, monkeypatch)
        assert work.deliver(26)[1] == 26  # the stored events and the new one, folded once
        assert work.deliver(27)[1] == 0  # from then on, never again
        [activity] = crm_store.activities()
        conn2 = crm_store.db.conn()
        [(kept,)] = conn2.execute("SELECT COUNT(*) FROM activity_events").fetchall()
        [(seen,)] = conn2.execute("SELECT events_seen FROM activities").fetchall()
    everything = fold_events(
        [*events, *(record_to_event(parse_record(_delivery(i))) for i in (26, 27))]
    )
    assert activity.disposition == everything["disposition"]
    assert (kept, seen) == (EVENTS_KEPT, 27)


def test_the_incremental_fold_agrees_with_fold_events_in_any_order(tmp_path: Path) -> None:
    records = [
        _ozonetel("F1", Status="NotAnswered", Duration="00:00:00", EndTime="2024-05-01 14:30:30"),
        _ozonetel("F1", Disposition="callback later", AudioFile="https://r.example/1.mp3"),
        _ozonetel("F1", Status="Fail", Disposition="", Duration="00:00:00"),
        _ozonetel("F1", EndTime="2024-05-01 14:32:00", Disposition="late but longer"),
        _ozonetel("F1", Disposition=""),
    ]
    events = [record_to_event(parse_record(r)) for r in records]  # as ingest builds them
    expected = fold_events(events)
    orders = [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3], [3, 3, 1, 0, 4, 2, 1]]
    for number, order in enumerate(orders):
        with CrmStore(tmp_path / f"{number}.sqlite3", clock=lambda: T0) as crm_store:
            for index in order:
                ingest(crm_store, [parse_record(records[index])])
            [activity] = crm_store.activities()
        assert activity.status == expected["status"]
        assert activity.disposition == expected["disposition"]
        assert activity.ended_at == expected["ended_at"]
        assert activity.recording_url == expected["recording_url"]
        assert activity.raw == expected["raw"]


# -- 5. credentials never reach the store --------------------------------------

SIGNED = (
    "https://rec.example/calls/a.mp3?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIASECRET1%2F20240501&X-Amz-Date=20240501T000000Z"
    "&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=SECRET2abcdef&id=7"
)
SECRETS = [
    "AKIASECRET1",
    "SECRET2abcdef",
    "SECRET3",
    "SECRET4",
    "SECRET5",
    "SECRET6",
    "SECRET7",
    "SECRET8",
    "SECRET9",
]


def test_credentials_are_dropped_from_records_recording_urls_and_events(store: CrmStore) -> None:
    record = _ozonetel(
        "C1",
        AudioFile=SIGNED,
        access_token="SECRET3",
        auth_token="SECRET4",
        Header="Bearer SECRET5.part-two",
        Legs=[
            "https://x.example/r.mp3?sig=SECRET6&sv=2024",
            {"url": "https://y.example/r.mp3?Signature=SECRET7&Expires=1"},
        ],
        Extra="see https://z.example/?access_token=SECRET8&token=SECRET9&ok=1",
    )
    [parsed] = parse_callback(json.dumps(record).encode(), "application/json")
    assert parsed.recording_url == (
        "https://rec.example/calls/a.mp3?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Date=20240501T000000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&id=7"
    )
    ingest(store, [parsed])
    [activity] = store.activities()
    assert activity.recording_url == parsed.recording_url
    assert activity.raw["AudioFile"] == parsed.recording_url
    assert "access_token" not in activity.raw
    assert "auth_token" not in activity.raw
    assert activity.raw["Header"] == "Bearer ***"
    assert activity.raw["Legs"] == [
        "https://x.example/r.mp3?sv=2024",
        {"url": "https://y.example/r.mp3?Expires=1"},
    ]
    assert activity.raw["Extra"] == "see https://z.example/?access_token=***&token=***&ok=1"
    dump = "\n".join(store.db.conn().iterdump())
    leaked = [secret for secret in SECRETS if secret in dump]
    assert leaked == []


def test_a_hand_made_event_cannot_store_a_signed_recording_url(store: CrmStore) -> None:
    event = CallEvent(
        Direction.INBOUND,
        CallStatus.ANSWERED,
        provider_call_id="H1",
        recording_url="https://user:SECRET3@rec.example/a.mp3?token=SECRET4&id=1",
    )
    activity = store.get_activity(store.record_call_activity(event).activity_id)
    assert activity is not None
    assert activity.recording_url == "https://rec.example/a.mp3?id=1"
    dump = "\n".join(store.db.conn().iterdump())
    assert "SECRET3" not in dump
    assert "SECRET4" not in dump


@pytest.mark.parametrize(
    "name",
    ["access_token", "auth_token", "X-Amz-Signature", "X-Amz-Credential", "sig", "Signature"],
)
def test_credential_key_names(name: str) -> None:
    assert is_secret_key(name)
    assert ScrubbedRecord({name: "v", "keep": 1}) == {"keep": 1}


def test_logs_hide_the_new_credential_parameters() -> None:
    text = Redactor().text(
        "GET /r.mp3?access_token=SECRET3&X-Amz-Signature=SECRET4&sig=SECRET5 Bearer SECRET6"
    )
    assert not any(secret in text for secret in SECRETS), text


# -- 6. Rich markup and store-open errors in ``mcc crm`` -------------------------

WIDE = {"COLUMNS": "300"}  # Rich wraps at 80 columns without a terminal
MARKUP = ["[/x]", "[bold]loud", "[link=https://evil.example]click[/link]", "[/]"]


def test_markup_in_leads_is_shown_literally(tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite3"
    with CrmStore(db) as crm_store:
        for index, text in enumerate(MARKUP):
            crm_store.upsert_lead(Lead(f"L{index}[/x]", text, "[i]", phone="9876543210"))
    result = CliRunner().invoke(crm, ["leads", "--db", str(db)], env=WIDE)
    assert result.exit_code == 0, result.output
    for text in MARKUP:
        assert text in result.output
    assert "L0[/x]" in result.output


def test_markup_in_activities_is_shown_literally(tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite3"
    with CrmStore(db) as crm_store:
        crm_store.upsert_lead(Lead("L1", "Asha", phone="9876543210"))
        for index, text in enumerate(MARKUP):
            ingest(crm_store, [parse_record(_ozonetel(f"M{index}", Disposition=text))])
    result = CliRunner().invoke(crm, ["activities", "--db", str(db)], env=WIDE)
    assert result.exit_code == 0, result.output
    for text in MARKUP:
        assert text in result.output
    lead_only = CliRunner().invoke(crm, ["activities", "--db", str(db), "--lead", "[/x]"])
    assert lead_only.exit_code == 2
    assert "[/x]" in lead_only.output


def test_a_file_name_with_markup_imports(tmp_path: Path) -> None:
    path = tmp_path / "leads[bold].csv"
    path.write_text("kind,id,FirstName,Phone\nlead,L1,Asha,9876543210\n", encoding="utf-8")
    result = CliRunner().invoke(
        crm, ["import", str(path), "--db", str(tmp_path / "c.sqlite3")], env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "leads[bold].csv" in result.output


def _one_line_refusal(result: Any, path: Path | str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("mcc: ")
    assert str(path) in lines[0]
    return lines[0]


@pytest.mark.parametrize("command", [["leads"], ["activities"]])
def test_a_file_that_is_not_sqlite_is_one_line_and_exit_2(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_text("these are my notes, not a database\n" * 100, encoding="utf-8")
    line = _one_line_refusal(CliRunner().invoke(crm, [*command, "--db", str(path)]), path)
    assert "not an SQLite database" in line


def test_an_unopenable_path_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = "/proc/x.sqlite3"
    _one_line_refusal(CliRunner().invoke(crm, ["leads", "--db", path]), path)
    below_a_file = tmp_path / "file.txt" / "crm.sqlite3"
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    _one_line_refusal(CliRunner().invoke(crm, ["leads", "--db", str(below_a_file)]), below_a_file)


def test_a_read_only_directory_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            # Root writes anyway: let SQLite answer as it does to other users.
            def refuse(*args: Any, **kwargs: Any) -> Any:
                raise sqlite3.OperationalError("unable to open database file")

            monkeypatch.setattr("crm.db.sqlite3.connect", refuse)
        path = folder / "crm.sqlite3"
        line = _one_line_refusal(CliRunner().invoke(crm, ["leads", "--db", str(path)]), path)
        assert "writable" in line
    finally:
        folder.chmod(0o755)


def test_the_store_constructor_raises_a_store_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"\x00junk" * 1000)
    with pytest.raises(CrmStoreError, match=r"junk\.sqlite3.*not an SQLite database"):
        CrmStore(path)
