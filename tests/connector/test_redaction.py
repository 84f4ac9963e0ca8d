"""Redaction: secrets in every encoding, credential keys, masked phone numbers."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.redaction import MASK, Redactor, ScrubbedRecord, is_secret_key, mask_number

SECRET = "KKab+cd/ef&gh=ij"


@pytest.mark.parametrize(
    "form",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote_plus(SECRET),
        json.dumps(SECRET)[1:-1],
    ],
)
def test_secret_is_hidden_in_each_encoding(form: str) -> None:
    text = f"GET /dial?key={form}&x=1"
    redacted = Redactor([SECRET]).text(text)
    assert form not in redacted
    assert MASK in redacted
    assert redacted.endswith("&x=1")


def test_json_escaped_secret_is_hidden() -> None:
    secret = 'to"k\\en'
    body = json.dumps({"auth": secret})
    assert secret not in Redactor([secret]).text(body)
    assert json.dumps(secret)[1:-1] not in Redactor([secret]).text(body)


def test_longer_secret_is_replaced_whole_when_it_contains_a_shorter_one() -> None:
    redacted = Redactor(["abc", "abcdef"]).text("x=abcdef")
    assert redacted == "x=***"


def test_empty_secret_is_ignored() -> None:
    assert Redactor([""]).text("plain text") == "plain text"


def test_credential_parameters_are_hidden_without_knowing_the_secret() -> None:
    query = urlencode({"api_key": "KK1", "apiKey": "KK2", "username": "demo"})
    redacted = Redactor().text("https://h/p?" + query)
    assert "KK1" not in redacted
    assert "KK2" not in redacted
    assert "username=demo" in redacted


def test_credential_keys_in_json_text_are_hidden() -> None:
    text = '{"Apikey": "KKecho", "status": "ok"}'
    redacted = Redactor().text(text)
    assert "KKecho" not in redacted
    assert '"status": "ok"' in redacted


def test_phone_numbers_keep_their_last_four_digits() -> None:
    redacted = Redactor().text("called +91-9876543210 and 09812345678 from 918067417503")
    assert redacted == "called +91-******3210 and *******5678 from ********7503"


def test_show_numbers_leaves_numbers_alone() -> None:
    text = "called +91-9876543210"
    assert Redactor(show_numbers=True).text(text) == text


def test_encoded_plus_before_a_number_is_kept() -> None:
    assert Redactor().text("n=%2B91-9876543210") == "n=%2B91-******3210"


@pytest.mark.parametrize(
    "text",
    [
        "2018-08-06 16:59:33",  # timestamps
        "ucid 9049754955340984",  # UCIDs are longer than any phone number
        "call_id 3.14159265358979",  # decimals
        "short 12345",
    ],
)
def test_non_numbers_are_not_masked(text: str) -> None:
    assert Redactor().text(text) == text


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+91-9876543210", "+91-******3210"),
        ("+919876543210", "+91******3210"),
        ("9876543210", "******3210"),
        ("98765 43210", "***** *3210"),
        ("+1 202 555 0123", "+1 *** *** 0123"),
        ("12345", "*****"),
    ],
)
def test_mask_number(value: str, masked: str) -> None:
    assert mask_number(value) == masked


@pytest.mark.parametrize(
    "key",
    ["api_key", "apikey", "apiKey", "Apikey", "token", "secret", "password", "Authorization",
     "x-api-key", "X-Api-Key", "accessKey", "AccessKey", "secretKey", "access_token",
     "client_secret"],
)  # fmt: skip
def test_secret_key_names(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["username", "status", "tokenType", "monitorUCID", "keyword"])
def test_ordinary_key_names(key: str) -> None:
    assert not is_secret_key(key)


def test_mapping_redacts_by_key_and_by_value_recursively() -> None:
    payload = {
        "Apikey": "KKechoed",
        "x-api-key": "app-key",
        "status": "queued successfully",
        "CallerID": "919080600507",
        "AgentPhone": 9384842783,
        "note": f"sent with {SECRET}",
        "legs": [{"authorization": "uuid-1", "To": "09123456789"}],
        "empty_token": None,
    }
    redacted = Redactor([SECRET]).mapping(payload)
    assert redacted == {
        "Apikey": MASK,
        "x-api-key": MASK,
        "status": "queued successfully",
        "CallerID": "********0507",
        "AgentPhone": "******2783",
        "note": f"sent with {MASK}",
        "legs": [{"authorization": MASK, "To": "*******6789"}],
        "empty_token": None,
    }
    assert payload["Apikey"] == "KKechoed"  # the input is not modified


def test_mapping_keeps_numbers_when_asked() -> None:
    payload = {"CallerID": "919080600507", "count": 3, "ok": True}
    assert Redactor(show_numbers=True).mapping(payload) == payload


@settings(max_examples=100, deadline=None)
@given(
    secret=st.text(min_size=6, max_size=40).filter(lambda s: s.strip() == s and "*" not in s),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_a_secret_never_survives_in_any_encoding(secret: str, before: str, after: str) -> None:
    redactor = Redactor([secret])
    for form in (secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]):
        assert form not in redactor.text(before + form + after)


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "BEarer", "bEaReR"])
def test_a_scrubbed_record_hides_a_bearer_token_in_any_case(scheme: str) -> None:
    record = ScrubbedRecord({"note": f"sent with Authorization: {scheme} abc.DEF-123"})
    assert record == {"note": f"sent with Authorization: {scheme} {MASK}"}
