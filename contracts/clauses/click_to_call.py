"""Click-to-call clauses: success with a call id, DND, credentials, methods, formats."""

from __future__ import annotations

from collections.abc import Callable

import connector
from contracts.clauses.context import Context
from contracts.clauses.expect import answered, describe_answer, expect_error
from contracts.clauses.mutation import replace_values, set_named
from contracts.clauses.registry import Verdict, clause, failed, passed
from contracts.clauses.roles import roles
from contracts.clauses.signals import SkipClause

API = "click_to_call"
WRONG_KEY = "WRONG-KEY-000000000000000000000000"


def call_id(result: connector.CallResult) -> str | None:
    """The call id the connector itself would record for this answer.

    The same function the click-to-call flow uses, so a partner passes only
    when the connector can link the provider's call log to the activity.
    """
    return connector.call_id(result.outcome.data, result.answer)


@clause("click_to_call.success", API, "A call to a valid number maps to success with a call id")
def success(ctx: Context) -> Verdict:
    """The plain happy path."""
    customer = ctx.fixture("customer_number")
    label = f"call {ctx.mask(customer)}"
    result = answered(ctx, ctx.call(API, label, customer=customer), label)
    evidence = ctx.evidence(result, label)
    if not result.outcome.ok:
        return failed(
            f"a call to a valid number was mapped to error ({describe_answer(result)}):"
            f" {evidence.outcome_message}",
            evidence,
        )
    if call_id(result) is None:
        return failed(
            "success carries no call id: no data rule captured a value and the message holds"
            " no id (add the id to the answer, e.g. 'ucid', and a data rule for it)",
            evidence,
        )
    return passed("success with a call id")


@clause("click_to_call.dnd", API, "A DND number maps to error with its message, never success")
def dnd(ctx: Context) -> Verdict:
    """TRAI's DND registry: the call must be refused and say so."""
    number = ctx.fixture("dnd_number")
    label = f"call DND number {ctx.mask(number)}"
    return expect_error(ctx, ctx.call(API, label, customer=number), label, "a DND number")


def wrong_credentials(
    api: connector.ApiConfig,
) -> Callable[[connector.RenderedRequest], connector.RenderedRequest]:
    """An edit that sets every credential of ``api``'s request to a wrong value.

    The credentials are the parameters whose templates hold a ``${VAR}``
    (:mod:`contracts.clauses.roles`), and each secret's value wherever else it landed.
    """
    names = roles(api).credentials

    def edit(request: connector.RenderedRequest) -> connector.RenderedRequest:
        edited, count = replace_values(request, request.secrets, WRONG_KEY)
        edited, named = set_named(edited, names, WRONG_KEY)
        if count + named == 0:
            raise SkipClause("the request carries no credential (no ${VAR} secret in the config)")
        return edited

    return edit


@clause("click_to_call.invalid_credentials", API, "A wrong API key maps to error")
def invalid_credentials(ctx: Context) -> Verdict:
    """A wrong key must never place a call."""
    customer = ctx.fixture("customer_number")
    label = "call with a wrong API key"
    result = ctx.call(API, label, customer=customer, edit=wrong_credentials(ctx.api(API)))
    return expect_error(ctx, result, label, "a wrong API key")


def as_method(api: connector.ApiConfig, method: str) -> connector.ApiConfig:
    """The same API sent with ``method`` (POST sends the parameters as a form)."""
    if method == api.method:
        return api
    if method == "POST":
        return api.model_copy(update={"method": "POST", "body": connector.BodyEncoding.FORM})
    if api.body_template:
        raise SkipClause("the config posts a raw body template; it has no GET form to compare")
    return api.model_copy(update={"method": "GET", "body": None, "body_template": None})


@clause("click_to_call.methods", API, "GET and POST give the same outcome when both are claimed")
def methods(ctx: Context) -> Verdict:
    """The seed says 'the GET as well as POST format will work'."""
    api = ctx.api(API)
    claimed = set(api.claims.methods)
    if not {"GET", "POST"} <= claimed:
        raise SkipClause("claims.methods does not list both GET and POST")
    customer = ctx.fixture("customer_number")
    results = {}
    for method in ("GET", "POST"):
        label = f"{method} call {ctx.mask(customer)}"
        variant = as_method(api, method)
        results[method] = answered(ctx, ctx.call(API, label, customer=customer, api=variant), label)
    kinds = {m: r.outcome.kind for m, r in results.items()}
    if kinds["GET"] != kinds["POST"]:
        return failed(
            f"GET answered {kinds['GET']} but POST answered {kinds['POST']}"
            f" ({describe_answer(results['POST'])}): both methods are claimed",
            *(ctx.evidence(r, f"{m} call") for m, r in results.items()),
        )
    return passed(f"GET and POST both answer {kinds['GET']}")


def declared_formats(api: connector.ApiConfig) -> list[str]:
    """The forms the config sends the customer number in: ``@CustomerNumber[form]``.

    A token without a suffix sends ``crm`` (``+91-N``), the seed's form.
    """
    found = [t.number_format or "crm" for t in api.template.tokens() if t.kind == "customer_number"]
    return list(dict.fromkeys(found))


@clause(
    "click_to_call.number_formats",
    API,
    "The declared and every claimed customer number format place the call",
)
def number_formats(ctx: Context) -> Verdict:
    """+91-N, +91N, 91N, 0N and N must all place the call when claimed.

    Each probe is the config's own request with the customer number, in the
    form the config declares (``@CustomerNumber[form]``), swapped for another
    form. The declared form is probed too: it is what the connector sends.
    """
    api = ctx.api(API)
    claimed = list(api.claims.number_formats)
    if not claimed:
        raise SkipClause("claims.number_formats is empty")
    declared = declared_formats(api)
    if not declared:
        raise SkipClause("the request carries no @CustomerNumber parameter to reformat")
    customer = ctx.fixture("customer_number")
    number = ctx.number(customer, "customer number")
    assert number is not None  # ctx.fixture gave a value
    # What the config's tokens render to; each probe swaps it for one form.
    rendered = {number.format(fmt) for fmt in declared}
    formats = list(dict.fromkeys([*declared, *claimed]))
    request = ctx.render(API, customer=customer)
    results = {}
    for fmt in formats:
        label = f"call {ctx.mask(number.format(fmt))} ({fmt})"
        edited, count = replace_values(request, rendered, number.format(fmt))
        if count == 0:
            raise SkipClause(
                "the customer number is not a whole parameter value (it sits in the path or"
                " inside other text), so it cannot be swapped for another form"
            )
        results[fmt] = answered(ctx, ctx.send(API, edited, label), label)
    kinds = {fmt: r.outcome.kind for fmt, r in results.items()}
    sent = f"the config sends {', '.join(declared)}"
    every = "answers" if len(formats) == 1 else "all answer"
    if len(set(kinds.values())) > 1:
        odd = ", ".join(f"{fmt}: {kind}" for fmt, kind in kinds.items())
        return failed(
            f"number formats answer differently ({odd}; {sent}): claim only the forms"
            " that place the call",
            *(ctx.evidence(r, fmt) for fmt, r in results.items()),
        )
    if set(kinds.values()) == {"error"}:
        return failed(
            f"no number format places the call ({', '.join(formats)} {every} error; {sent})",
            *(ctx.evidence(r, fmt) for fmt, r in results.items()),
        )
    return passed(f"{', '.join(formats)} {every} success ({sent})")
