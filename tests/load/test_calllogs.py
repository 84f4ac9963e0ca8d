"""Call-log load: each dialect's real shape, duplicates and reorders, and the lost/doubled check."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest

import connector
from contracts.load.calllogs import CallLogTraffic, Ledger, build_record
from contracts.load.plan import LoadPlan
from contracts.load.verdict import calllog_check
from contracts.specs import load_spec

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)


def _plan(**rates: float) -> LoadPlan:
    return LoadPlan(
        mode="calllog",
        target="http://127.0.0.1:9",
        target_kind="url",
        users=1,
        spawn_rate=1,
        duration_s=1,
        max_rps=10,
        mix={"ozonetel": 1.0, "generic": 1.0, "knowlarity": 1.0},
        run_id="12345678",
        **rates,
    )


@pytest.mark.parametrize("dialect", ["ozonetel", "generic", "knowlarity"])
def test_each_record_is_read_by_the_connector_as_its_own_dialect(dialect: str) -> None:
    rng = random.Random(1)
    for n in range(20):
        delivery = build_record(dialect, f"1234567800000001{n:08d}", rng, NOW)
        (record,) = connector.parse_callback(delivery.body, delivery.content_type)
        assert record.provider == dialect
        assert record.call_id == delivery.call_id
        assert record.customer_number is not None
        assert record.customer_number.national.startswith("97")
        assert record.status in ("answered", "not_answered")


@pytest.mark.parametrize(
    ("dialect", "schema"),
    [
        ("ozonetel", "OzonetelRecord"),
        ("generic", "GenericCallLog"),
        ("knowlarity", "KnowlarityWebhook"),
    ],
)
def test_each_record_has_the_fields_the_call_log_contract_requires(
    dialect: str, schema: str
) -> None:
    required = load_spec("calllog")["components"]["schemas"][schema]["required"]
    delivery = build_record(dialect, "123456780000000100000001", random.Random(2), NOW)
    text = delivery.body.decode()
    record = json.loads(parse_qs(text)["data"][0] if dialect == "ozonetel" else text)
    assert set(required) <= set(record)
    assert delivery.path == f"/calllog/{dialect}"


def test_call_ids_are_unique_per_user_and_process() -> None:
    first = CallLogTraffic(_plan(), process_index=0)
    second = CallLogTraffic(_plan(), process_index=1)
    users = [first.user(seed=1), first.user(seed=1), second.user(seed=1)]
    ids = [first.next_delivery(u, NOW).call_id for u in users for _ in range(50)]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("12345678") and i.isdigit() for i in ids)


def test_duplicates_and_reorders_at_their_rates() -> None:
    traffic = CallLogTraffic(_plan(duplicate_rate=0.2, reorder_rate=0.2))
    user = traffic.user(seed=3)
    sent = [traffic.next_delivery(user, NOW) for _ in range(2000)]
    kinds = {kind: sum(d.kind == kind for d in sent) for kind in ("new", "duplicate", "reordered")}
    assert 250 < kinds["duplicate"] < 500
    assert 250 < kinds["reordered"] < 500
    order = [d.call_id for d in sent if d.kind != "duplicate"]
    assert order != sorted(order)  # some calls arrive after later ones
    for d in (d for d in sent if d.kind == "duplicate"):
        assert d.call_id in order  # a duplicate repeats a call that was sent


def _ledger(*acks: tuple[str, str, int | None]) -> Ledger:
    ledger = Ledger()
    for call_id, family, activity in acks:
        ledger.ack(call_id, family, activity)
    return ledger


def test_the_check_finds_a_lost_call_in_the_store() -> None:
    ledger = _ledger(("A1", "ozonetel", 1), ("A2", "generic", 2), ("A2", "generic", 2))
    check = calllog_check(ledger, {"A1": ["ozonetel"]})
    assert not check["passed"]
    assert check["store"]["lost"] == 1
    assert check["store"]["examples"]["lost"] == ["A2"]


def test_the_check_finds_doubled_merged_and_misfiled_calls() -> None:
    doubled = calllog_check(_ledger(("A1", "ozonetel", 1)), {"A1": ["ozonetel", "ozonetel"]})
    assert doubled["store"]["doubled"] == 1
    assert not doubled["passed"]
    merged = calllog_check(_ledger(("A1", "ozonetel", 7), ("A2", "ozonetel", 7)), None)
    assert merged["answers"]["merged"] == 2
    assert not merged["passed"]
    twice = calllog_check(_ledger(("A1", "ozonetel", 7), ("A1", "ozonetel", 8)), None)
    assert twice["answers"]["doubled"] == 1
    assert not twice["passed"]
    misfiled = calllog_check(_ledger(("A1", "ozonetel", 1)), {"A1": ["generic"]})
    assert misfiled["store"]["misfiled"] == 1
    assert not misfiled["passed"]


def test_every_call_once_passes_and_strays_are_only_counted() -> None:
    ledger = _ledger(("A1", "ozonetel", 1), ("A2", "knowlarity", 2))
    check = calllog_check(ledger, {"A1": ["ozonetel"], "A2": ["knowlarity"], "A3": ["generic"]})
    assert check["passed"]
    assert check["store"]["stored_without_a_200"] == 1


def test_a_workers_ledger_reaches_the_master_in_parts() -> None:
    worker, master = Ledger(), Ledger()
    worker.ack("A1", "ozonetel", 1)
    master.merge(json.loads(json.dumps(worker.drain())))  # it travels as plain data
    worker.ack("A2", "generic", 2)
    worker.ack("A1", "ozonetel", 1)
    master.merge(worker.drain())
    assert master.to_dict()["acked"] == {"A1": ["ozonetel", [1]], "A2": ["generic", [2]]}
    assert worker.drain() == {"acked": [], "deliveries": {}}
    assert Ledger.from_dict(master.to_dict()).to_dict() == master.to_dict()
