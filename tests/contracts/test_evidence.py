"""Evidence: redacted request and answer, and a curl line that leaves secrets as ${VAR}."""

from __future__ import annotations

import json
import shlex

import pytest

import connector
from contracts.evidence import SafeText, build_evidence, curl_command

pytestmark = pytest.mark.conformance

KEY = "CANARYkey0000000000000000000000042"
ENV = {"GENERIC_API_KEY": KEY, "GENERIC_USERNAME": "canaryuser"}


def _config() -> connector.ConnectorConfig:
    return connector.parse_config(
        {
            "name": "t",
            "apis": {
                "click_to_call": {
                    "method": "GET",
                    "url": "http://127.0.0.1:9/click2call",
                    "params": {
                        "api_key": "${GENERIC_API_KEY}",
                        "username": "${GENERIC_USERNAME}",
                        "customerNumber": "@CustomerNumber",
                    },
                    "response": [{"key": "status", "value": "success", "outcome": "success"}],
                }
            },
        }
    )


def _result(body: str, *, show: bool = False) -> object:
    api = _config().api("click_to_call")
    request = connector.render_request(
        api, connector.MergeContext(customer_number=connector.parse_phone("9812345678"), env=ENV)
    )
    answer = connector.Answer.of_text(body, "application/json")
    outcome = connector.map_answer(api.response, answer)
    return connector.CallResult(
        request=request,
        outcome=outcome,
        answer=answer,
        headers={"content-type": "application/json", "set-cookie": "session=abc"},
    )


def test_evidence_never_shows_the_key_even_when_the_answer_echoes_it() -> None:
    body = json.dumps({"status": "success", "Apikey": KEY, "other": {"token": "t0k3n"}})
    evidence = build_evidence(_result(body), "call")
    text = repr(evidence.to_dict())
    assert KEY not in text
    assert "t0k3n" not in text
    assert "canaryuser" not in text


def test_customer_numbers_are_masked_unless_asked() -> None:
    masked = build_evidence(_result('{"status":"success"}'), "call")
    assert "9812345678" not in masked.url
    assert "5678" in masked.url
    shown = build_evidence(_result('{"status":"success"}'), "call", show_numbers=True)
    assert "9812345678" in shown.url


def test_only_useful_answer_headers_are_kept() -> None:
    evidence = build_evidence(_result('{"status":"success"}'), "call")
    assert dict(evidence.answer_headers) == {"content-type": "application/json"}


def test_curl_leaves_secrets_as_env_variables_that_a_shell_expands() -> None:
    result = _result('{"status":"success"}')
    line = curl_command(result.request, show_numbers=True)  # type: ignore[attr-defined]
    assert KEY not in line
    assert "${GENERIC_API_KEY}" in line
    words = shlex.split(line)  # quoting is valid shell
    assert words[:4] == ["curl", "-sS", "-X", "GET"]
    url = words[4]
    assert "api_key=${GENERIC_API_KEY}" in url
    assert "username=${GENERIC_USERNAME}" in url


def test_safe_text_blanks_keyed_secrets_it_was_not_told_about() -> None:
    safe = SafeText(show_numbers=True)
    assert safe.text("<Apikey>KKsecret</Apikey>") == "<Apikey>***</Apikey>"
    assert "KKsecret" not in safe.answer('{"apiKey": "KKsecret", "status": "ok"}')


def test_safe_text_leaves_free_text_about_keys_alone() -> None:
    text = "an empty apiKey: no rule maps the answer"
    assert SafeText(show_numbers=True).text(text) == text
