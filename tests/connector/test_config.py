"""Config validation: every rule, with the field path in every message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.config import (
    ApiConfig,
    BodyEncoding,
    ConnectorConfig,
    Mode,
    RuleOutcome,
    load_config,
    parse_config,
    parse_duration,
    with_base_url,
)
from connector.errors import ConfigError


def _config(**api: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"url": "https://api.example.com/call"}
    base.update(api)
    return {"apis": {"click_to_call": base}}


def _problems(data: object) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="test.yaml")
    return info.value.problems


def test_minimal_config_takes_the_documented_defaults() -> None:
    config = parse_config(_config())
    api = config.apis["click_to_call"]
    assert config.mode is Mode.CLOUD_ONLY
    assert config.virtual_number_field == "mx_Custom_8"
    assert config.default_region == "IN"
    assert api.method == "GET"
    assert api.timeout == 10.0
    assert api.body_encoding is None


def test_method_other_than_get_or_post_is_refused_with_its_path() -> None:
    assert _problems(_config(method="PUT")) == [
        "apis.click_to_call.method: 'PUT' is not GET or POST"
    ]


def test_method_is_case_insensitive() -> None:
    assert parse_config(_config(method="post")).apis["click_to_call"].method == "POST"


def test_unknown_key_is_named_with_its_path() -> None:
    problems = _problems(_config(timout=5))
    assert problems == ["apis.click_to_call.timout: is not a known setting (check its spelling)"]


def test_unknown_top_level_key_is_named() -> None:
    data = _config()
    data["virtual_number"] = "mx_Custom_8"
    assert _problems(data) == ["virtual_number: is not a known setting (check its spelling)"]


def test_unknown_api_name_is_refused() -> None:
    problems = _problems({"apis": {"click2call": {"url": "https://a.example"}}})
    assert len(problems) == 1
    assert problems[0].startswith("apis.click2call: 'click2call' is not one of click_to_call")


def test_no_api_at_all_is_refused() -> None:
    assert any("configure at least one" in p for p in _problems({"apis": {}}))


def test_missing_url_is_required() -> None:
    assert _problems({"apis": {"did_list": {"method": "GET"}}}) == [
        "apis.did_list.url: is required"
    ]


@pytest.mark.parametrize("url", ["ftp://a.example/x", "api.example.com/call", "https://"])
def test_url_must_be_http_with_a_host(url: str) -> None:
    problems = _problems(_config(url=url))
    assert len(problems) == 1
    assert problems[0].startswith("apis.click_to_call.url: ")
    assert "is not an http:// or https:// URL" in problems[0]


def test_body_with_get_is_refused() -> None:
    problems = _problems(_config(method="GET", body="json"))
    assert len(problems) == 1
    assert problems[0].startswith("apis.click_to_call")
    assert "a GET request has no body" in problems[0]


def test_raw_body_without_template_is_refused() -> None:
    problems = _problems(_config(method="POST", body="raw"))
    assert "body 'raw' needs a 'body_template'" in problems[0]


def test_template_with_form_body_is_refused() -> None:
    problems = _problems(_config(method="POST", body="form", body_template="{}"))
    assert "'body_template' is only used with body 'raw'" in problems[0]


@pytest.mark.parametrize(
    ("body", "template", "expected"),
    [
        (None, None, BodyEncoding.FORM),
        ("json", None, BodyEncoding.JSON),
        (None, '{"a": "@{Lead:Phone,}"}', BodyEncoding.RAW),
        ("raw", '{"a": 1}', BodyEncoding.RAW),
    ],
)
def test_post_body_encoding(body: str | None, template: str | None, expected: BodyEncoding) -> None:
    fields: dict[str, Any] = {"method": "POST"}
    if body is not None:
        fields["body"] = body
    if template is not None:
        fields["body_template"] = template
    assert parse_config(_config(**fields)).apis["click_to_call"].body_encoding is expected


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(30, 30.0), ("30", 30.0), ("30s", 30.0), ("5m", 300.0), ("4h", 14400.0), ("1d", 86400.0)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["4 hours", "-1", "0", True, "h"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match=r"duration|more than zero"):
        parse_duration(text)


def test_sync_every_is_parsed() -> None:
    data = {"apis": {"did_list": {"url": "https://a.example/d", "sync_every": "30m"}}}
    assert parse_config(data).apis["did_list"].sync_every == 1800.0


def test_did_list_syncs_every_four_hours_by_default() -> None:
    data = {"apis": {"did_list": {"url": "https://a.example/d"}}}
    assert parse_config(data).apis["did_list"].sync_every == 4 * 3600.0


def test_bad_sync_every_names_the_field() -> None:
    data = {"apis": {"did_list": {"url": "https://a.example/d", "sync_every": "often"}}}
    problems = _problems(data)
    assert len(problems) == 1
    assert problems[0].startswith("apis.did_list.sync_every: ")


def test_timeout_accepts_durations() -> None:
    assert parse_config(_config(timeout="2m")).apis["click_to_call"].timeout == 120.0


@pytest.mark.parametrize("timeout", ["3m", 0, "soon"])
def test_bad_timeouts_name_the_field(timeout: object) -> None:
    problems = _problems(_config(timeout=timeout))
    assert len(problems) == 1
    assert problems[0].startswith("apis.click_to_call.timeout: ")


def test_every_bad_field_is_reported_at_once() -> None:
    data = {
        "mode": "sometimes",
        "apis": {"click_to_call": {"url": "https://a.example", "method": "PUT", "timeout": 0}},
    }
    problems = _problems(data)
    paths = sorted(p.split(":")[0] for p in problems)
    assert paths == ["apis.click_to_call.method", "apis.click_to_call.timeout", "mode"]


def test_response_rules_parse_scalars_and_outcomes() -> None:
    rules = [
        {"key": "status", "value": False, "outcome": "error"},
        {"key": "code", "value": 200, "outcome": "success"},
        {"key": "ucid", "value": None, "outcome": "data"},
    ]
    api = parse_config(_config(response=rules)).apis["click_to_call"]
    assert [(r.key, r.value, r.outcome) for r in api.response] == [
        ("status", "false", RuleOutcome.ERROR),
        ("code", "200", RuleOutcome.SUCCESS),
        ("ucid", "", RuleOutcome.DATA),
    ]


def test_bad_rule_outcome_names_its_index() -> None:
    rules = [{"key": "status", "value": "ok", "outcome": "maybe"}]
    problems = _problems(_config(response=rules))
    assert len(problems) == 1
    assert problems[0].startswith("apis.click_to_call.response.0.outcome: ")


def test_claims_refuse_unknown_number_format() -> None:
    problems = _problems(_config(claims={"number_formats": ["crm", "weird"]}))
    assert len(problems) == 1
    assert problems[0].startswith("apis.click_to_call.claims.number_formats: ")
    assert "'weird' is not one of" in problems[0]


def test_nested_param_value_is_refused() -> None:
    problems = _problems(_config(params={"a": {"b": 1}}))
    assert problems[0].startswith("apis.click_to_call.params: ")


def test_env_references_stay_as_written() -> None:
    api = parse_config(_config(params={"api_key": "${OZONETEL_API_KEY}"})).apis["click_to_call"]
    assert api.params == {"api_key": "${OZONETEL_API_KEY}"}


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="expected a mapping at the top level, got list"):
        parse_config([1, 2])


def test_unconfigured_api_tells_what_to_add() -> None:
    config = parse_config(_config())
    with pytest.raises(ConfigError, match="'agent_popup' is not configured; add it under 'apis'"):
        config.api("agent_popup")


def test_an_api_not_offered_carries_its_reason() -> None:
    config = parse_config({**_config(), "not_offered": {"agent_popup": " no pop-up API "}})
    assert config.not_offered == {"agent_popup": "no pop-up API"}
    assert "agent_popup" not in config.apis
    with pytest.raises(ConfigError) as info:
        config.api("agent_popup")
    assert str(info.value) == (
        "custom: API 'agent_popup' is not configured: the provider does not offer it"
        " (no pop-up API)"
    )
    assert parse_config(_config()).not_offered == {}


@pytest.mark.parametrize(
    ("not_offered", "problem"),
    [
        ({"popup": "x"}, "not_offered: 'popup' is not one of click_to_call, agent_popup, did_list"),
        ({"agent_popup": ""}, "not_offered: the reason for agent_popup is empty"),
        ({"agent_popup": None}, "not_offered: the reason for agent_popup is empty"),
        (["agent_popup"], "not_offered: ['agent_popup'] is not a mapping of API names"),
        (
            {"click_to_call": "none"},
            "not_offered.click_to_call: click_to_call is also configured under 'apis'; keep one",
        ),
    ],
)
def test_not_offered_names_only_known_apis_that_are_not_configured(
    not_offered: object, problem: str
) -> None:
    problems = _problems({**_config(), "not_offered": not_offered})
    assert len(problems) == 1
    assert problems[0].startswith(problem)


def test_load_config_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.yaml")


def test_load_config_reports_yaml_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("apis:\n  click_to_call: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d+, column \d+"):
        load_config(path)


def test_load_config_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("apis:\n  click_to_call:\n    url: https://a.example\n    method: PUT\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert info.value.problems == ["apis.click_to_call.method: 'PUT' is not GET or POST"]


# with_base_url -----------------------------------------------------------


def _two_apis() -> ConnectorConfig:
    return parse_config(
        {
            "apis": {
                "click_to_call": {
                    "url": "https://api1.cloudagent.in/CAServices/AgentManualDial.php"
                    "?api_key=${OZONETEL_API_KEY}&agentID=@{User:TelephonyAgentId,}",
                    "timeout": 7,
                },
                "did_list": {"url": "http://other.example:8080/DID/RunningDIDs.php"},
            }
        }
    )


def test_with_base_url_rewrites_scheme_host_and_port_only() -> None:
    moved = with_base_url(_two_apis(), "http://127.0.0.1:5000")
    assert moved.apis["click_to_call"].url == (
        "http://127.0.0.1:5000/CAServices/AgentManualDial.php"
        "?api_key=${OZONETEL_API_KEY}&agentID=@{User:TelephonyAgentId,}"
    )
    assert moved.apis["did_list"].url == "http://127.0.0.1:5000/DID/RunningDIDs.php"


def test_with_base_url_keeps_everything_else() -> None:
    original = _two_apis()
    moved = with_base_url(original, "https://staging.example/")
    assert moved.apis["click_to_call"].timeout == 7
    assert moved.apis["did_list"].sync_every == original.apis["did_list"].sync_every
    assert moved.name == original.name
    # The original is untouched: configs are values.
    assert original.apis["did_list"].url.startswith("http://other.example:8080/")


@pytest.mark.parametrize(
    "base", ["ftp://127.0.0.1", "127.0.0.1:5000", "http://", "http://h.example/prefix", ""]
)
def test_with_base_url_refuses_what_is_not_a_base(base: str) -> None:
    with pytest.raises(ConfigError, match=r"base URL|scheme, host and port"):
        with_base_url(_two_apis(), base)


def test_api_config_is_frozen() -> None:
    api = ApiConfig(url="https://a.example")
    with pytest.raises(ValueError, match="frozen"):
        api.method = "POST"


def _per_call(url: str = "https://crm.example/calllog", **params: str) -> dict[str, Any]:
    data = _config(params=params)
    data["call_log"] = {"format": "generic", "delivery": "per_call", "url": url}
    return data


def test_per_call_delivery_is_accepted_when_click_to_call_sends_the_url() -> None:
    config = parse_config(_per_call(callback_url="@CallbackUrl"))
    assert config.call_log is not None
    assert config.call_log.url == "https://crm.example/calllog"


@pytest.mark.parametrize(
    "params",
    [{}, {"note": "@{Lead:Note,@CallbackUrl}"}],  # no token; only a default's text
    ids=["absent", "in-a-default"],
)
def test_per_call_delivery_needs_the_callback_url_token(params: dict[str, str]) -> None:
    problems = _problems(_per_call(**params))
    assert len(problems) == 1
    assert problems[0].startswith("apis.click_to_call: call_log.delivery per_call needs")


def test_a_call_log_url_naming_callback_url_itself_is_refused() -> None:
    # It would render itself without end (RecursionError) on the first call.
    problems = _problems(_per_call("https://crm.example/x?u=@CallbackUrl", cb="@CallbackUrl"))
    assert problems == ["call_log.url: @CallbackUrl cannot be part of the call-log URL itself"]
