"""The key templating property: no value can change a request's structure.

For any field values, the rendered request has exactly the template's host,
path and parameter names, and every parameter decodes back to the value meant
for it (the field, or the default when the field is empty).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from connector.config import ApiConfig, BodyEncoding
from connector.errors import TemplateError
from connector.templating import MergeContext, RenderedRequest, render_request

pytestmark = pytest.mark.templating

HOST = "calls.example"
DEFAULT = "dflt"
# What counts as "no value" for a CRM field (docs/connector.md, mail-merge): blank
# text; "null", "None" or "undefined" are values, sent as written.
_EMPTY = {""}
_TOKEN = re.compile(r"@\{[^:{}]*:[^,{}]*(?:,[^{}]*)?\}")

HOSTILE = [
    "A&api_key=x#",
    "null",
    "None",
    "",
    "   ",
    "@{Lead:Phone,}",
    "नमस्ते 😀 ü",
    "x" * 10_240,
    "%",
    "%2B91",
    "+",
    "=",
    "/",
    "?",
    "#",
    "..",
    "line\nbreak\r\n",
    '"}, "admin": true, "x": {"',
    "${OZ_KEY}",
    "\x00",
]


def intended(value: str) -> str:
    """The value a parameter must carry: the field, or the default when it is empty."""
    stripped = value.strip()
    if stripped.lower() in _EMPTY or _TOKEN.fullmatch(stripped):
        return DEFAULT
    return value


def _api(placement: str) -> ApiConfig:
    url = f"https://{HOST}/v1/calls?fixed=1&a=@{{Lead:A,{DEFAULT}}}"
    params = {"b": f"@{{Lead:B,{DEFAULT}}}", "k": "const", "both": "@{Lead:A,dflt}-@{Lead:B,dflt}"}
    if placement == "query":
        return ApiConfig(url=url, params=params)
    if placement == "path":
        return ApiConfig(url=f"https://{HOST}/v1/@{{Lead:A,{DEFAULT}}}/x/@{{Lead:B,{DEFAULT}}}")
    if placement == "raw":
        template = json.dumps(
            {"b": f"@{{Lead:B,{DEFAULT}}}", "k": "const", "nested": [f"@{{Lead:A,{DEFAULT}}}"]}
        )
        return ApiConfig(method="POST", url=url, body=BodyEncoding.RAW, body_template=template)
    return ApiConfig(method="POST", url=url, params=params, body=BodyEncoding(placement))


def _check_query(request: RenderedRequest, a: str, b: str) -> None:
    query = parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
    assert query == [("fixed", "1"), ("a", a), ("b", b), ("k", "const"), ("both", f"{a}-{b}")]
    assert request.body is None


def _url_query(request: RenderedRequest) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(request.url).query, keep_blank_values=True)


def _body(request: RenderedRequest) -> str:
    assert request.body is not None
    return request.body.decode("utf-8")


def _check_form(request: RenderedRequest, a: str, b: str) -> None:
    assert _url_query(request) == [("fixed", "1"), ("a", a)]
    body = parse_qsl(_body(request), keep_blank_values=True)
    assert body == [("b", b), ("k", "const"), ("both", f"{a}-{b}")]


def _check_json(request: RenderedRequest, a: str, b: str) -> None:
    assert _url_query(request) == [("fixed", "1"), ("a", a)]
    assert json.loads(_body(request)) == {"b": b, "k": "const", "both": f"{a}-{b}"}


def _check_raw(request: RenderedRequest, a: str, b: str) -> None:
    assert _url_query(request) == [("fixed", "1"), ("a", a)]
    assert json.loads(_body(request)) == {"b": b, "k": "const", "nested": [a]}


def _check_path(request: RenderedRequest, a: str, b: str) -> None:
    parts = urlsplit(request.url)
    assert (parts.query, parts.fragment) == ("", "")
    segments = parts.path.split("/")
    assert len(segments) == 5
    assert [segments[1], segments[3]] == ["v1", "x"]
    assert [unquote(segments[2]), unquote(segments[4])] == [a, b]


CHECKS: dict[str, Callable[[RenderedRequest, str, str], None]] = {
    "query": _check_query,
    "form": _check_form,
    "json": _check_json,
    "raw": _check_raw,
    "path": _check_path,
}
VALUES = st.text(max_size=300) | st.sampled_from(HOSTILE)


@pytest.mark.parametrize("placement", sorted(CHECKS))
@settings(max_examples=100, deadline=None)
@given(a=VALUES, b=VALUES)
@example(a="A&api_key=x#", b="null")
@example(a="x" * 10_240, b="नमस्ते 😀")
@example(a="%", b="+")
@example(a="=", b="/")
@example(a="?", b="#")
@example(a="line\nbreak", b="a\r\nb")
@example(a="..", b="@{Lead:Phone,}")
@example(a='"}, "admin": true, "x": {"', b="\\")
def test_values_never_change_the_request_structure(placement: str, a: str, b: str) -> None:
    """Host and parameter names fixed; each value decodes back to what was meant."""
    ctx = MergeContext(lead={"A": a, "B": b})
    request = render_request(_api(placement), ctx)
    parts = urlsplit(request.url)
    assert (parts.scheme, parts.netloc) == ("https", HOST)
    if placement != "path":
        assert parts.path == "/v1/calls"
    CHECKS[placement](request, intended(a), intended(b))


@settings(max_examples=100, deadline=None)
@given(value=VALUES)
@example(value="a\r\nX-Injected: yes")
@example(value="plain")
@example(value="Ünïcødé 名前")
def test_header_values_are_one_line_of_ascii_or_refused(value: str) -> None:
    api = ApiConfig(url=f"https://{HOST}/x", headers={"X-Lead": "id @{Lead:A,dflt}"})
    expected = "id " + intended(value)
    if any(ch in expected for ch in "\r\n\x00") or not expected.isascii():
        with pytest.raises(TemplateError, match=r"headers\.X-Lead"):
            render_request(api, MergeContext(lead={"A": value}))
    else:
        request = render_request(api, MergeContext(lead={"A": value}))
        assert request.headers == (("X-Lead", expected),)


# Keys are ASCII (a non-ASCII value in a header is refused, tested above).
def test_a_non_ascii_header_value_is_refused_naming_the_token_not_the_value() -> None:
    api = ApiConfig(url=f"https://{HOST}/x", headers={"X-Lead": "@{Lead:FirstName}"})
    with pytest.raises(TemplateError) as refused:
        render_request(api, MergeContext(lead={"FirstName": "Ünïcødé 名前"}))
    message = str(refused.value)
    assert message.startswith("headers.X-Lead: the value of @{Lead:FirstName} holds non-ASCII")
    assert "Ünïcødé" not in message
    assert "\n" not in message


SECRETS = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=60
).filter(lambda s: s.strip() != "" and "*" not in s)


@settings(max_examples=100, deadline=None)
@given(secret=SECRETS)
@example(secret="KK+1/2&x=3#")
@example(secret='q"uo\\te')
def test_secrets_never_survive_redaction(secret: str) -> None:
    api = ApiConfig(
        method="POST",
        url=f"https://{HOST}/x?api_key=${{KEY}}",
        headers={"Authorization": "Bearer ${KEY}"},
        body=BodyEncoding.RAW,
        body_template='{"key": "${KEY}"}',
    )
    request = render_request(api, MergeContext(env={"KEY": secret}))
    assert request.secret_names == {secret: "KEY"}
    shown = [request.redacted_url(), request.redacted_body() or ""]
    shown += [value for _, value in request.redacted_headers()]
    for text in shown:
        for form in (secret, quote(secret, safe=""), json.dumps(secret)[1:-1]):
            assert form not in text
