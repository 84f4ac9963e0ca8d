"""Incoming agent pop-up clauses: the ringing call, and every error case of the seed.

The seed lists seven error answers (empty userName, empty apiKey, empty
agentPhoneNumber, invalid credentials, invalid agent number, max limit
exceeded, no call); each is its own clause so a scorecard shows which one a
partner gets wrong.

An error clause passes only on the error it asks for, not on any error:

- the parameters it blanks (username, API key, agent phone) are the config's
  own, found by their templates (:mod:`contracts.clauses.roles`);
- its answer must not carry the seed's text of another case ("userName should
  not be empty" to an agent with no call), when the dialect's contract has
  the seed's texts;
- the cases that depend on the partner's state (no call, an unknown agent,
  the rate limit) must not get the very answer the partner gives to an empty
  userName, an empty apiKey or wrong credentials in the same run: a partner
  that answers every pop-up with one error would otherwise pass them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from weakref import WeakKeyDictionary

import connector
from contracts.clauses.click_to_call import wrong_credentials
from contracts.clauses.context import Context
from contracts.clauses.expect import answered, describe_answer, expect_error
from contracts.clauses.mutation import set_named
from contracts.clauses.registry import Verdict, clause, failed, passed
from contracts.clauses.roles import Roles, roles
from contracts.clauses.signals import CannotTest, SkipClause
from contracts.errors import SpecError
from contracts.events import Status
from contracts.specs import load_spec

API = "agent_popup"
# A probe sends one request and returns its result and the label it was sent under.
Probe = tuple[connector.CallResult, str]


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


@dataclass(frozen=True)
class Case:
    """One error case of the seed: its clause, its probe and the seed's text for it."""

    id: str
    title: str
    what: str  # names the probe in messages: "an agent with no call"
    probe: Callable[[Context], Probe]
    seed_text: str


# The answer to each of these is what a partner says to a request it refuses
# outright; the state-dependent cases must answer something else.
REFERENCE_CASES = ("empty_username", "empty_api_key", "invalid_credentials")
STATE_CASES = ("invalid_agent_number", "max_limit", "no_call")

# Every probe sent once per run: the state-dependent cases compare their
# answer with the reference cases' own, whichever clause sent it first.
_SENT: WeakKeyDictionary[Context, dict[str, Probe | SkipClause | CannotTest]] = WeakKeyDictionary()


def _once(case_id: str, probe: Callable[[Context], Probe]) -> Callable[[Context], Probe]:
    def run(ctx: Context) -> Probe:
        sent = _SENT.setdefault(ctx, {})
        if case_id not in sent:
            try:
                sent[case_id] = probe(ctx)
            except (SkipClause, CannotTest) as signal:
                sent[case_id] = signal
        found = sent[case_id]
        if isinstance(found, SkipClause | CannotTest):
            raise found
        return found

    return run


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _said(result: connector.CallResult) -> str:
    """What the answer told the user, folded; the ``(HTTP nnn)`` the connector adds dropped."""
    outcome = result.outcome
    return _fold(outcome.message.removesuffix(f" (HTTP {outcome.status})"))


@cache
def _contract_messages(dialect: str) -> frozenset[str]:
    """Every example ``message`` of the dialect's OpenAPI contract, folded."""
    try:
        spec = load_spec(dialect)
    except SpecError:
        return frozenset()
    found: set[str] = set()
    stack: list[object] = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "message" and isinstance(value, str):
                    found.add(_fold(value))
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(found)


def _seed_texts(ctx: Context) -> Iterator[Case]:
    """The cases whose seed text the dialect's contract has too."""
    known = _contract_messages(ctx.dialect) if ctx.dialect else frozenset()
    return (case for case in CASES.values() if _fold(case.seed_text) in known)


