"""mcc load's command-line values: parsed once, bad input named in one line."""

from __future__ import annotations

import pytest

from connector.config import API_NAMES as CONNECTOR_APIS
from contracts.load.options import (
    API_NAMES,
    LoadInputError,
    base_url,
    is_loopback,
    parse_duration,
    parse_mix,
    parse_thresholds,
)
from contracts.load.plan import LoadPlan


def test_the_api_names_are_the_connectors() -> None:
    assert API_NAMES == CONNECTOR_APIS


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("500ms", 0.5),
        ("2.5s", 2.5),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5 minutes", "5x", "m5", "-3s", "0", "1h-2m", "nan", "inf"])
def test_bad_durations_name_the_option(text: str) -> None:
    with pytest.raises(LoadInputError, match=r"^--duration "):
        parse_duration(text)


def test_mix_weights_and_zero_weights_dropped() -> None:
    assert parse_mix("click_to_call=1,agent_popup=10,did_list=0") == {
        "click_to_call": 1.0,
        "agent_popup": 10.0,
    }


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("click_to_cal=1", "unknown name 'click_to_cal'; use click_to_call, agent_popup, did_list"),
        ("click_to_call", "write NAME=VALUE pairs"),
        ("click_to_call=x", "the weight is not a number"),
        ("click_to_call=-1", "the weight must be 0 or more"),
        ("click_to_call=0", "give at least one weight above 0"),
        ("did_list=1,did_list=2", "did_list is given twice"),
    ],
)
def test_bad_mixes(text: str, says: str) -> None:
    with pytest.raises(LoadInputError, match=r"^--mix") as raised:
        parse_mix(text)
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_thresholds_in_ms_or_seconds() -> None:
    assert parse_thresholds("click_to_call=3000ms,agent_popup=1s,did_list=250") == {
        "click_to_call": 3000.0,
        "agent_popup": 1000.0,
        "did_list": 250.0,
    }


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("agent_popup=fast", "--p95 agent_popup 'fast' is not a duration"),
        ("agent_popup=0ms", "--p95 agent_popup '0ms' must be more than zero"),
        ("popup=1s", "--p95: unknown name 'popup'"),
    ],
)
def test_bad_thresholds(text: str, says: str) -> None:
    with pytest.raises(LoadInputError) as raised:
        parse_thresholds(text)
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://127.8.9.10", True),
        ("http://[::1]:80", True),
        ("http://localhost:5000", True),
        ("https://staging.partner.example", False),
        ("http://10.0.0.5:8080", False),
        ("http://127.0.0.1.example.com", False),
    ],
)
def test_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_base_urls() -> None:
    assert base_url("http://127.0.0.1:8081/calllog?x=1") == "http://127.0.0.1:8081"
    for bad in ("ftp://host", "127.0.0.1:8080", "http://user:pw@host", "http://host:port"):
        with pytest.raises(LoadInputError):
            base_url(bad)


def test_a_plan_round_trips_and_paces_all_users_under_max_rps() -> None:
    plan = LoadPlan(
        mode="api",
        target="http://127.0.0.1:1",
        target_kind="url",
        users=8,
        spawn_rate=2,
        duration_s=5,
        max_rps=40,
        mix={"did_list": 1.0},
        run_id="00000001",
        secret_names=("GENERIC_API_KEY",),
        env_defaults={"GENERIC_USERNAME": "demouser"},
    )
    assert LoadPlan.from_json(plan.to_json()) == plan
    assert plan.per_user_rps * plan.users == pytest.approx(40)
    assert plan.environment({"GENERIC_USERNAME": "mine"})["GENERIC_USERNAME"] == "mine"
    assert plan.environment({})["GENERIC_USERNAME"] == "demouser"


def test_the_call_log_dialects_are_the_connectors_formats() -> None:
    from connector.calllog import CallLogFormat
    from contracts.load.options import CALLLOG_DIALECTS

    assert set(CALLLOG_DIALECTS) == {f.value for f in CallLogFormat}
