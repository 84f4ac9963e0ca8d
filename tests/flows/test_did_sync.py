"""DID sync: the list replaces atomically; a bad answer keeps the last good list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from calling import DidGate, did_candidates, sync_dids
from connector.config import ConnectorConfig
from crm import CrmStore

pytestmark = pytest.mark.flows

GOOD = {"status": "success", "DIDs": ["918030000001", "918030000002"]}
GOOD_E164 = frozenset({"+918030000001", "+918030000002"})


def _answer(document: object, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        if isinstance(document, str):
            return httpx.Response(status, text=document)
        return httpx.Response(status, json=document)

    return handle


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"did_list": ["984xxxxxx1", "918030000001"]}, ["984xxxxxx1", "918030000001"]),
        ({"DIDs": "914030160442,918067417503"}, ["914030160442", "918067417503"]),
        ({"data": "914030160442, 918067417503\n"}, ["914030160442", "918067417503"]),
        (
            {"objects": [{"number": "+918030000001"}, {"did": "918030000002"}]},
            ["+918030000001", "918030000002"],
        ),
        ({"data": [918030000001]}, ["918030000001"]),
        ({"status": "success"}, None),
        ({"did_list": []}, None),
    ],
)
def test_did_candidates_reads_every_captured_shape(
    data: dict[str, Any], expected: list[str] | None
) -> None:
    assert did_candidates(data) == expected


def test_sync_replaces_the_list_and_refreshes_the_gate(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    provider = fake_provider(_answer(GOOD))
    gate = DidGate(store)
    assert gate.dids == frozenset()
    with provider.client() as client:
        result = sync_dids(store, client, ozonetel, gate=gate)
    assert result.ok, result.message
    assert store.did_set() == GOOD_E164
    assert gate.dids == GOOD_E164
    assert provider.paths() == ["/CAServices/DID/RunningDIDs.php"]
    assert store.did_sync_status().healthy


def test_sync_accepts_ozonetel_comma_separated_text(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    provider = fake_provider(_answer({"status": "success", "data": "918030000001,918030000002"}))
    with provider.client() as client:
        result = sync_dids(store, client, ozonetel)
    assert result.dids == GOOD_E164
    assert store.did_set() == GOOD_E164


def test_sync_skips_invalid_entries_and_keeps_the_valid_ones(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    document = {"status": "success", "DIDs": ["918030000001", "not-a-number", "918030000001"]}
    with fake_provider(_answer(document)).client() as client:
        result = sync_dids(store, client, ozonetel)
    assert result.ok
    assert result.skipped == ("not-a-number",)
    assert store.did_set() == frozenset({"+918030000001"})


@pytest.mark.parametrize(
    "case",
    [
        ({"status": "error", "message": "Authentication failed."}, 200, "Authentication failed."),
        ({"status": "success"}, 200, "carries no DID list"),
        ({"status": "success", "DIDs": ["junk", "12"]}, 200, "no valid phone number"),
        ("<html>Internal error</html>", 500, "provider answered with an error"),
    ],
    ids=["error-outcome", "no-list", "no-valid-number", "http-500"],
)
def test_a_failed_sync_keeps_the_last_good_list_and_records_why(
    store: CrmStore,
    ozonetel: ConnectorConfig,
    fake_provider: Any,
    case: tuple[object, int, str],
) -> None:
    answer, status, why = case
    with fake_provider(_answer(GOOD)).client() as client:
        assert sync_dids(store, client, ozonetel).ok
    gate = DidGate(store)
    with fake_provider(_answer(answer, status)).client() as client:
        result = sync_dids(store, client, ozonetel, gate=gate)
    assert not result.ok
    assert why in result.message
    assert result.dids == GOOD_E164
    assert store.did_set() == GOOD_E164
    assert gate.admits("918030000001")
    sync_status = store.did_sync_status()
    assert not sync_status.healthy
    assert sync_status.last_error is not None
    assert why in sync_status.last_error


@pytest.mark.parametrize(
    "written", ["918030000001", "+918030000001", "+91-8030000001", "08030000001", "8030000001"]
)
def test_gate_admits_a_did_in_any_written_form(store: CrmStore, written: str) -> None:
    store.replace_dids(["918030000001"], datetime.now(UTC))
    assert DidGate(store).admits(written)


@pytest.mark.parametrize("caller", ["9876543210", "918030000003", "private", ""])
def test_gate_refuses_numbers_that_are_not_dids(store: CrmStore, caller: str) -> None:
    store.replace_dids(["918030000001"], datetime.now(UTC))
    assert not DidGate(store).admits(caller)


def test_gate_caches_the_set_until_refreshed(store: CrmStore) -> None:
    store.replace_dids(["918030000001"], datetime.now(UTC))
    gate = DidGate(store)
    assert gate.admits("918030000001")
    store.replace_dids(["918030000002"], datetime.now(UTC))
    assert gate.admits("918030000001")  # cached: no database read per pop-up
    gate.refresh()
    assert not gate.admits("918030000001")
    assert gate.admits("918030000002")
