"""Test API: samples in, request rendered and sent, answer mapped and explained."""

from __future__ import annotations

import io

import httpx
import pytest
import respx
from flask import Flask, Response, jsonify, request
from rich.console import Console

from connector.config import ApiConfig, ConnectorConfig
from connector.errors import ConfigError, MissingSecretError
from connector.phone import parse_phone
from connector.presets import load_preset
from mcc.testapi import (
    TestApiReport,
    build_context,
    missing_samples,
    parse_samples,
    print_report,
    run_test_api,
    sample_keys,
    unknown_samples,
)

SECRET = "KKsecret00000000000000000000000042"
ENV = {"OZONETEL_API_KEY": SECRET, "OZONETEL_USERNAME": "demouser"}
SAMPLES = {
    "User:TelephonyAgentId": "agent1",
    "VirtualNumber": "Inbound_918030000001",
    "CustomerNumber": "9876543210",
}


def _provider() -> Flask:
    """A tiny AgentManualDial: checks the key, answers like Ozonetel."""
    app = Flask("tiny_ozonetel")

    @app.get("/CAServices/AgentManualDial.php")
    def dial() -> Response:
        if request.args.get("api_key") != SECRET:
            return jsonify({"status": "fail", "message": "please provide proper user credentials"})
        if request.args.get("agentID") != "agent1":
            return jsonify({"status": "Fail", "message": "Agent is not available"})
        return jsonify({"status": "queued successfully", "ucid": "9012345678901"})

    return app


def _transport() -> httpx.WSGITransport:
    return httpx.WSGITransport(app=_provider())


def _text(report: TestApiReport) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None)
    print_report(report, console=console)
    return buffer.getvalue()


def test_parse_samples_normalises_token_spellings() -> None:
    assert parse_samples(
        ["@{Lead:Phone,}=98", "{{Agent_Number}}=97", "@VirtualNumber=918030000001", "user:Id=a=b"]
    ) == {
        "Lead:Phone": "98",
        "Agent_Number": "97",
        "VirtualNumber": "918030000001",
        "User:Id": "a=b",
    }


def test_a_number_form_keeps_the_tokens_sample_key() -> None:
    assert parse_samples(
        ["@CustomerNumber[e164]=95", "{{ Agent_Number[e164] }}=96", "VirtualNumber[national]=97"]
    ) == {"CustomerNumber": "95", "Agent_Number": "96", "VirtualNumber": "97"}
    api = ApiConfig(
        url="https://h.example/dial",
        params={"to": "@CustomerNumber[e164]", "agent": "{{Agent_Number[e164]}}"},
    )
    config = ConnectorConfig(apis={"click_to_call": api})
    assert missing_samples(config, "click_to_call", {}) == ["CustomerNumber", "Agent_Number"]
    samples = {"CustomerNumber": "9876543210", "Agent_Number": "9800000001"}
    assert missing_samples(config, "click_to_call", samples) == []


def test_sample_keys_are_the_keys_the_apis_tokens_read() -> None:
    config = load_preset("ozonetel")
    assert sample_keys(config, "click_to_call") == [
        "User:TelephonyAgentId",
        "VirtualNumber",
        "User:mx_Custom_8",
        "CustomerNumber",
    ]
    # An agent phone token reads any of the agent keys and the user's phone fields.
    assert sample_keys(config, "agent_popup") == [
        "AssociatedPhoneNumberWithoutCountryCode",
        "Agent_Number",
        "User:PhoneMobile",
        "User:Phone",
    ]
    assert sample_keys(config, "did_list") == []  # only ${VAR} secrets


def test_unknown_samples_are_the_keys_no_token_reads() -> None:
    config = load_preset("ozonetel")
    samples = {**SAMPLES, "Bogus": "1", "Lead:Phone": "98", "user:telephonyagentid": "a"}
    assert unknown_samples(config, "click_to_call", samples) == ["Bogus", "Lead:Phone"]
    assert unknown_samples(config, "click_to_call", SAMPLES) == []
    assert unknown_samples(config, "agent_popup", {"Agent_Number": "98"}) == []
    assert unknown_samples(config, "did_list", {"CustomerNumber": "98"}) == ["CustomerNumber"]


def test_the_callback_url_has_its_own_sample_key() -> None:
    api = ApiConfig(url="https://h.example/dial", params={"cb": "@CallbackUrl"})
    config = ConnectorConfig(apis={"click_to_call": api})
    assert missing_samples(config, "click_to_call", {}) == ["CallbackUrl"]
    samples = parse_samples(["@CallbackUrl=https://crm.example/log?a=1"])
    assert missing_samples(config, "click_to_call", samples) == []
    ctx = build_context(config, samples, env={})
    assert ctx.callback_url == "https://crm.example/log?a=1"