def _own_error(ctx: Context, case: Case, result: connector.CallResult, label: str) -> Verdict:
    """Fail when ``result``'s error is the answer to another case; else pass."""
    evidence = ctx.evidence(result, label)
    said = _said(result)
    for other in _seed_texts(ctx):
        if other.id != case.id and _fold(other.seed_text) == said:
            return failed(
                f"{case.what} was answered with the seed's text for {other.what}"
                f" ({evidence.outcome_message!r}): the partner must answer this case with its"
                f" own error (the seed: {case.seed_text!r})",
                evidence,
            )
    compared: list[str] = []
    if case.id in STATE_CASES:
        for reference_id in REFERENCE_CASES:
            reference = CASES[reference_id]
            try:
                other_result, other_label = _once(reference.id, reference.probe)(ctx)
            except (SkipClause, CannotTest):
                continue  # nothing to compare with
            outcome = other_result.outcome
            if outcome.kind != "error" or outcome.reason is not connector.Reason.RULE:
                continue
            if _said(other_result) == said:
                return failed(
                    f"{case.what} got the same answer as {reference.what}"
                    f" ({evidence.outcome_message!r}): the partner must answer this case with"
                    f" its own error (the seed: {case.seed_text!r})",
                    evidence,
                    ctx.evidence(other_result, other_label),
                )
            compared.append(reference.what)
    unlike = f" (unlike the answer to {', '.join(compared)})" if compared else ""
    return passed(f"{case.what} -> error: {evidence.outcome_message}{unlike}")


def _error_case(case: Case) -> None:
    probe = _once(case.id, case.probe)

    def check(ctx: Context) -> Verdict:
        result, label = probe(ctx)
        verdict = expect_error(ctx, result, label, case.what)
        if verdict.status is not Status.PASS:
            return verdict
        return _own_error(ctx, case, result, label)

    check.__name__ = case.id
    check.__module__ = __name__
    clause(f"agent_popup.error.{case.id}", API, case.title)(check)


def _blank(
    pick: Callable[[Roles], frozenset[str]], what: str, how: str
) -> Callable[[Context], Probe]:
    """Send the pop-up with the config's parameters ``pick`` chooses left empty."""

    def probe(ctx: Context) -> Probe:
        names = pick(roles(ctx.api(API)))
        if not names:
            raise SkipClause(f"the config's pop-up has no {what} parameter ({how})")
        agent = ctx.fixture("ringing_agent_phone")
        request = ctx.render(API, agent_phone=agent)
        edited, count = set_named(request, names, "")
        if count == 0:
            raise SkipClause(f"the request carries no {what} parameter to leave empty")
        label = f"pop-up with an empty {what} ({', '.join(sorted(names))})"
        return ctx.send(API, edited, label), label

    return probe


def _wrong_key(ctx: Context) -> Probe:
    agent = ctx.fixture("ringing_agent_phone")
    label = "pop-up with a wrong API key"
    return ctx.call(API, label, agent_phone=agent, edit=wrong_credentials(ctx.api(API))), label


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


# The seed's texts ("Get Incoming Call session by Agent Number"), verbatim.
CASES: Mapping[str, Case] = {
    case.id: case
    for case in (
        Case(
            "empty_username",
            "An empty userName maps to error",
            "an empty userName",
            _blank(
                lambda r: r.username,
                "userName",
                "a parameter whose template is a ${VAR} named *USER*",
            ),
            "userName should not be empty",
        ),
        Case(
            "empty_api_key",
            "An empty apiKey maps to error",
            "an empty apiKey",
            _blank(lambda r: r.api_key, "apiKey", "a parameter whose template is another ${VAR}"),
            "apiKey should not be empty",
        ),
        Case(
            "empty_agent_phone",
            "An empty agentPhoneNumber maps to error",
            "an empty agentPhoneNumber",
            _blank(
                lambda r: r.agent_phone,
                "agentPhoneNumber",
                "a parameter whose template is @AssociatedPhoneNumberWithoutCountryCode"
                " or {{Agent_Number}}",
            ),
            "agentPhoneNumber should not be empty",
        ),
        Case(
            "invalid_credentials",
            "Invalid userName or apiKey maps to error",
            "a wrong API key",
            _wrong_key,
            "userName or apiKey is Invalid",
        ),
        Case(
            "invalid_agent_number",
            "An unknown agent phone number maps to error",
            "an unknown agent phone number",
            _agent_probe("invalid_agent_number", "unknown agent"),
            "Invalid Agent Phone Number",
        ),
        Case(
            "max_limit",
            "'max limit exceeded' maps to error",
            "a rate-limited request",
            _max_limit,
            "max limit exceeded",
        ),
        Case(
            "no_call",
            "An agent with no call maps to error",
            "an agent with no call",
            _agent_probe("idle_agent_phone", "idle agent"),
            "There is no call at this moment with this Agent PhoneNumber",
        ),
    )
}
for _case in CASES.values():
    _error_case(_case)
