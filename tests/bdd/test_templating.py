"""Step definitions for features/templating (mail-merge templating)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from pydantic import ValidationError
from pytest_bdd import given, parsers, scenarios, then, when

from connector.config import NUMBER_FORMATS, ApiConfig, BodyEncoding, TemplateProblems
from connector.errors import MissingSecretError, TemplateError, UnresolvedTokenError
from connector.phone import parse_phone
from connector.templating import MergeContext, RenderedRequest, render_request, render_text

scenarios("templating/mail_merge.feature")

BASE = "https://calls.example/v1/dial"


@dataclass
class Merge:
    """What the Given steps build up: the context and the API under test."""

    ctx: MergeContext
    api: ApiConfig | None = None
    placement: str = "query"
    invalid: TemplateError | None = None  # the API's templates can never render


@dataclass(frozen=True)
class Rendered:
    """The When step's result: a request, or the error that stopped it."""

    request: RenderedRequest | None = None
    text: str | None = None
    error: TemplateError | None = None


@pytest.fixture
def merge() -> Merge:
    return Merge(MergeContext())


def _record(datatable: list[list[str]]) -> dict[str, str]:
    return {row[0]: row[1] for row in datatable[1:]}


@given("a lead with:")
def _lead(merge: Merge, datatable: list[list[str]]) -> None:
    merge.ctx = replace(merge.ctx, lead=_record(datatable))


@given("a user with:")
def _user(merge: Merge, datatable: list[list[str]]) -> None:
    merge.ctx = replace(merge.ctx, user=_record(datatable))


@given("an owner with:")
def _owner(merge: Merge, datatable: list[list[str]]) -> None:
    merge.ctx = replace(merge.ctx, owner=_record(datatable))


@given(parsers.parse('the customer number being called is "{number}"'))
def _customer(merge: Merge, number: str) -> None:
    merge.ctx = replace(merge.ctx, customer_number=parse_phone(number))


@given("no customer number is being called")
def _no_customer(merge: Merge) -> None:
    merge.ctx = replace(merge.ctx, customer_number=None)


@given(parsers.parse('the environment variable "{name}" is "{value}"'))
def _env(merge: Merge, name: str, value: str) -> None:
    merge.ctx = replace(merge.ctx, env={**merge.ctx.env, name: value})


@given(parsers.parse('the lead field "{name}" holds "{value}"'))
def _lead_field(merge: Merge, name: str, value: str) -> None:
    merge.ctx = replace(merge.ctx, lead={**merge.ctx.lead, name: value})


@given(parsers.parse('the user field "{name}" holds "{value}"'))
def _user_field(merge: Merge, name: str, value: str) -> None:
    merge.ctx = replace(merge.ctx, user={**merge.ctx.user, name: value})


@given(parsers.parse('the call-log URL is "{url}"'))
def _callback_url(merge: Merge, url: str) -> None:
    merge.ctx = replace(merge.ctx, callback_url=url)


@given(parsers.parse('an API whose URL is "{url}"'))
def _api_url(merge: Merge, url: str) -> None:
    try:
        merge.api = ApiConfig(url=url)
    except ValidationError as exc:
        # A token that can never render fails the config itself, before any
        # request: the request "rendered" next fails with that error.
        [problem] = exc.errors()
        cause = problem["ctx"]["error"]
        assert isinstance(cause, TemplateProblems), problem
        merge.invalid = cause.error


@given(parsers.parse('an API that sends "{template}" as parameter "{name}" in the {placement}'))
def _api_param(merge: Merge, template: str, name: str, placement: str) -> None:
    merge.placement = placement
    params = {name: template, "k": "const"}
    if placement == "query":
        merge.api = ApiConfig(url=BASE + "?fixed=1", params=params)
    elif placement == "raw":
        body = json.dumps(params)
        merge.api = ApiConfig(method="POST", url=BASE, body=BodyEncoding.RAW, body_template=body)
    else:
        merge.api = ApiConfig(method="POST", url=BASE, params=params, body=BodyEncoding(placement))


@when(parsers.parse('the text "{template}" is rendered'), target_fixture="merge_result")
def _render_text(merge: Merge, template: str) -> Rendered:
    try:
        return Rendered(text=render_text(template, merge.ctx, where="step"))
    except TemplateError as exc:
        return Rendered(error=exc)


