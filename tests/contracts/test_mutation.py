"""Request edits: blank or swap a parameter wherever the config put it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from contracts.clauses.mutation import replace_values, set_named

pytestmark = pytest.mark.conformance


@dataclass(frozen=True)
class FakeRequest:
    """The fields of connector.RenderedRequest that mutation touches."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    content_type: str | None = None


def test_set_named_blanks_a_query_parameter_in_any_spelling() -> None:
    request = FakeRequest("GET", "http://h/PullAPI?apiKey=K1&userName=demo&agentPhoneNumber=98")
    edited, count = set_named(request, {"user_name"}, "")
    assert count == 1
    query = parse_qs(urlsplit(edited.url).query, keep_blank_values=True)
    assert query == {"apiKey": ["K1"], "userName": [""], "agentPhoneNumber": ["98"]}


def test_set_named_reaches_form_bodies_and_headers() -> None:
    request = FakeRequest(
        "POST",
        "http://h/click2call",
        headers=(("x-api-key", "K2"), ("accept", "*/*")),
        body=b"api_key=K1&username=demo",
        content_type="application/x-www-form-urlencoded",
    )
    edited, count = set_named(request, {"api_key", "X-Api-Key"}, "WRONG")
    assert count == 2
    assert parse_qs(edited.body.decode()) == {"api_key": ["WRONG"], "username": ["demo"]}
    assert dict(edited.headers) == {"x-api-key": "WRONG", "accept": "*/*"}


def test_replace_values_swaps_a_json_body_field_by_value() -> None:
    request = FakeRequest(
        "POST",
        "http://h/makecall",
        body=json.dumps(
            {"customer_number": "+91-9812345678", "k_number": "+918030000001"}
        ).encode(),
        content_type="application/json",
    )
    edited, count = replace_values(request, {"+91-9812345678"}, "9812345678")
    assert count == 1
    assert json.loads(edited.body) == {
        "customer_number": "9812345678",
        "k_number": "+918030000001",
    }


def test_nothing_matched_leaves_the_request_as_it_was() -> None:
    request = FakeRequest("GET", "http://h/x?a=1")
    edited, count = set_named(request, {"userName"}, "")
    assert count == 0
    assert edited == request
