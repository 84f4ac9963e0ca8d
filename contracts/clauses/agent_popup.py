"""Incoming agent pop-up clauses: the ringing call, and every error case of the seed.

The seed lists seven error answers (empty userName, empty apiKey, empty
agentPhoneNumber, invalid credentials, invalid agent number, max limit
exceeded, no call); each is its own clause so a scorecard shows which one a
partner gets wrong.
"""

from __future__ import annotations

from collections.abc import Callable

import connector
from contracts.clauses.click_to_call import wrong_credentials
from contracts.clauses.context import Context
from contracts.clauses.expect import answered, describe_answer, expect_error
from contracts.clauses.mutation import CREDENTIAL_NAMES, USERNAME_NAMES, replace_values, set_named
from contracts.clauses.registry import Verdict, clause, failed, passed
from contracts.clauses.signals import SkipClause

API = "agent_popup"
# A probe sends one request and returns its result and the label it was sent under.
Probe = tuple[connector.CallResult, str]


def _agent_forms(number: str, region: str) -> set[str]:
    try:
        phone = connector.parse_phone(number, region)
    except connector.PhoneNumberError:
        return {number}
    return {number, phone.national, phone.crm, phone.e164, phone.with_country_code, phone.trunk}


@clause("agent_popup.success", API, "A ringing call maps to success with a valid customer number")
def success(ctx: Context) -> Verdict:
    """The pop-up must name the caller, in a field a data rule captures."""
    agent = ctx.fixture("ringing_agent_phone")
    if ctx.rearm is not None:
        ctx.rearm()
    label = f"pop-up for agent {ctx.mask(agent)}"
    result = answered(ctx, ctx.call(API, label, agent_phone=agent), label)
    evidence = ctx.evidence(result, label)
    if not result.outcome.ok:
        return failed(
            f"a ringing call was mapped to error ({describe_answer(result)}):"
            f" {evidence.outcome_message}",
            evidence,
        )
    captured = {k: v for k, v in result.outcome.data.items() if v not in (None, "")}
    if not captured:
        rules = [r.key for r in ctx.api(API).response if r.outcome == "data"]
        return failed(
            "success carries no customer number: no data rule captured a value"
            f" (data rules: {', '.join(rules) or 'none'})",
            evidence,
        )
    for key, value in captured.items():
        try:
            number = connector.parse_phone(str(value), ctx.config.default_region)
        except connector.PhoneNumberError:
            continue
        expected = ctx.fixtures.ringing_customer_number
        if expected:
            want = connector.parse_phone(expected, ctx.config.default_region)
            if want.e164 != number.e164:
                return failed(
                    f"{key} names {ctx.mask(number.crm)}, but the ringing call is from"
                    f" {ctx.mask(want.crm)}",
                    evidence,
                )
        return passed(f"success with customer number {ctx.mask(number.crm)} in {key}")
    shown = ", ".join(f"{k}={ctx.mask(str(v))!r}" for k, v in captured.items())
    return failed(f"the captured value is not a valid phone number ({shown})", evidence)


def _error_case(case_id: str, title: str, what: str, probe: Callable[[Context], Probe]) -> None:
    def check(ctx: Context) -> Verdict:
        result, label = probe(ctx)
        return expect_error(ctx, result, label, what)

    check.__name__ = case_id
    check.__module__ = __name__
    clause(f"agent_popup.error.{case_id}", API, title)(check)


def _blank(names: frozenset[str], what: str) -> Callable[[Context], Probe]:
    def probe(ctx: Context) -> Probe:
        agent = ctx.fixture("ringing_agent_phone")
        request = ctx.render(API, agent_phone=agent)
        edited, count = set_named(request, names, "")
        if count == 0:
            raise SkipClause(f"the request has no {what} parameter to leave empty")
        label = f"pop-up with an empty {what}"
        return ctx.send(API, edited, label), label

    return probe


def _empty_agent(ctx: Context) -> Probe:
    agent = ctx.fixture("ringing_agent_phone")
    request = ctx.render(API, agent_phone=agent)
    edited, count = replace_values(request, _agent_forms(agent, ctx.config.default_region), "")
    if count == 0:
        raise SkipClause("the request carries no agent phone number parameter")
    label = "pop-up with an empty agentPhoneNumber"
    return ctx.send(API, edited, label), label


def _wrong_key(ctx: Context) -> Probe:
    agent = ctx.fixture("ringing_agent_phone")
    label = "pop-up with a wrong API key"
    return ctx.call(API, label, agent_phone=agent, edit=wrong_credentials), label


def _agent_probe(fixture: str, describe: str) -> Callable[[Context], Probe]:
    def probe(ctx: Context) -> Probe:
        agent = ctx.fixture(fixture)
        label = f"pop-up for {describe} {ctx.mask(agent)}"
        return ctx.call(API, label, agent_phone=agent), label

    return probe


def _max_limit(ctx: Context) -> Probe:
    if ctx.fixtures.rate_limited_agent_phone:
        return _agent_probe("rate_limited_agent_phone", "a rate-limited agent")(ctx)
    if ctx.limit_rate is None:
        ctx.fixture("rate_limited_agent_phone")  # skips, naming the fixture
        raise AssertionError("unreachable")
    agent = ctx.fixture("ringing_agent_phone")
    label = "pop-up over the rate limit"
    with ctx.limit_rate(API):
        return ctx.call(API, label, agent_phone=agent), label


_error_case(
    "empty_username",
    "An empty userName maps to error",
    "an empty userName",
    _blank(USERNAME_NAMES, "userName"),
)
_error_case(
    "empty_api_key",
    "An empty apiKey maps to error",
    "an empty apiKey",
    _blank(CREDENTIAL_NAMES, "apiKey"),
)
_error_case(
    "empty_agent_phone",
    "An empty agentPhoneNumber maps to error",
    "an empty agentPhoneNumber",
    _empty_agent,
)
_error_case(
    "invalid_credentials",
    "Invalid userName or apiKey maps to error",
    "a wrong API key",
    _wrong_key,
)
_error_case(
    "invalid_agent_number",
    "An unknown agent phone number maps to error",
    "an unknown agent phone number",
    _agent_probe("invalid_agent_number", "unknown agent"),
)
_error_case(
    "max_limit",
    "'max limit exceeded' maps to error",
    "a rate-limited request",
    _max_limit,
)
_error_case(
    "no_call",
    "An agent with no call maps to error",
    "an agent with no call",
    _agent_probe("idle_agent_phone", "idle agent"),
)