@when("the request is rendered", target_fixture="merge_result")
def _render_request(merge: Merge) -> Rendered:
    if merge.invalid is not None:
        return Rendered(error=merge.invalid)
    assert merge.api is not None, "a Given step must define the API"
    try:
        return Rendered(request=render_request(merge.api, merge.ctx))
    except TemplateError as exc:
        return Rendered(error=exc)


def _request(result: Rendered) -> RenderedRequest:
    assert result.error is None, str(result.error)
    assert result.request is not None
    return result.request


def _params(request: RenderedRequest, placement: str) -> dict[str, Any] | list[tuple[str, str]]:
    """The parameters where they were placed, decoded as the provider would."""
    if placement == "query":
        return parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
    assert request.body is not None
    if placement == "form":
        return parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
    decoded = json.loads(request.body)
    assert isinstance(decoded, dict)
    return decoded


@then(parsers.parse('the rendered text is "{expected}"'))
def _text_is(merge_result: Rendered, expected: str) -> None:
    assert merge_result.error is None, str(merge_result.error)
    assert merge_result.text == expected


@then(parsers.parse('the request goes to host "{host}" with path "{path}"'))
def _host_and_path(merge_result: Rendered, host: str, path: str) -> None:
    parts = urlsplit(_request(merge_result).url)
    assert (parts.netloc, parts.path, parts.fragment) == (host, path, "")


@then(parsers.parse('the request goes to host "{host}" with {count:d} path segments'))
def _segments(merge_result: Rendered, host: str, count: int) -> None:
    parts = urlsplit(_request(merge_result).url)
    assert (parts.netloc, parts.query, parts.fragment) == (host, "", "")
    assert len(parts.path.strip("/").split("/")) == count


@then(parsers.parse('path segment {index:d} arrives as "{value}"'))
def _segment_value(merge_result: Rendered, index: int, value: str) -> None:
    segments = urlsplit(_request(merge_result).url).path.strip("/").split("/")
    assert unquote(segments[index - 1]) == value


@then(parsers.parse('the {placement} carries exactly the parameters "{names}"'))
def _names(merge_result: Rendered, placement: str, names: str) -> None:
    params = _params(_request(merge_result), placement)
    found = list(params) if isinstance(params, dict) else [name for name, _ in params]
    assert found == names.split(",")


@then(parsers.parse('the parameter "{name}" arrives as "{value}"'))
def _arrives(merge_result: Rendered, merge: Merge, name: str, value: str) -> None:
    params = _params(_request(merge_result), merge.placement)
    values = [params[name]] if isinstance(params, dict) else [v for k, v in params if k == name]
    assert values == [value]


@then(parsers.parse('rendering fails because "{token}" in "{where}" cannot be resolved'))
def _unresolved(merge_result: Rendered, token: str, where: str) -> None:
    error = merge_result.error
    assert isinstance(error, UnresolvedTokenError), merge_result
    assert (error.token, error.where) == (token, where)
    assert token in str(error)


@then("the error gives the token's position in the URL")
def _position(merge_result: Rendered, merge: Merge) -> None:
    assert isinstance(merge_result.error, UnresolvedTokenError)
    assert merge.api is not None
    assert merge.api.url[merge_result.error.position :].startswith(merge_result.error.token)


@then(parsers.parse('rendering fails because the environment variable "{name}" is not set'))
def _missing_secret(merge_result: Rendered, name: str) -> None:
    assert isinstance(merge_result.error, MissingSecretError), merge_result
    assert merge_result.error.variable == name


@then(parsers.parse('the error message does not contain "{text}"'))
def _error_hides(merge_result: Rendered, text: str) -> None:
    assert merge_result.error is not None
    assert text not in str(merge_result.error)


@then("the error message names every number format")
def _names_formats(merge_result: Rendered) -> None:
    assert merge_result.error is not None
    assert ", ".join(NUMBER_FORMATS) in str(merge_result.error)


@then(parsers.parse('the redacted URL shows "{text}"'))
def _redacted(merge_result: Rendered, text: str) -> None:
    request = _request(merge_result)
    assert text in request.redacted_url()
    assert not any(secret in request.redacted_url() for secret in request.secrets)


@then(parsers.parse("rendering fails because the token at position {position:d} is malformed"))
def _malformed(merge_result: Rendered, position: int) -> None:
    error = merge_result.error
    assert isinstance(error, TemplateError), merge_result
    assert not isinstance(error, UnresolvedTokenError | MissingSecretError)
    assert f"position {position}" in str(error)
