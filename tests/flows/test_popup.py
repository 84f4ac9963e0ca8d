"""Incoming pop-up: the DID gate, the lead lookup, unknown callers, provider errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from calling import DidGate, show_popup
from connector.config import ConnectorConfig
from crm import CrmStore

pytestmark = pytest.mark.flows

DID = "918030000001"


@pytest.fixture
def synced(store: CrmStore) -> CrmStore:
    store.replace_dids([DID, "918030000002"], datetime.now(UTC))
    return store


def _ringing(customer: str, key: str = "customerNumber") -> Any:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "success", key: customer, "monitorUcid": "91"})

    return handle


def test_a_caller_that_is_no_did_gets_no_popup_and_no_provider_call(
    synced: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    provider = fake_provider(_ringing("9876543210"))
    with provider.client() as client:
        popup = show_popup(synced, client, ozonetel, agent_phone="9800000001", caller="9876543210")
    assert not popup.shown
    assert popup.reason == "not_a_did"
    assert "not one of the synced DIDs" in popup.message
    assert provider.requests == []


@pytest.mark.parametrize(
    "written", ["9876543210", "+919876543210", "09876543210", "919876543210", "+91-98765 43210"]
)
def test_the_lead_is_found_whatever_form_the_provider_writes(
    synced: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any, written: str
) -> None:
    provider = fake_provider(_ringing(written))
    with provider.client() as client:
        popup = show_popup(synced, client, ozonetel, agent_phone="9800000001", caller=DID)
    assert popup.shown
    assert popup.reason == "lead"
    assert popup.lead is not None
    assert popup.lead.id == "L-1001"
    assert popup.customer_number is not None
    assert popup.customer_number.crm == "+91-9876543210"


def test_the_popup_api_is_called_for_the_agent_without_country_code(
    synced: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    provider = fake_provider(_ringing("9876543210"))
    with provider.client() as client:
        show_popup(synced, client, ozonetel, agent_phone="+91-9800000001", caller="+918030000001")
    (request,) = provider.requests
    assert request.url.path == "/CAServices/LeadSquare/PullAPI.php"
    assert parse_qs(request.url.query.decode())["agentPhoneNumber"] == ["9800000001"]


def test_a_lead_is_found_by_its_mobile_too(
    synced: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    with fake_provider(_ringing("919845012345")).client() as client:
        popup = show_popup(synced, client, ozonetel, agent_phone="9800000001", caller=DID)
    assert popup.lead is not None
    assert popup.lead.id == "L-1001"


def test_an_unknown_caller_gets_add_contact_prefilled_with_the_real_number(
    synced: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    with fake_provider(_ringing("9123456789")).client() as client:
        popup = show_popup(synced, client, ozonetel, agent_phone="9800000001", caller=DID)
    assert popup.shown
    assert popup.reason == "unknown_caller"
    assert popup.message == f"{DID} is not present"
    assert popup.add_contact is not None
    assert popup.add_contact.phone.crm == "+91-9123456789"
    assert popup.add_contact.phone != DID
    assert popup.lead is None


def test_caller_id_is_read_when_the_mapping_captures_nothing(
    synced: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    with fake_provider(_ringing("09812345678", key="CallerID")).client() as client:
        popup = show_popup(synced, client, ozonetel, agent_phone="9800000001", caller=DID)
    assert popup.lead is not None
    assert popup.lead.id == "L-1002"


def test_a_provider_error_shows_no_popup_with_the_providers_message(
    synced: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "error", "message": "No call found"})

    with fake_provider(handle).client() as client:
        popup = show_popup(synced, client, ozonetel, agent_phone="9800000001", caller=DID)
    assert not popup.shown
    assert popup.reason == "provider_error"
    assert "No call found" in popup.message


def test_a_success_without_a_customer_number_shows_no_popup(
    synced: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    with fake_provider(_ringing("null")).client() as client:
        popup = show_popup(synced, client, ozonetel, agent_phone="9800000001", caller=DID)
    assert not popup.shown
    assert popup.reason == "no_customer_number"
    assert "'null'" in popup.message


def test_one_gate_serves_many_popups_from_its_cache(
    synced: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    gate = DidGate(synced)
    provider = fake_provider(_ringing("9876543210"))
    with provider.client() as client:
        first = show_popup(
            synced, client, ozonetel, agent_phone="9800000001", caller=DID, gate=gate
        )
        synced.replace_dids(["918030000002"], datetime.now(UTC))
        second = show_popup(
            synced, client, ozonetel, agent_phone="9800000001", caller=DID, gate=gate
        )
    assert first.shown
    assert second.shown  # the gate changes on sync (gate.refresh), not per pop-up
    assert len(provider.requests) == 2
