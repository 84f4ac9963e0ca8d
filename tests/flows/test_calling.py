"""Click-to-call: rendering from lead and user, recording, DND, retries, call options."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from connector.config import ConnectorConfig, Mode
from connector.crm import CallStatus, CrmStore
from connector.flows import FlowError, call_options, place_call, provider_call_id

pytestmark = pytest.mark.flows


def _queued(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"status": "queued successfully", "ucid": "9012345678901234"})


@pytest.mark.parametrize(
    ("mode", "offers"),
    [
        (Mode.CLOUD_ONLY, ["cloud_call"]),
        (Mode.DEFAULT_AND_CLOUD, ["default_call", "cloud_call"]),
    ],
)
def test_call_options_follow_the_mode(
    ozonetel: ConnectorConfig, mode: Mode, offers: list[str]
) -> None:
    assert call_options(ozonetel.model_copy(update={"mode": mode})) == offers


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"ucid": "9012345678901234"}, "9012345678901234"),
        ({"monitorUcid": "917916000001"}, "917916000001"),
        ({"success.call_id": "ec8a4ba6-c2eb-4e71"}, "ec8a4ba6-c2eb-4e71"),
        ({"message": "89XXUCIDXXX"}, "89XXUCIDXXX"),
        ({"message": "Call queued for the agent"}, None),
        ({"ucid": 9012345678}, "9012345678"),
        ({}, None),
    ],
)
def test_provider_call_id_comes_from_captured_data(
    data: dict[str, Any], expected: str | None
) -> None:
    assert provider_call_id(data) == expected


def test_a_queued_call_renders_lead_and_user_and_records_an_initiated_activity(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    provider = fake_provider(_queued)
    with provider.client() as client:
        attempt = place_call(store, client, ozonetel, "L-1001", "agent1", "mobile")
    assert attempt.initiated
    assert attempt.call_id == "9012345678901234"
    (request,) = provider.requests
    query = parse_qs(request.url.query.decode())
    assert query["customerNumber"] == ["+91-9845012345"]
    assert query["campaignName"] == ["Inbound_918030000001"]
    assert query["agentID"] == ["agent1"]
    activity = store.get_activity(attempt.activity_id)
    assert activity is not None
    assert activity.status is CallStatus.INITIATED
    assert activity.provider_call_id == "9012345678901234"
    assert activity.lead_id == "L-1001"


def test_a_refused_call_is_recorded_as_failed_with_the_providers_message(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "Fail", "message": "Agent is not available"})

    with fake_provider(refuse).client() as client:
        attempt = place_call(store, client, ozonetel, "L-1001", "agent1")
    assert attempt.status is CallStatus.FAILED
    assert "Agent is not available" in attempt.message
    assert not attempt.dnd
    activity = store.get_activity(attempt.activity_id)
    assert activity is not None
    assert activity.status is CallStatus.FAILED
    assert activity.message is not None
    assert "Agent is not available" in activity.message


@pytest.mark.parametrize("body", ['{"status":"Fail","message":"DND"}', "DND"])
def test_dnd_is_recorded_as_such_and_never_retried(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any, body: str
) -> None:
    provider = fake_provider(lambda request: httpx.Response(200, text=body))
    with provider.client() as client:
        attempt = place_call(store, client, ozonetel, "L-1003", "agent1", retries=3)
    assert attempt.dnd
    assert not attempt.retryable
    assert len(provider.requests) == 1
    activity = store.get_activity(attempt.activity_id)
    assert activity is not None
    assert activity.dnd
    assert activity.status is CallStatus.FAILED


def test_a_provider_that_broke_is_retried_only_as_asked(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    answers = iter(
        [
            httpx.Response(503, text="busy"),
            httpx.Response(200, json={"status": "queued successfully", "ucid": "9000000000000001"}),
        ]
    )
    provider = fake_provider(lambda request: next(answers))
    with provider.client() as client:
        attempt = place_call(store, client, ozonetel, "L-1001", "agent1", retries=1)
    assert attempt.initiated
    assert attempt.attempts == 2
    assert len(provider.requests) == 2


def test_without_retries_a_broken_provider_is_asked_once(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    provider = fake_provider(lambda request: httpx.Response(500, text="oops"))
    with provider.client() as client:
        attempt = place_call(store, client, ozonetel, "L-1001", "agent1")
    assert attempt.status is CallStatus.FAILED
    assert attempt.retryable
    assert len(provider.requests) == 1


@pytest.mark.parametrize(
    "case",
    [
        ("L-404", "agent1", "phone", "lead 'L-404' is not in the CRM"),
        ("L-1001", "nobody", "phone", "user 'nobody' is not in the CRM"),
        ("L-1002", "agent1", "mobile", "choose --number phone"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    store: CrmStore,
    ozonetel: ConnectorConfig,
    fake_provider: Any,
    case: tuple[str, str, str, str],
) -> None:
    lead, user, field, hint = case
    provider = fake_provider(_queued)
    with provider.client() as client, pytest.raises(FlowError, match=hint):
        place_call(store, client, ozonetel, lead, user, field)
    assert provider.requests == []
