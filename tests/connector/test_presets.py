"""The shipped presets: loadable, secret-free, documented, renderable."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from connector.config import API_NAMES, ConnectorConfig, load_config, with_base_url
from connector.errors import ConfigError, PresetNotFoundError
from connector.phone import parse_phone
from connector.presets import (
    PRESET_DIR,
    load_preset,
    preset_description,
    preset_names,
    preset_path,
    resolve_config,
)
from connector.redaction import is_secret_key
from connector.templating import MergeContext, render_request, tokens_in_api

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["generic", "knowlarity", "ozonetel", "ozonetel_phone_manual_dial"]
ENV_REF = re.compile(r"^\$\{[A-Z][A-Z0-9_]*\}$")


def test_the_four_presets_are_shipped() -> None:
    assert preset_names() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_preset_loads_under_its_own_name(name: str) -> None:
    config = load_preset(name)
    assert config.name == name
    assert set(config.apis) <= set(API_NAMES)
    assert "click_to_call" in config.apis


@pytest.mark.parametrize("name", SHIPPED)
def test_preset_has_a_one_line_description(name: str) -> None:
    description = preset_description(name)
    assert 10 < len(description) <= 100
    assert "\n" not in description


@pytest.mark.parametrize("name", SHIPPED)
def test_secrets_are_env_references_never_literals(name: str) -> None:
    for api in load_preset(name).apis.values():
        for key, value in {**api.params, **api.headers}.items():
            if is_secret_key(key):
                assert ENV_REF.match(value), f"{name}: {key} must be a ${{ENV_VAR}}"
        assert "KK" not in api.url  # no Ozonetel-style key pasted into a URL


@pytest.mark.parametrize("name", SHIPPED)
def test_every_env_var_is_documented(name: str) -> None:
    docs = (ROOT / "docs" / "connector.md").read_text(encoding="utf-8")
    for api in load_preset(name).apis.values():
        for token in tokens_in_api(api):
            if token.kind == "env":
                assert f"`{token.field}`" in docs


@pytest.mark.parametrize("name", SHIPPED)
def test_preset_renders_with_samples_and_env(name: str) -> None:
    config = load_preset(name)
    env = {
        "GENERIC_API_KEY": "g-key",
        "GENERIC_USERNAME": "demouser",
        "OZONETEL_API_KEY": "o-key",
        "OZONETEL_USERNAME": "demouser",
        "KNOWLARITY_API_KEY": "k-key",
        "KNOWLARITY_SR_KEY": "sr-key",
        "MCC_CALLLOG_URL": "https://crm.example/calllog?token=t0k",
    }
    ctx = MergeContext(
        user={
            "TelephonyAgentId": "agent1",
            "mx_Custom_8": "Inbound_918030000001",
            "mx_Custom_10": "agent3",
            "mx_Custom_11": "918030000002",
            "PhoneMobile": "9800000001",
        },
        customer_number=parse_phone("9876543210"),
        agent_phone=parse_phone("9800000001"),
        virtual_number_field=config.virtual_number_field,
        env=env,
        callback_url=config.call_log.url if config.call_log else None,
    )
    for api in config.apis.values():
        rendered = render_request(api, ctx)
        text = rendered.url + (rendered.body or b"").decode()
        assert "@{" not in text
        assert "${" not in text
        assert rendered.secrets  # every preset API authenticates
        assert not any(secret in rendered.redacted_url() for secret in rendered.secrets)


@pytest.mark.ozonetel
def test_ozonetel_click_to_call_is_the_seeds_sample() -> None:
    api = load_preset("ozonetel").api("click_to_call")
    assert api.method == "GET"
    assert api.url == "https://api1.cloudagent.in/CAServices/AgentManualDial.php"
    assert api.params == {
        "api_key": "${OZONETEL_API_KEY}",
        "username": "${OZONETEL_USERNAME}",
        "agentID": "@{User:TelephonyAgentId,}",
        "campaignName": "@VirtualNumber",
        "customerNumber": "@CustomerNumber",
    }
    assert ("NonJSON", "queued successfully", "success") in [
        (r.key, r.value, r.outcome.value) for r in api.response
    ]


@pytest.mark.knowlarity
def test_knowlarity_posts_json_with_header_keys() -> None:
    api = load_preset("knowlarity").api("click_to_call")
    assert api.method == "POST"
    assert api.body_encoding is not None
    assert api.body_encoding.value == "json"
    assert api.headers == {
        "x-api-key": "${KNOWLARITY_API_KEY}",
        "authorization": "${KNOWLARITY_SR_KEY}",
    }
    assert set(api.params) == {"k_number", "agent_number", "customer_number"}


@pytest.mark.knowlarity
def test_knowlarity_sends_every_number_in_e164_and_offers_no_pop_up() -> None:
    config = load_preset("knowlarity")
    api = config.api("click_to_call")
    ctx = MergeContext(
        user={"mx_Custom_11": "918030000002", "PhoneMobile": "09800000001"},
        customer_number=parse_phone("+91-9876543210"),
        virtual_number_field=config.virtual_number_field,
        env={"KNOWLARITY_API_KEY": "k", "KNOWLARITY_SR_KEY": "sr"},
    )
    body = render_request(api, ctx).body
    assert body is not None
    assert json.loads(body) == {
        "k_number": "+918030000002",
        "agent_number": "+919800000001",
        "customer_number": "+919876543210",
    }
    assert api.claims.number_formats == ("e164",)
    assert "agent_popup" not in config.apis
    assert "pop-up" in config.not_offered["agent_popup"]


@pytest.mark.ozonetel
def test_phone_manual_dial_reads_the_documented_user_fields() -> None:
    config = load_preset("ozonetel_phone_manual_dial")
    params = config.api("click_to_call").params
    assert params["phoneName"] == "@{User:mx_Custom_10,}"
    assert params["did"] == "@VirtualNumber"
    assert config.virtual_number_field == "mx_Custom_11"
    comment = preset_path("ozonetel_phone_manual_dial").read_text(encoding="utf-8")
    for field in ("mx_Custom_10", "mx_Custom_11", "PhoneMobile"):
        assert f"#   {field}" in comment


@pytest.mark.generic
def test_generic_claims_both_methods_and_two_formats() -> None:
    for api in load_preset("generic").apis.values():
        assert api.claims.methods == ("GET", "POST")
        assert api.claims.number_formats == ("crm", "national")


def test_did_lists_sync_every_four_hours() -> None:
    for name in SHIPPED:
        assert load_preset(name).api("did_list").sync_every == 4 * 3600.0


def test_unknown_preset_lists_the_known_names() -> None:
    with pytest.raises(PresetNotFoundError) as info:
        load_preset("exotel")
    for name in SHIPPED:
        assert name in str(info.value)


def test_preset_path_refuses_paths_out_of_the_folder() -> None:
    with pytest.raises(PresetNotFoundError):
        preset_path("../config")


def test_preset_path_points_into_the_package() -> None:
    path = preset_path("ozonetel")
    assert path.parent == PRESET_DIR
    assert load_config(path) == load_preset("ozonetel")


def test_resolve_config_accepts_a_name() -> None:
    assert resolve_config("generic") == load_preset("generic")


def test_resolve_config_accepts_a_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\napis:\n  did_list:\n    url: https://a.example/d\n")
    config = resolve_config(path)
    assert isinstance(config, ConnectorConfig)
    assert config.name == "mine"
    assert resolve_config(str(path)) == config


def test_an_existing_file_shadows_a_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("generic").write_text("name: local\napis:\n  did_list:\n    url: https://a.example/d\n")
    assert resolve_config("generic").name == "local"


def test_resolve_config_with_a_missing_yaml_path_says_no_such_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        resolve_config(str(tmp_path / "absent.yaml"))


def test_resolve_config_with_an_unknown_word_is_a_preset_error() -> None:
    with pytest.raises(PresetNotFoundError, match="known presets: generic"):
        resolve_config("ozontel")


@pytest.mark.parametrize("name", SHIPPED)
def test_presets_follow_a_base_url(name: str) -> None:
    moved = with_base_url(load_preset(name), "http://127.0.0.1:8765")
    for original, api in zip(load_preset(name).apis.values(), moved.apis.values(), strict=True):
        assert api.url.startswith("http://127.0.0.1:8765/")
        assert urlsplit(api.url).path == urlsplit(original.url).path
        assert api.params == original.params


def test_presets_are_shipped_in_the_wheel() -> None:
    # hatchling ships every file under a listed package, YAML included.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'packages = \[[^\]]*"connector"', pyproject)
    assert PRESET_DIR == ROOT / "connector" / "presets"
