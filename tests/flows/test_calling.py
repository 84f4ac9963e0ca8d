"""Click-to-call: rendering from lead and user, recording, DND, retries, call options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from calling import FlowError, call_options, place_call
from calling.click_to_call import RETRY_BASE_S
from connector.calllog import CallStatus
from connector.config import ConnectorConfig, Mode
from connector.extract import call_id
from connector.mapping import Reason
from crm import CrmStore

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
def test_the_call_id_comes_from_captured_data(data: dict[str, Any], expected: str | None) -> None:
    assert call_id(data) == expected


def test_a_queued_call_renders_lead_and_user_and_records_an_initiated_activity(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    provider = fake_provider(_queued)
    with provider.client() as client:
        attempt = place_call(store, client, ozonetel, "L-1001", "agent1", number_field="mobile")
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


def test_a_provider_that_answered_5xx_is_never_retried(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    # A 503 is an answer: the provider decided (and may have queued the call).
    answers = iter(
        [
            httpx.Response(503, text="busy"),
            httpx.Response(200, json={"status": "queued successfully", "ucid": "9000000000000001"}),
        ]
    )
    provider = fake_provider(lambda request: next(answers))
    with provider.client() as client:
        attempt = place_call(store, client, ozonetel, "L-1001", "agent1", retries=2)
    assert attempt.status is CallStatus.FAILED
    assert attempt.attempts == 1
    assert not attempt.retryable
    assert len(provider.requests) == 1


def test_a_timeout_after_the_request_was_sent_is_never_retried(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    # The provider may have queued the call: a retry would dial the customer twice.
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    provider = fake_provider(slow)
    waits: list[float] = []
    with provider.client() as client:
        attempt = place_call(
            store, client, ozonetel, "L-1001", "agent1", retries=3, sleep=waits.append
        )
    assert attempt.status is CallStatus.FAILED
    assert attempt.outcome.reason is Reason.TIMEOUT
    assert not attempt.retryable
    assert (attempt.attempts, len(provider.requests), waits) == (1, 1, [])


def test_a_failure_to_connect_is_retried_with_backoff(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    answers: list[Callable[[httpx.Request], httpx.Response]] = [
        _refuse,
        _refuse,
        lambda request: httpx.Response(
            200, json={"status": "queued successfully", "ucid": "9000000000000002"}
        ),
    ]

    def next_answer(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)(request)

    provider = fake_provider(next_answer)
    waits: list[float] = []
    with provider.client() as client:
        attempt = place_call(
            store, client, ozonetel, "L-1001", "agent1", retries=3, sleep=waits.append
        )
    assert attempt.initiated
    assert attempt.attempts == 3
    assert attempt.call_id == "9000000000000002"
    assert waits == [RETRY_BASE_S, RETRY_BASE_S * 2]  # exponential backoff
    assert len(store.activities(lead_id="L-1001")) == 1  # one call, one activity
    activity = store.get_activity(attempt.activity_id)
    assert activity is not None
    assert activity.attempts == 3  # the tries are kept on the activity


def test_retries_stop_when_used_up_and_the_last_failure_is_recorded(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    provider = fake_provider(_refuse)
    waits: list[float] = []
    with provider.client() as client:
        attempt = place_call(
            store, client, ozonetel, "L-1001", "agent1", retries=2, sleep=waits.append
        )
    assert attempt.status is CallStatus.FAILED
    assert (attempt.attempts, len(provider.requests), len(waits)) == (3, 3, 2)
    activity = store.get_activity(attempt.activity_id)
    assert activity is not None
    assert activity.attempts == 3
    assert attempt.retryable  # nothing reached the provider: trying later cannot dial twice
    assert "connection refused" in attempt.message


def test_without_retries_a_broken_provider_is_asked_once(
    store: CrmStore, ozonetel: ConnectorConfig, fake_provider: Any
) -> None:
    provider = fake_provider(_refuse)
    with provider.client() as client:
        attempt = place_call(store, client, ozonetel, "L-1001", "agent1")
    assert attempt.status is CallStatus.FAILED
    assert attempt.retryable
    assert len(provider.requests) == 1


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


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
        place_call(store, client, ozonetel, lead, user, number_field=field)
    assert provider.requests == []
