"""An API load run sends the connector's requests and judges answers as the connector does."""

from __future__ import annotations

import json
import random

import pytest

import connector
from contracts.fixtures import EMBEDDED
from contracts.load.plan import LoadPlan
from contracts.load.traffic import (
    MAX_BODY_BYTES,
    ApiTraffic,
    Judgement,
    fold_message,
    sample_leads,
)

KEY = "canary-key-6a1f0e9d2c"
USER = "canary-user-77"
ENV = {"GENERIC_API_KEY": KEY, "GENERIC_USERNAME": USER}


def _plan(kind: str = "url", show_numbers: bool = False) -> LoadPlan:
    config = connector.with_base_url(connector.resolve_config("generic"), "http://127.0.0.1:9")
    return LoadPlan(
        mode="api",
        target="http://127.0.0.1:9",
        target_kind=kind,
        users=2,
        spawn_rate=1,
        duration_s=1,
        max_rps=10,
        mix={"click_to_call": 1.0, "agent_popup": 10.0, "did_list": 0.1},
        run_id="00000001",
        config_name="generic",
        config=config.model_dump(mode="json"),
        fixtures=EMBEDDED.model_dump(mode="json"),
        secret_names=("GENERIC_API_KEY", "GENERIC_USERNAME"),
        callback_url="http://127.0.0.1:9/calllog",
        show_numbers=show_numbers,
    )


def test_the_requests_are_the_ones_the_connector_renders() -> None:
    traffic = ApiTraffic(_plan(), ENV)
    config = connector.with_base_url(connector.resolve_config("generic"), "http://127.0.0.1:9")
    request = traffic.render("click_to_call", 3)
    expected = connector.render_request(
        config.apis["click_to_call"], traffic.context("click_to_call", 3)
    )
    assert request == expected
    assert request.url.startswith("http://127.0.0.1:9/click2call?")
    assert f"api_key={KEY}" in request.url
    popup = traffic.render("agent_popup", 0)
    assert "agentPhoneNumber=9800000001" in popup.url  # the ringing test agent


def test_against_a_partner_every_lead_is_the_test_number_written_many_ways() -> None:
    leads = sample_leads(EMBEDDED, embedded=False, count=8)
    assert len({lead["Phone"] for lead in leads}) == 4
    numbers = {connector.parse_phone(lead["Phone"]).e164 for lead in leads}
    assert numbers == {"+919812345678"}
    embedded = sample_leads(EMBEDDED, embedded=True, count=1000)
    national = {connector.parse_phone(lead["Phone"]).national for lead in embedded}
    assert len(national) == 1000
    assert not any(n.startswith("90000000") for n in national)  # no magic number


def test_the_mix_is_followed() -> None:
    traffic = ApiTraffic(_plan(), ENV)
    rng = random.Random(7)
    picked = [traffic.pick(rng) for _ in range(11_100)]
    assert picked.count("agent_popup") > 9 * picked.count("click_to_call")
    assert 0 < picked.count("did_list") < picked.count("click_to_call") / 3


def _judge(
    traffic: ApiTraffic, body: object, status: int = 200, elapsed_s: float = 0.01
) -> Judgement:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return traffic.judge(
        "click_to_call",
        status=status,
        content_type="application/json",
        body=raw,
        elapsed_s=elapsed_s,
    )


def test_a_success_is_what_the_rules_call_success() -> None:
    traffic = ApiTraffic(_plan(), ENV)
    assert _judge(traffic, {"status": "success", "message": "queued"}).ok


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"status": "error", "message": "Customer is in DND"}, 200, "Customer is in DND"),
        (b"<html><body>Service down</body></html>", 200, "no response rule matched"),
        ({"status": "success"}, 302, "answered a redirect (HTTP 302)"),
        (b"\xff\xfe\x00", 200, "HTTP 200 with"),
        ({"detail": "boom"}, 503, "provider answered HTTP 503 and no rule maps it"),
    ],
)
def test_an_error_is_more_than_a_5xx(body: object, status: int, says: str) -> None:
    traffic = ApiTraffic(_plan(), ENV)
    judgement = _judge(traffic, body, status)
    assert not judgement.ok
    assert says in judgement.message


def test_too_slow_and_too_large_are_errors_as_in_the_connector() -> None:
    traffic = ApiTraffic(_plan(), ENV)
    slow = _judge(traffic, {"status": "success"}, elapsed_s=10.5)  # generic's timeout: 10 s
    assert "no complete answer within the API's timeout (10 s)" in slow.message
    huge = _judge(traffic, b"x" * (MAX_BODY_BYTES + 1))
    assert "answered more than 1 MiB" in huge.message


def test_failure_messages_hold_no_secret_and_no_full_number() -> None:
    traffic = ApiTraffic(_plan(), ENV)
    echo = {"status": "error", "message": f"bad key {KEY} for {USER} calling +91-9812345678"}
    judgement = _judge(traffic, echo)
    assert KEY not in judgement.message
    assert USER not in judgement.message
    assert "9812345678" not in judgement.message
    refused = traffic.transport("agent_popup", ConnectionRefusedError(111, "Connection refused"))
    assert refused.message.startswith("agent_popup: no answer (ConnectionRefusedError")


def test_messages_fold_call_ids_so_one_cause_is_one_row() -> None:
    one = fold_message("queued successfully 76733688974920843 for +91-******3210")
    two = fold_message("queued successfully 18354796720421586 for +91-******7777")
    assert one == two == "queued successfully # for +91-#"