@pytest.mark.parametrize("bad", ["Lead:Phone", "=value", " =x"])
def test_parse_samples_refuses_items_without_a_key(bad: str) -> None:
    with pytest.raises(ValueError, match="is not TOKEN=VALUE"):
        parse_samples([bad])


def test_missing_samples_lists_each_token_once_in_order() -> None:
    config = load_preset("ozonetel")
    assert missing_samples(config, "click_to_call", {}) == [
        "User:TelephonyAgentId",
        "VirtualNumber",
        "CustomerNumber",
    ]
    assert missing_samples(config, "click_to_call", SAMPLES) == []


def test_agent_tokens_accept_any_agent_phone_sample() -> None:
    generic = load_preset("generic")
    assert missing_samples(generic, "agent_popup", {}) == ["Agent_Number"]
    for key in ("Agent_Number", "AssociatedPhoneNumberWithoutCountryCode", "User:PhoneMobile"):
        assert missing_samples(generic, "agent_popup", {key: "9800000001"}) == []


def test_virtual_number_accepts_the_user_field_itself() -> None:
    config = load_preset("ozonetel")
    samples = {
        "User:TelephonyAgentId": "a",
        "User:mx_Custom_8": "x",
        "CustomerNumber": "9876543210",
    }
    assert missing_samples(config, "click_to_call", samples) == []


def test_missing_samples_for_an_unconfigured_api_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'agent_popup' is not configured"):
        missing_samples(load_preset("knowlarity"), "agent_popup", {})


def test_build_context_places_each_sample() -> None:
    config = load_preset("ozonetel")
    ctx = build_context(
        config,
        {**SAMPLES, "Lead:Phone": "98", "Owner:EmailAddress": "o@x", "Agent_Number": "9800000001"},
        env=ENV,
    )
    assert ctx.user == {"TelephonyAgentId": "agent1", "mx_Custom_8": "Inbound_918030000001"}
    assert ctx.lead == {"Phone": "98"}
    assert ctx.owner == {"EmailAddress": "o@x"}
    assert ctx.customer_number == parse_phone("9876543210")
    assert ctx.agent_phone == parse_phone("9800000001")
    assert ctx.env == ENV


def test_run_against_an_in_process_flask_app() -> None:
    report = run_test_api(
        load_preset("ozonetel"), "click_to_call", SAMPLES, transport=_transport(), env=ENV
    )
    assert report.result.outcome.ok
    assert report.result.outcome.data == {"ucid": "9012345678901"}
    suggested = {(r.key, r.value, r.outcome.value) for r in report.suggestions}
    assert ("status", "queued successfully", "success") in suggested


def test_error_answer_is_reported_as_an_error_outcome() -> None:
    samples = {**SAMPLES, "User:TelephonyAgentId": "agent2"}
    report = run_test_api(
        load_preset("ozonetel"), "click_to_call", samples, transport=_transport(), env=ENV
    )
    assert report.result.outcome.kind == "error"
    assert report.result.outcome.message == "Agent is not available"


def test_target_points_the_request_at_another_host() -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.get("http://127.0.0.1:9/CAServices/AgentManualDial.php").mock(
            return_value=httpx.Response(200, text="queued successfully")
        )
        report = run_test_api(
            load_preset("ozonetel"),
            "click_to_call",
            SAMPLES,
            target="http://127.0.0.1:9",
            env=ENV,
        )
    assert route.called
    assert report.result.outcome.ok
    assert report.config.api("click_to_call").url.startswith("http://127.0.0.1:9/")


def test_unreachable_target_is_an_error_outcome_without_suggestions() -> None:
    with respx.mock() as router:
        router.get(url__startswith="http://127.0.0.1:9/").mock(
            side_effect=httpx.ConnectError("[Errno 111] Connection refused")
        )
        report = run_test_api(
            load_preset("ozonetel"), "click_to_call", SAMPLES, target="http://127.0.0.1:9", env=ENV
        )
    assert report.result.outcome.reason == "transport"
    assert report.suggestions == ()


def test_missing_secret_is_raised_before_sending() -> None:
    with pytest.raises(MissingSecretError, match="OZONETEL_API_KEY"):
        run_test_api(
            load_preset("ozonetel"), "click_to_call", SAMPLES, transport=_transport(), env={}
        )


def test_printed_report_shows_request_answer_outcome_and_rules_without_secrets() -> None:
    report = run_test_api(
        load_preset("ozonetel"), "click_to_call", SAMPLES, transport=_transport(), env=ENV
    )
    text = _text(report)
    assert SECRET not in text
    assert "api_key=***" in text
    assert "GET" in text
    assert "agentID=agent1" in text
    assert "status" in text
    assert "200" in text
    assert "SUCCESS" in text
    assert "queued successfully" in text
    assert "outcome: success" in text  # the suggested YAML
    assert "9876543210" not in text  # customer number masked by default
