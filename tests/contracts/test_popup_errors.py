"""The pop-up error clauses: the config's own parameters, and the error each case asks for.

A small Flask partner stands in for a provider whose pop-up API names its
parameters ``acct`` (username), ``k`` (API key) and ``ph`` (agent phone),
and answers each of the seed's cases with its own error, or, when told,
every request with one and the same error. The simulator itself passing
every clause is checked by ``test_verify_runs``.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, Response, jsonify, request

import connector
import contracts
from contracts.clauses.roles import Roles, roles
from contracts.events import Status
from simulator.serve import start_in_thread

pytestmark = pytest.mark.conformance

ENV = {
    "ACME_USERNAME": "canary-acme-user",
    "ACME_API_KEY": "CANARYacmeKEY00000000000000000013",
    "GENERIC_USERNAME": "canary-generic-user",
    "GENERIC_API_KEY": "CANARYgenericKEY000000000000000015",
}
RINGING, IDLE, UNKNOWN, LIMITED = "9800000001", "9800000002", "9811111119", "9800000009"
CALLER = "9876501234"
FIXTURES = contracts.Fixtures(
    ringing_agent_phone=RINGING,
    ringing_customer_number=CALLER,
    idle_agent_phone=IDLE,
    invalid_agent_number=UNKNOWN,
    rate_limited_agent_phone=LIMITED,
)
RULES = [
    {"key": "status", "value": "success", "outcome": "success"},
    {"key": "status", "value": "error", "outcome": "error"},
    {"key": "customerNumber", "value": "", "outcome": "data"},
]
# Parameters named by the partner, found by their templates: the username in
# the URL's own query string, the key and the agent phone in params.
ACME = connector.parse_config(
    {
        "name": "acme",
        "mode": "cloud_only",
        "virtual_number_field": "mx_Custom_8",
        "default_region": "IN",
        "apis": {
            "agent_popup": {
                "method": "GET",
                "url": "https://partner.example/PullAPI?acct=${ACME_USERNAME}",
                "params": {"k": "${ACME_API_KEY}", "ph": "{{Agent_Number}}"},
                "timeout": "5s",
                "response": RULES,
            }
        },
    }
)
POPUP = "agent_popup"
STATE_CASES = ("invalid_agent_number", "max_limit", "no_call")


def _error(message: str) -> Response:
    return jsonify(status="error", message=message)


def acme_partner(every_answer: str | None = None) -> Flask:
    """The seed's PullAPI with the partner's own parameter names (``acct``, ``k``, ``ph``)."""
    app = Flask("acme-partner")

    @app.route("/PullAPI", methods=["GET", "POST"])
    def pull() -> Response:
        if every_answer is not None:
            return _error(every_answer)
        user, key, phone = (request.values.get(name, "").strip() for name in ("acct", "k", "ph"))
        if not user:
            return _error("userName should not be empty")
        if not key:
            return _error("apiKey should not be empty")
        if not phone:
            return _error("agentPhoneNumber should not be empty")
        if (user, key) != (ENV["ACME_USERNAME"], ENV["ACME_API_KEY"]):
            return _error("userName or apiKey is Invalid")
        if phone == LIMITED:
            return _error("max limit exceeded")
        if phone not in (RINGING, IDLE):
            return _error("Invalid Agent Phone Number")
        if phone == IDLE:
            return _error("There is no call at this moment with this Agent PhoneNumber")
        return jsonify(status="success", customerNumber=CALLER)

    return app


def _verify(
    app: Flask, config: connector.ConnectorConfig = ACME
) -> dict[str, contracts.ClauseResult]:
    with start_in_thread(app) as server:
        summary = contracts.verify(
            config,
            server.base_url,
            FIXTURES,
            contracts.Options(latency_calls=0, only=("agent_popup.",)),
            env=ENV,
        )
    return {r.clause.id.removeprefix("agent_popup."): r for r in summary.results}


def test_a_partner_with_its_own_parameter_names_passes_every_popup_clause() -> None:
    results = _verify(acme_partner())
    statuses = {cid: r.status for cid, r in results.items()}
    assert statuses.pop("success") is Status.PASS
    assert set(statuses.values()) == {Status.PASS}, {k: r.message for k, r in results.items()}
    assert len(statuses) == 7
    # Each blank probe left only its own parameter empty (the partner checks in order).
    assert "userName should not be empty" in results["error.empty_username"].message
    assert "apiKey should not be empty" in results["error.empty_api_key"].message
    assert "agentPhoneNumber should not be empty" in results["error.empty_agent_phone"].message
    assert "userName or apiKey is Invalid" in results["error.invalid_credentials"].message


@pytest.mark.parametrize("config_name", ["acme", "generic"])
@pytest.mark.parametrize(
    ("every_answer", "says"),
    [
        # The seed's text for another case: named as such.
        ("userName should not be empty", "with the seed's text for an empty userName"),
        # Any text: the same answer as a request refused outright.
        ("Request refused", "the same answer as an empty userName"),
    ],
    ids=["seed-text", "own-text"],
)
def test_a_partner_with_one_answer_for_every_popup_fails_the_state_cases(
    every_answer: str, says: str, config_name: str
) -> None:
    config = ACME if config_name == "acme" else connector.resolve_config(config_name)
    results = _verify(acme_partner(every_answer), config)
    for case in STATE_CASES:
        result = results[f"error.{case}"]
        assert result.status is Status.FAIL, (case, result.message)
        assert says in result.message
        assert "its own error" in result.message
        assert result.evidence
    assert results["success"].status is Status.FAIL
    assert results["error.empty_username"].status is Status.PASS


def test_an_answer_that_differs_only_by_http_status_is_still_the_same_answer() -> None:
    app = Flask("status-partner")

    @app.route("/PullAPI", methods=["GET", "POST"])
    def pull() -> tuple[Response, int]:
        # The same words, with a different status per case: the user sees the same message.
        status = 401 if not request.values.get("acct") else 404
        return _error("Request refused"), status

    results = _verify(app)
    assert results["error.no_call"].status is Status.FAIL
    assert "the same answer as an empty userName" in results["error.no_call"].message


# -- which parameter plays which role ---------------------------------------------


def _api(**fields: Any) -> connector.ApiConfig:
    return connector.ApiConfig.model_validate(
        {"method": "GET", "url": "https://p.example/x", "response": RULES, **fields}
    )


SEED_POPUP = Roles(frozenset({"userName"}), frozenset({"apiKey"}), frozenset({"agentPhoneNumber"}))


@pytest.mark.parametrize(
    ("preset", "api", "expected"),
    [
        ("generic", POPUP, SEED_POPUP),
        ("ozonetel", POPUP, SEED_POPUP),
        ("ozonetel", "click_to_call", Roles(frozenset({"username"}), frozenset({"api_key"}))),
        (
            "knowlarity",
            "click_to_call",
            Roles(
                api_key=frozenset({"x-api-key", "authorization"}),
                agent_phone=frozenset({"agent_number"}),  # {{Agent_Number[e164]}}
            ),
        ),
    ],
)
def test_roles_of_the_presets(preset: str, api: str, expected: Roles) -> None:
    assert roles(connector.resolve_config(preset).apis[api]) == expected


def test_roles_are_read_from_the_templates_wherever_the_config_put_them() -> None:
    api = _api(
        url="https://p.example/x?acct=${ACME_USERNAME}&ph=@AssociatedPhoneNumberWithoutCountryCode",
        headers={"X-Token": "Bearer ${ACME_TOKEN}"},
        params={"k": "${ACME_API_KEY}", "agent": "@{User:TelephonyAgentId,}"},
    )
    assert roles(api) == Roles(
        username=frozenset({"acct"}),
        api_key=frozenset({"X-Token", "k"}),
        agent_phone=frozenset({"ph"}),
    )


def test_roles_reach_the_fields_of_a_raw_json_body() -> None:
    api = _api(
        method="POST",
        body="raw",
        body_template='{"login": "${P_USER}", "secret": "${P_SECRET}", "to": "{{Agent_Number}}"}',
    )
    assert roles(api) == Roles(
        username=frozenset({"login"}),
        api_key=frozenset({"secret"}),
        agent_phone=frozenset({"to"}),
    )


def test_a_username_written_out_is_no_role() -> None:
    # Only a ${VAR} tells a credential apart: literal values are nobody's secret.
    api = _api(params={"userName": "lead_squared", "apiKey": "${K}"})
    assert roles(api) == Roles(api_key=frozenset({"apiKey"}))
