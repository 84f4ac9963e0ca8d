"""The CRM store: migrations, SQLite settings, transactions, leads by phone, DIDs."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.calllog import CallStatus, Direction
from connector.phone import parse_phone
from crm import (
    CallEvent,
    CrmStore,
    CrmStoreError,
    Lead,
    SchemaVersionError,
    UpsertResult,
    User,
    apply_migrations,
)
from crm.migrate import Migration, current_version, load_migrations

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CrmStore]:
    crm = CrmStore(tmp_path / "crm.sqlite3", clock=lambda: T0)
    yield crm
    crm.close()


def _lead(lead_id: str = "L1", **kwargs: object) -> Lead:
    values: dict[str, object] = {"first_name": "Asha", "phone": "+91-9876543210"}
    values.update(kwargs)
    return Lead(lead_id, **values)  # type: ignore[arg-type]


def test_database_and_parent_folders_are_created_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "crm.sqlite3"
    with CrmStore(path) as crm:
        assert crm.leads() == []
    assert path.is_file()


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(store: CrmStore) -> None:
    assert store.pragma("journal_mode") == "wal"
    assert store.pragma("foreign_keys") == 1
    assert store.pragma("busy_timeout") == 5000


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    CrmStore(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert apply_migrations(conn) == []
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version")]
        assert versions == [m.version for m in load_migrations()]
    finally:
        conn.close()


def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    with CrmStore(path) as crm:
        crm.upsert_lead(_lead())
    with CrmStore(path) as crm:
        lead = crm.get_lead("L1")
    assert lead is not None
    assert lead.first_name == "Asha"


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);")
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);\nINSERT INTO nope VALUES (1);")
    try:
        with pytest.raises(sqlite3.OperationalError):
            apply_migrations(conn, [good, bad])
        assert current_version(conn) == 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "b" not in tables  # the migration's DDL rolled back with its version bump
    finally:
        conn.close()


def test_a_database_newer_than_the_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    CrmStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (99, 'x')")
    with pytest.raises(SchemaVersionError, match="schema version 99"):
        CrmStore(path)


def test_upsert_reports_created_updated_unchanged(store: CrmStore) -> None:
    user = User("U1", "Ravi", "ravi@example.test", "9800000001", {"mx_Custom_8": "918030000001"})
    assert store.upsert_user(user) is UpsertResult.CREATED
    assert store.upsert_user(user) is UpsertResult.UNCHANGED
    assert store.upsert_user(User("U1", "Ravi K")) is UpsertResult.UPDATED
    assert store.get_user("U1") == User("U1", "Ravi K")
    assert store.upsert_lead(_lead()) is UpsertResult.CREATED
    assert store.upsert_lead(_lead()) is UpsertResult.UNCHANGED
    assert store.upsert_lead(_lead(mobile="9123456789")) is UpsertResult.UPDATED


def test_user_custom_fields_round_trip(store: CrmStore) -> None:
    user = User("U1", "Ravi", None, None, {"mx_Custom_8": "918030000001", "TelephonyAgentId": "a1"})
    store.upsert_user(user)
    loaded = store.get_user("U1")
    assert loaded is not None
    assert loaded.fields == user.fields
    assert loaded.merge_fields()["TelephonyAgentId"] == "a1"


@pytest.mark.parametrize(
    "written",
    [
        "9876543210",
        "09876543210",
        "919876543210",
        "+919876543210",
        "+91-9876543210",
        "+91 98765 43210",
        "98765 43210",
    ],
)
def test_find_lead_by_phone_in_any_written_form(store: CrmStore, written: str) -> None:
    store.upsert_lead(_lead())
    found = store.find_lead_by_phone(written)
    assert found is not None
    assert found.id == "L1"


def test_find_lead_by_mobile_and_by_custom_phone_field(store: CrmStore) -> None:
    store.upsert_lead(_lead(phone=None, mobile="9123456789", fields={"mx_AltPhone": "9000011111"}))
    assert store.find_lead_by_phone("+91-9123456789") is not None
    assert store.find_lead_by_phone("09000011111") is not None


def test_find_lead_prefers_phone_over_mobile_then_lower_id(store: CrmStore) -> None:
    store.upsert_lead(_lead("L2", phone=None, mobile="9876543210"))
    store.upsert_lead(_lead("L3"))
    store.upsert_lead(_lead("L4"))
    found = store.find_lead_by_phone("9876543210")
    assert found is not None
    assert found.id == "L3"


def test_changed_phone_is_reindexed(store: CrmStore) -> None:
    store.upsert_lead(_lead())
    store.upsert_lead(_lead(phone="9123456789"))
    assert store.find_lead_by_phone("9876543210") is None
    assert store.find_lead_by_phone("9123456789") is not None


@pytest.mark.parametrize("text", ["", "not a number", "12", "@{Lead:Phone,}"])
def test_text_that_is_no_number_finds_nothing(store: CrmStore, text: str) -> None:
    store.upsert_lead(_lead())
    assert store.find_lead_by_phone(text) is None


def test_phone_lookup_is_one_indexed_query(store: CrmStore) -> None:
    plan = " ".join(
        str(row[3])
        for row in store.db.conn().execute(
            "EXPLAIN QUERY PLAN SELECT leads.* FROM lead_phones JOIN leads"
            " ON leads.id = lead_phones.lead_id WHERE lead_phones.e164 = ?"
            " ORDER BY lead_phones.position, leads.id LIMIT 1",
            ("+919876543210",),
        )
    )
    assert "lead_phones_e164" in plan


def test_transaction_rolls_back_every_write_on_error(store: CrmStore) -> None:
    def crash() -> None:
        with store.transaction():
            store.upsert_user(User("U1", "Ravi"))
            store.upsert_lead(_lead())
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError):
        crash()
    assert store.get_user("U1") is None
    assert store.get_lead("L1") is None
    assert store.find_lead_by_phone("9876543210") is None


def test_a_process_killed_mid_write_leaves_nothing_half_made(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    CrmStore(path).close()
    script = textwrap.dedent(
        f"""
        import os
        from crm import CrmStore, Lead, User
        store = CrmStore({str(path)!r})
        with store.transaction():
            store.upsert_user(User("U1", "Ravi"))
            store.upsert_lead(Lead("L1", phone="9876543210"))
            os._exit(3)  # no rollback, no commit: as if the power went
        """
    )
    result = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert result.returncode == 3
    with CrmStore(path) as crm:
        assert crm.get_user("U1") is None
        assert crm.get_lead("L1") is None
        assert crm.find_lead_by_phone("9876543210") is None


def test_threads_share_one_store(store: CrmStore) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                store.upsert_user(User(f"U{n}-{i}", f"user {n}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.users()) == 40


def test_activity_for_an_unknown_lead_is_refused_with_advice(store: CrmStore) -> None:
    event = CallEvent(Direction.OUTBOUND, CallStatus.INITIATED, lead_id="nope")
    with pytest.raises(CrmStoreError, match="import it first"):
        store.record_call_activity(event)


def test_naive_times_are_refused(store: CrmStore) -> None:
    event = CallEvent(
        Direction.INBOUND, CallStatus.ANSWERED, started_at=datetime(2024, 1, 1), raw={}
    )
    with pytest.raises(CrmStoreError, match=r"started_at: .* has no time zone"):
        store.record_call_activity(event)


def test_secrets_in_raw_records_are_dropped(store: CrmStore) -> None:
    raw = {"Apikey": "KKsecret", "nested": {"api_key": "KKsecret2", "ok": 1}, "UUI": "x"}
    event = CallEvent(Direction.INBOUND, CallStatus.ANSWERED, provider_call_id="c1", raw=raw)
    result = store.record_call_activity(event)
    activity = store.get_activity(result.activity_id)
    assert activity is not None
    assert activity.raw == {"nested": {"ok": 1}, "UUI": "x"}
    dump = "\n".join(store.db.conn().iterdump())
    assert "KKsecret" not in dump


def test_credentials_inside_raw_texts_are_masked(store: CrmStore) -> None:
    # A recording URL or a nested JSON text can carry a key under any field name.
    raw = {
        "AudioFile": "https://rec.example/a.mp3?token=KKrec1&id=7",
        "Extra": '{"api_key": "KKjson2", "CallerID": "919876543210"}',
        "Legs": ["https://x.example/?accessKey=KKleg3", {"url": "https://y.example/?secret=KK4"}],
        "CallerID": "919876543210",
    }
    event = CallEvent(Direction.INBOUND, CallStatus.ANSWERED, provider_call_id="c2", raw=raw)
    activity = store.get_activity(store.record_call_activity(event).activity_id)
    assert activity is not None
    # A text that is a URL stays usable: its credential parameters are dropped.
    assert activity.raw["AudioFile"] == "https://rec.example/a.mp3?id=7"
    assert activity.raw["Extra"] == '{"api_key": "***", "CallerID": "919876543210"}'
    assert activity.raw["Legs"] == ["https://x.example/", {"url": "https://y.example/"}]
    assert activity.raw["CallerID"] == "919876543210"  # numbers stay in the store
    dump = "\n".join(store.db.conn().iterdump())
    assert not any(f"KK{x}" in dump for x in ("rec1", "json2", "leg3", "4"))


def test_event_numbers_are_stored_in_e164_and_read_back_as_numbers(store: CrmStore) -> None:
    store.upsert_lead(_lead())
    event = CallEvent(
        Direction.INBOUND,
        CallStatus.ANSWERED,
        provider_call_id="c1",
        customer_number=parse_phone("+91-9876543210"),
        did="+918030000001",
    )
    result = store.record_call_activity(event)
    [row] = store.db.conn().execute("SELECT customer_number FROM activities").fetchall()
    assert row[0] == "+919876543210"
    activity = store.get_activity(result.activity_id)
    assert activity is not None
    assert (activity.customer_number, activity.did, activity.lead_id) == (
        parse_phone("9876543210"),
        "+918030000001",
        "L1",
    )


def test_replace_dids_normalises_dedupes_and_skips_junk(store: CrmStore) -> None:
    summary = store.replace_dids(["918030000001", "+91-8030000001", "8030000002", "xyz"], T0)
    assert summary.stored == 2
    assert summary.duplicates == 1
    assert list(summary.invalid) == ["xyz"]
    assert store.did_set() == frozenset({"+918030000001", "+918030000002"})
    status = store.did_sync_status()
    assert status.healthy
    assert status.count == 2
    assert status.last_success_at == T0


def test_replace_dids_replaces_the_whole_list(store: CrmStore) -> None:
    store.replace_dids(["918030000001", "918030000002"], T0)
    store.replace_dids(["918030000003"], T0 + timedelta(hours=4))
    assert store.did_set() == frozenset({"+918030000003"})


def test_replace_dids_is_atomic(store: CrmStore) -> None:
    store.replace_dids(["918030000001"], T0)

    def crash() -> None:
        with store.transaction():
            store.replace_dids(["918030000002"], T0)
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        crash()
    assert store.did_set() == frozenset({"+918030000001"})


def test_a_failed_sync_keeps_the_last_good_list(store: CrmStore) -> None:
    store.replace_dids(["918030000001"], T0)
    later = T0 + timedelta(hours=4)
    store.record_did_sync_failure("the provider answered 500", later)
    status = store.did_sync_status()
    assert not status.healthy
    assert status.last_error == "the provider answered 500"
    assert status.last_attempt_at == later
    assert status.last_success_at == T0
    assert store.did_set() == frozenset({"+918030000001"})
    store.replace_dids(["918030000001"], later)
    assert store.did_sync_status().last_error is None


def test_a_new_store_has_never_synced(store: CrmStore) -> None:
    status = store.did_sync_status()
    assert status.last_success_at is None
    assert not status.healthy
    assert store.did_set() == frozenset()


def test_a_locked_database_is_a_store_error_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    with CrmStore(path) as holder, CrmStore(path, busy_timeout_ms=50) as other:
        with holder.transaction():
            holder.upsert_user(User("U1", "Ravi"))
            with pytest.raises(CrmStoreError, match="cannot be written now: database is locked"):
                other.upsert_user(User("U2", "Meera"))
        assert other.get_user("U1") is not None
        assert other.get_user("U2") is None


def test_migration_0006_adds_the_tries_of_a_call_to_an_existing_store(tmp_path: Path) -> None:
    # A store written before 0006 kept no tries: its activities read None, new ones keep them.
    path = tmp_path / "v5.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, load_migrations()[:5])
    stamp = "2024-05-01T10:00:00+00:00"
    conn.execute(
        "INSERT INTO activities (direction, status, created_at, updated_at)"
        " VALUES ('outbound', 'failed', ?, ?)",
        (stamp, stamp),
    )
    conn.close()
    with CrmStore(path) as store:
        assert [m.name for m in load_migrations()][5] == "0006_call_attempts.sql"
        [old] = store.activities()
        assert old.attempts is None
        event = CallEvent(
            direction=Direction.OUTBOUND,
            status=CallStatus.INITIATED,
            source="click_to_call",
            provider_call_id="C6",
            attempts=2,
        )
        stored = store.get_activity(store.record_call_activity(event).activity_id)
        assert stored is not None
        assert stored.attempts == 2


def test_migration_0002_fills_the_event_columns_of_an_existing_store(tmp_path: Path) -> None:
    # A store written before 0002 kept source and call id only inside the event JSON.
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, load_migrations()[:1])
    stamp = "2024-05-01T10:00:00+00:00"
    conn.execute(
        "INSERT INTO activities (direction, status, created_at, updated_at)"
        " VALUES ('outbound', 'failed', ?, ?)",
        (stamp, stamp),
    )
    events = [
        ("d1", {"source": "click_to_call", "provider_call_id": None}),
        ("d2", {"source": "callback", "provider_call_id": "C1"}),
    ]
    conn.executemany(
        "INSERT INTO activity_events (activity_id, digest, event, received_at) VALUES (1, ?, ?, ?)",
        [(digest, json.dumps(event), stamp) for digest, event in events],
    )
    conn.close()
    with CrmStore(path) as store:
        rows = store.db.conn().execute(
            "SELECT source, provider_call_id FROM activity_events ORDER BY id"
        )
        assert [tuple(row) for row in rows] == [("click_to_call", None), ("callback", "C1")]
        plan = " ".join(
            str(row[3])
            for row in store.db.conn().execute(
                "EXPLAIN QUERY PLAN SELECT 1 FROM activity_events"
                " WHERE activity_id = 1 AND source = 'click_to_call'"
            )
        )
        assert "activity_events_source" in plan


def test_migration_0007_scrubs_credentials_kept_by_an_older_store(tmp_path: Path) -> None:
    # A store written before the scrubber knew signed URLs and access tokens
    # kept them in recording_url and in the stored events: opened, they are gone
    # and the recording link still works without them.
    path = tmp_path / "v6.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    apply_migrations(conn, load_migrations()[:6])
    stamp = "2024-05-01T10:00:00+00:00"
    signed = "https://rec.example/1.mp3?id=7&X-Amz-Signature=abc123&access_token=tok456"
    clean = "https://rec.example/2.mp3?id=8"
    conn.executemany(
        "INSERT INTO activities (direction, status, recording_url, created_at, updated_at)"
        " VALUES ('outbound', 'answered', ?, ?, ?)",
        [(signed, stamp, stamp), (clean, stamp, stamp), (None, stamp, stamp)],
    )
    old_event = {
        "source": "callback",
        "recording_url": signed,
        "raw": {"AudioFile": signed, "auth_token": "tok789", "Note": "Bearer sekrit-value"},
    }
    untouched = json.dumps({"source": "callback", "raw": {"Status": "Answered"}}, indent=1)
    conn.executemany(
        "INSERT INTO activity_events (activity_id, digest, event, received_at) VALUES (?, ?, ?, ?)",
        [(1, "d1", json.dumps(old_event), stamp), (2, "d2", untouched, stamp)],
    )
    conn.close()
    with CrmStore(path) as store:
        assert load_migrations()[6].name == "0007_scrub_stored_credentials.sql"
        urls = [a.recording_url for a in store.activities()]
        assert sorted(u or "" for u in urls) == ["", "https://rec.example/1.mp3?id=7", clean]
        rows = store.db.conn().execute("SELECT event FROM activity_events ORDER BY id")
        first, second = (row[0] for row in rows)
        for secret in ("abc123", "tok456", "tok789", "sekrit-value"):
            assert secret not in first
        event = json.loads(first)
        assert event["recording_url"] == "https://rec.example/1.mp3?id=7"
        assert event["raw"]["AudioFile"] == "https://rec.example/1.mp3?id=7"
        assert "auth_token" not in event["raw"]
        assert second == untouched  # a row with nothing to scrub keeps its exact text
        raw_url = store.db.conn().execute("SELECT recording_url FROM activities WHERE id = 1")
        assert raw_url.fetchone()[0] == "https://rec.example/1.mp3?id=7"


def test_the_scrubbing_functions_leave_what_is_not_an_event_as_it_is() -> None:
    from crm.migrate import SQL_FUNCTIONS

    scrub = SQL_FUNCTIONS["scrub_event"]
    for odd in ("not json", "[1, 2]", "null", None, 7):
        assert scrub(odd) == odd
    assert SQL_FUNCTIONS["strip_credentials"](None) is None
