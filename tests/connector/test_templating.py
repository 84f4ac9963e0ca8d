"""Mail-merge templating: tokens, defaults, errors, placements and secrets."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from connector.config import NUMBER_FORMATS, ApiConfig, BodyEncoding, parse_config
from connector.errors import ConfigError, MissingSecretError, TemplateError, UnresolvedTokenError
from connector.phone import parse_phone
from connector.templating import (
    MergeContext,
    render_request,
    render_text,
    tokens_in_api,
)
from connector.tokens import Token, find_tokens

pytestmark = pytest.mark.templating

CTX = MergeContext(
    lead={"Phone": "+91-9876543210", "FirstName": "Asha", "mx_City": "Pune"},
    user={
        "EmailAddress": "agent@example.com",
        "TelephonyAgentId": "agent1",
        "mx_Custom_8": "Inbound_918030000001",
        "PhoneMobile": "+91 98000 00001",
    },
    owner={"EmailAddress": "owner@example.com"},
    customer_number=parse_phone("09876543210"),
    env={"OZ_KEY": "KKsecret0001", "TOKEN": "tok-123"},
)


def _config_problems(api: dict[str, object]) -> list[str]:
    """The problem lines of a config whose click_to_call is ``api``."""
    with pytest.raises(ConfigError) as info:
        parse_config({"apis": {"click_to_call": api}})
    return info.value.problems


# -- tokens and values ------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("@{Lead:FirstName,}", "Asha"),
        ("@{Lead:FirstName}", "Asha"),
        ("@{lead:FirstName,}", "Asha"),
        ("@{LEAD:firstname,}", "Asha"),
        ("@{User:EmailAddress}", "agent@example.com"),
        ("@{Owner:EmailAddress,}", "owner@example.com"),
        ("@{Lead:Missing,fallback}", "fallback"),
        ("@{Lead:Missing, a, b }", " a, b "),
        ("@VirtualNumber", "Inbound_918030000001"),
        ("@CustomerNumber", "+91-9876543210"),
        ("@AssociatedPhoneNumberWithoutCountryCode", "9800000001"),
        ("{{Agent_Number}}", "9800000001"),
        ("{{ Agent_Number }}", "9800000001"),
        ("${OZ_KEY}", "KKsecret0001"),
        ("Bearer ${TOKEN}", "Bearer tok-123"),
        ("Hi @{Lead:FirstName,} from @{lead:mx_City,}!", "Hi Asha from Pune!"),
    ],
)
def test_each_token_kind_renders_its_value(template: str, expected: str) -> None:
    assert render_text(template, CTX) == expected


@pytest.mark.parametrize(
    "template",
    ["mail me at a@b.com", "$5 off", "{not a token}", "{{", "@customer", "me@Customer", "@ 5"],
)
def test_text_that_is_not_a_token_stays_literal(template: str) -> None:
    assert render_text(template, CTX) == template


@pytest.mark.parametrize(
    ("template", "suggested"),
    [
        ("@Customer", "@CustomerNumber"),
        ("@CustomerNumbers", "@CustomerNumber"),
        ("to @VirtualNumbr", "@VirtualNumber"),
        ("@Agent_Number", "{{Agent_Number}}"),
    ],
)
def test_a_misspelt_at_token_is_refused_with_the_closest_token(
    template: str, suggested: str
) -> None:
    # These were sent literally to the provider: "@CustomerNumbers" is no token.
    with pytest.raises(TemplateError) as info:
        render_text(template, CTX, where="params.to")
    assert str(info.value).startswith("params.to: unknown token @")
    assert str(info.value).endswith(f"did you mean {suggested}?")


def test_an_at_word_like_no_token_lists_the_tokens() -> None:
    with pytest.raises(TemplateError, match="the @ tokens are @AssociatedPhone"):
        render_text("@Zebra", CTX)


@pytest.mark.parametrize("empty", [None, "", "   ", "@{Lead:Phone,}"])
def test_default_replaces_an_empty_field(empty: str | None) -> None:
    ctx = MergeContext(lead={"Phone": empty})  # type: ignore[dict-item]
    assert render_text("@{Lead:Phone,0000}", ctx) == "0000"


@pytest.mark.parametrize("template", ["@{Lead:Phone,}", "@{Lead:Phone,null}"])
@pytest.mark.parametrize("empty", [None, ""])
def test_an_empty_default_renders_an_empty_field_as_empty(template: str, empty: str | None) -> None:
    # The seed sends LeadPhone=@{Lead:Phone,}&LeadMobile=@{Lead:Mobile,} side by side:
    # the trailing comma says an empty value is acceptable (never the text "null").
    ctx = MergeContext(lead={"Phone": empty})  # type: ignore[dict-item]
    assert render_text("n=" + template, ctx) == "n="


@pytest.mark.parametrize("empty", [None, "", "  "])
def test_empty_field_without_default_is_unresolved(empty: str | None) -> None:
    template = "@{Lead:Phone}"
    ctx = MergeContext(lead={"Phone": empty})  # type: ignore[dict-item]
    with pytest.raises(UnresolvedTokenError) as info:
        render_text("n=" + template, ctx, where="params.customerNumber")
    assert info.value.token == template
    assert info.value.position == 2
    assert info.value.where == "params.customerNumber"
    assert "params.customerNumber" in str(info.value)
    assert "lead field Phone is empty" in str(info.value)


def test_virtual_number_reads_the_configured_user_field() -> None:
    ctx = MergeContext(user={"mx_Custom_9": "918030000002"}, virtual_number_field="mx_Custom_9")
    assert render_text("@VirtualNumber", ctx) == "918030000002"
    with pytest.raises(UnresolvedTokenError, match="user field mx_Custom_8"):
        render_text("@VirtualNumber", MergeContext(user={"mx_Custom_9": "x"}))


@pytest.mark.parametrize(
    "written",
    ["9876543210", "09876543210", "919876543210", "+919876543210", "+91 98765 43210"],
)
def test_customer_number_is_always_sent_in_crm_form(written: str) -> None:
    assert render_text("@CustomerNumber", MergeContext(customer_number=parse_phone(written))) == (
        "+91-9876543210"
    )


def test_a_missing_customer_number_is_unresolved() -> None:
    # Numbers are parsed where they come in (flows, test-api samples): a bad one
    # never reaches a template, and a missing one stops it here.
    with pytest.raises(UnresolvedTokenError, match="customer number"):
        render_text("@CustomerNumber", MergeContext(customer_number=None), where="url")


@pytest.mark.parametrize(
    ("ctx", "expected"),
    [
        (
            MergeContext(agent_phone=parse_phone("+91-9800000009"), user={"Phone": "9800000001"}),
            "9800000009",
        ),
        (MergeContext(user={"PhoneMobile": "919800000001", "Phone": "9800000002"}), "9800000001"),
        (MergeContext(user={"PhoneMobile": "", "Phone": "09800000002"}), "9800000002"),
    ],
)  # fmt: skip
def test_agent_phone_falls_back_to_the_user_record(ctx: MergeContext, expected: str) -> None:
    assert render_text("@AssociatedPhoneNumberWithoutCountryCode", ctx) == expected
    assert render_text("{{Agent_Number}}", ctx) == expected


def test_no_agent_phone_at_all_is_unresolved() -> None:
    with pytest.raises(UnresolvedTokenError, match="agent phone"):
        render_text("{{Agent_Number}}", MergeContext())


def test_missing_secret_names_the_variable_only() -> None:
    ctx = MergeContext(env={"OTHER": "KKdonotshow"})
    with pytest.raises(MissingSecretError) as info:
        render_text("key=${OZ_KEY}", ctx, where="params.api_key")
    assert info.value.variable == "OZ_KEY"
    assert "OZ_KEY" in str(info.value)
    assert "params.api_key" in str(info.value)
    assert "KKdonotshow" not in str(info.value)


def test_an_empty_secret_counts_as_missing() -> None:
    with pytest.raises(MissingSecretError):
        render_text("${OZ_KEY}", MergeContext(env={"OZ_KEY": ""}))


@pytest.mark.parametrize(
    ("template", "needle"),
    [
        ("x @{Lead:}", "position 2"),
        ("x @{Foo:Bar}", "use Lead, User or Owner"),
        ("x @{Lead:Phone", "not closed"),
        ("x @{Lead}", "position 2"),
        ("x @{Lead:Pho ne}", "field name"),
        ("x ${1BAD}", "position 2"),
        ("x ${OZ_KEY", "position 2"),
        ("x {{Agent_Numbr}}", "{{Agent_Number}}"),
    ],
)
def test_malformed_tokens_raise_with_position(template: str, needle: str) -> None:
    with pytest.raises(TemplateError) as info:
        render_text(template, CTX, where="url")
    assert not isinstance(info.value, UnresolvedTokenError)
    assert needle in str(info.value)
    assert str(info.value).startswith("url:")


def test_field_values_are_not_rendered_again() -> None:
    ctx = MergeContext(lead={"Note": "${OZ_KEY} @CustomerNumber"}, env={"OZ_KEY": "KK"})
    assert render_text("@{Lead:Note}", ctx) == "${OZ_KEY} @CustomerNumber"


# -- finding tokens ----------------------------------------------------------


def test_find_tokens_reports_kind_field_default_and_position() -> None:
    template = (
        "a=@{Lead:Phone,}&b=@{User:EmailAddress}&c=@VirtualNumber&d=${OZ_KEY}&e={{Agent_Number}}"
    )
    tokens = find_tokens(template, "url")
    assert [(t.kind, t.field, t.default) for t in tokens] == [
        ("lead", "Phone", ""),
        ("user", "EmailAddress", None),
        ("virtual_number", None, None),
        ("env", "OZ_KEY", None),
        ("agent_number", None, None),
    ]
    assert all(template[t.position :].startswith(t.text) for t in tokens)
    assert {t.where for t in tokens} == {"url"}


def test_tokens_in_api_lists_each_token_once_with_where_it_was_first_seen() -> None:
    api = ApiConfig(
        method="POST",
        url="https://h.example/p?k=${OZ_KEY}&c=@CustomerNumber",
        params={"customerNumber": "@CustomerNumber", "agent": "@{User:TelephonyAgentId,}"},
        headers={"x-api-key": "${APP_KEY}"},
        body=BodyEncoding.RAW,
        body_template='{"who": "@{Lead:FirstName,}", "k": "${OZ_KEY}"}',
    )
    found = [(t.text, t.kind, t.where) for t in tokens_in_api(api)]
    assert found == [
        ("${OZ_KEY}", "env", "url"),
        ("@CustomerNumber", "customer_number", "url"),
        ("@{User:TelephonyAgentId,}", "user", "params.agent"),
        ("${APP_KEY}", "env", "headers.x-api-key"),
        ("@{Lead:FirstName,}", "lead", "body_template"),
    ]
    assert all(isinstance(t, Token) for t in tokens_in_api(api))


# -- requests ------------------------------------------------------------------

SEED_URL = (
    "https://api1.cloudagent.in/CAServices/AgentManualDial.php?api_key=${OZ_KEY}"
    "&username=lead_squared&agentID=@{User:TelephonyAgentId,}&campaignName=@VirtualNumber"
    "&customerNumber=@CustomerNumber"
)


def test_seed_sample_click_to_call_renders_as_ozonetel_expects() -> None:
    request = render_request(ApiConfig(url=SEED_URL), CTX)
    parts = urlsplit(request.url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "api1.cloudagent.in",
        "/CAServices/AgentManualDial.php",
    )
    assert parse_qsl(parts.query) == [
        ("api_key", "KKsecret0001"),
        ("username", "lead_squared"),
        ("agentID", "agent1"),
        ("campaignName", "Inbound_918030000001"),
        ("customerNumber", "+91-9876543210"),
    ]
    assert "%2B91-9876543210" in request.url  # "+" must not arrive as a space
    assert request.method == "GET"
    assert request.body is None
    assert request.content_type is None


def test_get_puts_url_parameters_first_then_params() -> None:
    api = ApiConfig(
        url="https://h.example/x?a=1&b=@{Lead:FirstName}", params={"c": "@{Lead:mx_City}"}
    )
    query = parse_qsl(urlsplit(render_request(api, CTX).url).query)
    assert query == [("a", "1"), ("b", "Asha"), ("c", "Pune")]


def test_post_form_keeps_url_query_and_sends_params_in_the_body() -> None:
    api = ApiConfig(
        method="POST",
        url="https://h.example/x?v=2",
        params={"to": "@CustomerNumber"},
        body=BodyEncoding.FORM,
    )
    request = render_request(api, CTX)
    assert urlsplit(request.url).query == "v=2"
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.body is not None
    assert parse_qsl(request.body.decode()) == [("to", "+91-9876543210")]


def test_post_without_body_setting_defaults_to_form() -> None:
    request = render_request(
        ApiConfig(method="POST", url="https://h.example/", params={"a": "1"}), CTX
    )
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.body == b"a=1"


def test_post_json_sends_params_as_an_object() -> None:
    api = ApiConfig(
        method="POST",
        url="https://h.example/x",
        params={"agent_phone": "{{Agent_Number}}", "name": "@{Lead:FirstName}"},
        body=BodyEncoding.JSON,
    )
    request = render_request(api, CTX)
    assert request.content_type == "application/json"
    assert request.body is not None
    assert json.loads(request.body) == {"agent_phone": "9800000001", "name": "Asha"}


def test_raw_body_escapes_values_inside_json_strings() -> None:
    ctx = MergeContext(
        lead={"Name": 'a", "admin": true, "x": "'}, customer_number=parse_phone("9876543210")
    )
    api = ApiConfig(
        method="POST",
        url="https://h.example/x",
        body=BodyEncoding.RAW,
        body_template='{"name": "@{Lead:Name}", "customer_number": "@CustomerNumber"}',
    )
    request = render_request(api, ctx)
    assert request.body is not None
    assert json.loads(request.body) == {
        "name": 'a", "admin": true, "x": "',
        "customer_number": "+91-9876543210",
    }


@pytest.mark.parametrize(
    "template",
    ['{"n": @{Lead:FirstName}}', '{"n": "@{Lead:FirstName}"', "not json @{Lead:FirstName}"],
)
def test_raw_body_template_must_be_json_with_tokens_in_strings(template: str) -> None:
    # Refused when the config is read, with its path: no call can ever render it.
    api = {"method": "POST", "url": "https://h.example/x", "body_template": template}
    [problem] = _config_problems(api)
    assert problem.startswith("apis.click_to_call.body_template: not a JSON document")
    assert "tokens inside strings" in problem


@pytest.mark.parametrize("value", ["a/b", "../..", "..", "x?y=1", "x#frag", "100%", "a b"])
def test_path_tokens_are_one_encoded_segment(value: str) -> None:
    api = ApiConfig(url="https://h.example/calls/@{Lead:Id}/status")
    request = render_request(api, MergeContext(lead={"Id": value}))
    parts = urlsplit(request.url)
    assert parts.netloc == "h.example"
    assert parts.query == ""
    assert parts.fragment == ""
    segments = parts.path.split("/")
    assert segments[:2] == ["", "calls"]
    assert segments[3:] == ["status"]
    assert unquote(segments[2]) == value


def test_tokens_in_the_host_are_refused() -> None:
    assert _config_problems({"url": "https://${HOST}/x"}) == [
        "apis.click_to_call.url: tokens are not allowed in the scheme or host; write them out"
    ]


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "a\nb", "a\rb"])
def test_header_values_with_line_breaks_are_refused(bad: str) -> None:
    api = ApiConfig(url="https://h.example/x", headers={"X-Name": "@{Lead:Name}"})
    with pytest.raises(TemplateError, match=r"headers\.X-Name") as info:
        render_request(api, MergeContext(lead={"Name": bad}))
    assert bad not in str(info.value)


def test_headers_render_and_secrets_are_redacted_everywhere() -> None:
    api = ApiConfig(
        method="POST",
        url="https://h.example/x?api_key=${OZ_KEY}",
        headers={"Authorization": "Bearer ${TOKEN}", "x-api-key": "${APP}"},
        params={"key": "${APP}", "to": "@CustomerNumber"},
        body=BodyEncoding.JSON,
    )
    ctx = MergeContext(
        customer_number=parse_phone("9876543210"),
        env={"OZ_KEY": "KK+1/2", "TOKEN": "t0k", "APP": "a&p"},
    )
    request = render_request(api, ctx)
    assert request.headers == (("Authorization", "Bearer t0k"), ("x-api-key", "a&p"))
    assert request.secrets == frozenset({"KK+1/2", "t0k", "a&p"})
    assert dict(request.secret_names) == {"KK+1/2": "OZ_KEY", "t0k": "TOKEN", "a&p": "APP"}
    assert "KK%2B1%2F2" in request.url
    redacted_url = request.redacted_url()
    assert "KK" not in redacted_url
    assert parse_qsl(urlsplit(redacted_url).query) == [("api_key", "***")]
    assert request.redacted_headers() == (("Authorization", "Bearer ***"), ("x-api-key", "***"))
    redacted_body = request.redacted_body()
    assert redacted_body is not None
    assert json.loads(redacted_body) == {"key": "***", "to": "+91-9876543210"}


def test_configured_content_type_wins() -> None:
    api = ApiConfig(
        method="POST",
        url="https://h.example/x",
        params={"a": "1"},
        headers={"Content-Type": "application/json; charset=utf-8"},
        body=BodyEncoding.JSON,
    )
    assert render_request(api, CTX).content_type == "application/json; charset=utf-8"


def test_unresolved_token_in_a_param_names_the_param() -> None:
    api = ApiConfig(url="https://h.example/x", params={"customerNumber": "@{Lead:Mobile}"})
    with pytest.raises(UnresolvedTokenError) as info:
        render_request(api, CTX)
    assert info.value.where == "params.customerNumber"
    assert info.value.position == 0


def test_unresolved_token_in_the_url_gives_its_position_in_the_url() -> None:
    url = "https://h.example/x?a=1&b=@{Lead:Mobile}"
    with pytest.raises(UnresolvedTokenError) as info:
        render_request(ApiConfig(url=url), CTX)
    assert info.value.where == "url"
    assert url[info.value.position :] == "@{Lead:Mobile}"


def test_rendered_output_never_holds_a_token_or_null() -> None:
    ctx = MergeContext(
        lead={"A": None, "B": "@{Lead:Phone,}"},  # type: ignore[dict-item]
        customer_number=parse_phone("9876543210"),
    )
    api = ApiConfig(
        url="https://h.example/x?a=@{Lead:A,none-given}&b=@{Lead:B,x}&c=@CustomerNumber"
    )
    request = render_request(api, ctx)
    assert "@{" not in unquote(request.url)
    assert "null" not in request.url
    assert parse_qsl(urlsplit(request.url).query) == [
        ("a", "none-given"),
        ("b", "x"),
        ("c", "+91-9876543210"),
    ]


# -- number forms and the call-log URL -----------------------------------------

NUMBERS = MergeContext(
    user={"mx_Custom_8": "918030000001", "mx_Custom_9": "Inbound_918030000001"},
    customer_number=parse_phone("09876543210"),
    agent_phone=parse_phone("+91 98000 00001"),
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("@CustomerNumber", "+91-9876543210"),
        ("@CustomerNumber[crm]", "+91-9876543210"),
        ("@CustomerNumber[e164]", "+919876543210"),
        ("@CustomerNumber[with_country_code]", "919876543210"),
        ("@CustomerNumber[national]", "9876543210"),
        ("@CustomerNumber[trunk]", "09876543210"),
        ("@AssociatedPhoneNumberWithoutCountryCode", "9800000001"),
        ("@AssociatedPhoneNumberWithoutCountryCode[e164]", "+919800000001"),
        ("{{Agent_Number}}", "9800000001"),
        ("{{Agent_Number[e164]}}", "+919800000001"),
        ("{{ Agent_Number[trunk] }}", "09800000001"),
        ("@VirtualNumber", "918030000001"),
        ("@VirtualNumber[e164]", "+918030000001"),
        ("@VirtualNumber[crm]", "+91-8030000001"),
        ("c=@CustomerNumber[e164]&d=@VirtualNumber[national]", "c=+919876543210&d=8030000001"),
    ],
)  # fmt: skip
def test_a_number_token_renders_the_form_its_suffix_asks_for(template: str, expected: str) -> None:
    assert render_text(template, NUMBERS) == expected


def test_every_number_format_is_a_suffix_of_every_number_token() -> None:
    number = parse_phone("9876543210")
    ctx = MergeContext(
        user={"mx_Custom_8": "9876543210"}, customer_number=number, agent_phone=number
    )
    for fmt in NUMBER_FORMATS:
        for name in (
            "@CustomerNumber",
            "@AssociatedPhoneNumberWithoutCountryCode",
            "@VirtualNumber",
        ):
            assert render_text(f"{name}[{fmt}]", ctx) == number.format(fmt)
        assert render_text(f"{{{{Agent_Number[{fmt}]}}}}", ctx) == number.format(fmt)


def test_the_agent_form_applies_to_the_user_record_fallback_too() -> None:
    ctx = MergeContext(user={"PhoneMobile": "09800000001"})
    assert render_text("{{Agent_Number[e164]}}", ctx) == "+919800000001"


def test_a_suffix_is_part_of_the_token_text() -> None:
    template = "a=@CustomerNumber[e164]&b={{Agent_Number[national]}}&c=@VirtualNumber"
    tokens = find_tokens(template)
    assert [(t.text, t.kind, t.number_format) for t in tokens] == [
        ("@CustomerNumber[e164]", "customer_number", "e164"),
        ("{{Agent_Number[national]}}", "agent_number", "national"),
        ("@VirtualNumber", "virtual_number", None),
    ]
    assert all(template[t.position :].startswith(t.text) for t in tokens)


@pytest.mark.parametrize(
    ("template", "needle"),
    [
        ("x @CustomerNumber[e165]", "number format 'e165'; use one of crm, e164"),
        ("x @CustomerNumber[]", "number format ''; use one of"),
        ("x @VirtualNumber[E164]", "number format 'E164'"),
        ("x {{Agent_Number[intl]}}", "number format 'intl'"),
        ("x @CustomerNumber[e164", "not closed; write @CustomerNumber[e164]"),
        ("x {{Agent_Number[e164}}", "write {{Agent_Number[e164]}}"),
        ("x @CallbackUrl[e164]", "takes no number format"),
    ],
)
def test_a_bad_number_form_is_a_template_error_at_the_token(template: str, needle: str) -> None:
    with pytest.raises(TemplateError) as info:
        render_text(template, NUMBERS, where="params.to")
    assert not isinstance(info.value, UnresolvedTokenError)
    assert needle in str(info.value)
    assert str(info.value).startswith("params.to: ")
    assert "position 2" in str(info.value)


def test_an_unknown_form_stops_the_config_before_any_call() -> None:
    [problem] = _config_problems(
        {"url": "https://h.example/x", "params": {"to": "@CustomerNumber[intl]"}}
    )
    assert problem.startswith(
        "apis.click_to_call.params.to: token @CustomerNumber[intl] at position 0"
    )
    assert "use one of crm, e164, with_country_code, national, trunk" in problem


def test_a_virtual_number_that_is_no_number_has_no_form() -> None:
    ctx = MergeContext(user={"mx_Custom_8": "Inbound_918030000001"})
    assert render_text("@VirtualNumber", ctx) == "Inbound_918030000001"  # as written
    with pytest.raises(UnresolvedTokenError) as info:
        render_text("k=@VirtualNumber[e164]", ctx, where="params.k_number")
    assert info.value.token == "@VirtualNumber[e164]"
    assert info.value.position == 2
    assert "user field mx_Custom_8 (virtual number) is not a phone number" in str(info.value)


def test_a_suffix_is_never_read_inside_a_default() -> None:
    # @{...} defaults are literal text: a bracket there is not a number form.
    ctx = MergeContext(lead={})
    assert render_text("@{Lead:Phone,[e164]}", ctx) == "[e164]"
    assert render_text("n[@CustomerNumber]", NUMBERS) == "n[+91-9876543210]"


def test_number_forms_are_encoded_like_any_value() -> None:
    api = ApiConfig(url="https://h.example/x?to=@CustomerNumber[e164]&crm=@CustomerNumber")
    request = render_request(api, NUMBERS)
    assert "to=%2B919876543210" in request.url
    assert parse_qsl(urlsplit(request.url).query) == [
        ("to", "+919876543210"),
        ("crm", "+91-9876543210"),
    ]


def test_callback_url_renders_encoded_for_where_it_lands() -> None:
    url = "https://crm.example/calllog?token=a&b=c#frag"
    ctx = MergeContext(callback_url=url)
    query = render_request(ApiConfig(url="https://h.example/x?cb=@CallbackUrl&k=1"), ctx)
    assert parse_qsl(urlsplit(query.url).query) == [("cb", url), ("k", "1")]
    body = render_request(
        ApiConfig(
            method="POST",
            url="https://h.example/x",
            body=BodyEncoding.RAW,
            body_template='{"webhook": "@CallbackUrl"}',
        ),
        ctx,
    )
    assert body.body is not None
    assert json.loads(body.body) == {"webhook": url}


@pytest.mark.parametrize("missing", [None, "", "  "])
def test_a_missing_callback_url_is_unresolved_before_sending(missing: str | None) -> None:
    api = ApiConfig(url="https://h.example/x", params={"callback": "@CallbackUrl"})
    with pytest.raises(UnresolvedTokenError) as info:
        render_request(api, MergeContext(callback_url=missing))
    assert info.value.token == "@CallbackUrl"
    assert info.value.where == "params.callback"
    assert "no call-log URL is known" in str(info.value)


def test_a_callback_url_naming_callback_url_itself_is_unresolved() -> None:
    # A --sample or --callback-url no config validation saw: refused, not rendered forever.
    api = ApiConfig(url="https://h.example/x", params={"callback": "@CallbackUrl"})
    ctx = MergeContext(callback_url="https://crm.example/x?again=@CallbackUrl")
    with pytest.raises(UnresolvedTokenError, match="holds @CallbackUrl itself") as info:
        render_request(api, ctx)
    assert info.value.where == "params.callback"


@pytest.mark.parametrize("literal", ["Null", "null", "NULL", "None", "none", "undefined", "nil"])
def test_a_literal_null_word_is_a_value_sent_as_written(literal: str) -> None:
    # A surname may be Null or None: only a missing value is empty.
    ctx = MergeContext(lead={"LastName": literal}, customer_number=parse_phone("9876543210"))
    assert render_text("@{Lead:LastName}", ctx) == literal
    assert render_text("@{Lead:LastName,Unknown}", ctx) == literal
    query = ApiConfig(url="https://h.example/x?surname=@{Lead:LastName}")
    assert parse_qsl(urlsplit(render_request(query, ctx).url).query) == [("surname", literal)]
    body = ApiConfig(
        method="POST",
        url="https://h.example/x",
        body=BodyEncoding.JSON,
        params={"surname": "@{Lead:LastName}"},
    )
    sent = render_request(body, ctx).body
    assert sent is not None
    assert json.loads(sent) == {"surname": literal}


def test_a_literal_null_word_in_the_agent_phone_is_not_skipped() -> None:
    # It is the field's value, and not a phone number: said, not replaced by another field.
    ctx = MergeContext(user={"PhoneMobile": "None", "Phone": "09800000002"})
    with pytest.raises(UnresolvedTokenError, match="agent phone"):
        render_text("{{Agent_Number}}", ctx)


@pytest.mark.parametrize("default", ["null", "NULL", "None", "undefined", "  "])
def test_a_null_word_as_the_default_still_means_empty(default: str) -> None:
    # A default is the config's syntax, not CRM data: @{Lead:Phone,null} sends nothing.
    assert render_text(f"n=@{{Lead:Phone,{default}}}", MergeContext(lead={})) == "n="
