"""Clauses the presets lean on: number formats as declared and claimed, DID lists of objects."""

from __future__ import annotations

from typing import Any

import pytest

import connector
from contracts.clauses.click_to_call import declared_formats
from contracts.clauses.did_list import as_list
from contracts.events import Status
from contracts.runner import Options, verify

pytestmark = pytest.mark.conformance

ONLY_FORMATS = Options(latency_calls=0, only=("click_to_call.number_formats",))


def _with_click_to_call(name: str, **changes: Any) -> connector.ConnectorConfig:
    config = connector.resolve_config(name)
    api = config.api("click_to_call")
    update = {key: value for key, value in changes.items() if key != "claims"}
    if "claims" in changes:
        update["claims"] = api.claims.model_copy(update={"number_formats": changes["claims"]})
    apis = {**config.apis, "click_to_call": api.model_copy(update=update)}
    return config.model_copy(update={"apis": apis})


def test_declared_formats_read_the_customer_number_tokens() -> None:
    assert declared_formats(connector.resolve_config("generic").api("click_to_call")) == ["crm"]
    assert declared_formats(connector.resolve_config("knowlarity").api("click_to_call")) == ["e164"]
    no_number = connector.ApiConfig(url="https://h.example/x", params={"a": "@VirtualNumber"})
    assert declared_formats(no_number) == []


def test_a_claimed_format_the_partner_refuses_fails_the_clause() -> None:
    # The simulator's makecall takes only +91 E.164: claiming crm is a false claim.
    config = _with_click_to_call("knowlarity", claims=("e164", "crm"))
    (result,) = verify(config, options=ONLY_FORMATS, env={}).results
    assert result.status is Status.FAIL
    assert result.message.startswith("number formats answer differently (e164: success, crm: error")
    assert "the config sends e164" in result.message


def test_the_declared_form_is_the_one_swapped_and_probed() -> None:
    # trunk is declared (0N), national claimed: both reach the generic simulator.
    params = {**connector.resolve_config("generic").api("click_to_call").params}
    params["customerNumber"] = "@CustomerNumber[trunk]"
    config = _with_click_to_call("generic", params=params, claims=("national",))
    (result,) = verify(config, options=ONLY_FORMATS, env={}).results
    assert result.status is Status.PASS, result.message
    assert result.message == "trunk, national all answer success (the config sends trunk)"


def test_formats_that_all_fail_place_no_call() -> None:
    # crm declared and claimed, but makecall refuses it: no form places the call.
    params = {**connector.resolve_config("knowlarity").api("click_to_call").params}
    params["customer_number"] = "@CustomerNumber"
    config = _with_click_to_call("knowlarity", params=params, claims=("crm",))
    (result,) = verify(config, options=ONLY_FORMATS, env={}).results
    assert result.status is Status.FAIL
    assert result.message.startswith("no number format places the call (crm answers error")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["918030000001", "918030000002"], ["918030000001", "918030000002"]),
        ('["918030000001"]', ["918030000001"]),
        ("918030000001,918030000002", ["918030000001", "918030000002"]),
        (
            [{"number": "+918030000001", "cli_type": "NONE"}, {"did": " 918030000002 "}],
            ["+918030000001", "918030000002"],
        ),
        ('[{"number": "+918030000001"}]', ["+918030000001"]),
        ([{"cli_type": "NONE"}], ["{'cli_type': 'NONE'}"]),  # shown as is: not a number
        ({"number": "+918030000001"}, None),
    ],
)
def test_a_did_list_is_numbers_or_objects_holding_a_number(
    value: object, expected: list[str] | None
) -> None:
    assert as_list(value) == expected
