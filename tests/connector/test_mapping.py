"""Response mapping against the real answers in providers.md and the seed."""

from __future__ import annotations

import pytest

from connector.config import ResponseRule, RuleOutcome
from connector.document import Answer, BodyKind
from connector.mapping import Outcome, Reason, map_response

pytestmark = pytest.mark.mapping

S, E, D = RuleOutcome.SUCCESS, RuleOutcome.ERROR, RuleOutcome.DATA


def rule(key: str, value: str, outcome: RuleOutcome) -> ResponseRule:
    return ResponseRule(key=key, value=value, outcome=outcome)


# The seed's Ozonetel mappings, verbatim.
CLICK2CALL_NONJSON = [rule("NonJSON", "queued successfully", S)]
POPUP_RULES = [
    rule("customerNumber", "", D),
    rule("status", "success", S),
    rule("status", "error", E),
]
DID_RULES = [rule("status", "success", S), rule("data", "", D)]
AMD_RULES = [
    rule("status", "queued successfully", S),
    rule("status", "fail", E),
    rule("status", "fails", E),
    rule("status", "false", E),
    rule("ucid", "", D),
]


@pytest.mark.generic
@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        (
            '{"status":"success","customerNumber":"984xxxxxx","monitorUcid":"9179160xxxxx",'
            '"callStartTime":"2020-xx-xx xx:xx:xx"}',
            "success",
            "matched status=success",
        ),
        (
            '{ "status": "error","message": "userName should not be empty"}',
            "error",
            "userName should not be empty",
        ),
        (
            '{"status":"error",'
            '"message":"There is no call at this moment with this Agent PhoneNumber"}',
            "error",
            "There is no call at this moment with this Agent PhoneNumber",
        ),
        ('{"status": "error","message": "max limit exceeded"}', "error", "max limit exceeded"),
    ],
)
def test_seed_popup_rules_map_pull_api_answers(body: str, kind: str, message: str) -> None:
    outcome = map_response(POPUP_RULES, status=200, body=body)
    assert (outcome.kind, outcome.reason, outcome.message) == (kind, "rule", message)


def test_popup_success_captures_customer_number_and_records_coverage() -> None:
    body = '{"status":"success","customerNumber":"984xxxxxx","monitorUcid":"9179160xxxxx"}'
    outcome = map_response(POPUP_RULES, status=200, body=body, elapsed=0.25)
    assert outcome.ok
    assert outcome.data == {"customerNumber": "984xxxxxx"}
    assert outcome.fired == (POPUP_RULES[0], POPUP_RULES[1])
    assert (outcome.status, outcome.elapsed, outcome.excerpt) == (200, 0.25, body)


def test_data_is_captured_even_when_the_outcome_is_error() -> None:
    body = '{"status":"error","customerNumber":"984xxxxxx","message":"stale"}'
    outcome = map_response(POPUP_RULES, status=200, body=body)
    assert outcome.kind == "error"
    assert outcome.data == {"customerNumber": "984xxxxxx"}


@pytest.mark.parametrize(
    ("rules", "body", "key", "captured"),
    [
        (
            [rule("status", "success", S), rule("did_list", "", D)],
            '{"status":"success","did_list":["984xxxxxx", "94544545XX"]}',
            "did_list",
            ["984xxxxxx", "94544545XX"],
        ),
        (
            DID_RULES,
            '{"status":"success","data":["914030160442","918067417503"]}',
            "data",
            ["914030160442", "918067417503"],
        ),
        (
            [rule("status", "success", S), rule("message.0.UCID", "", D)],
            '{"status":"success","message":[{"UCID":"9049754955340984","Status":"Answered"}]}',
            "message.0.UCID",
            "9049754955340984",
        ),
        (
            [rule("success.status", "success", S), rule("success.call_id", "", D)],
            '{"success": {"status": "success", "call_id": "ec8a4ba6-c2eb"}}',
            "success.call_id",
            "ec8a4ba6-c2eb",
        ),
    ],
)
def test_data_rules_capture_scalars_lists_and_nested_values(
    rules: list[ResponseRule], body: str, key: str, captured: object
) -> None:
    outcome = map_response(rules, status=200, body=body)
    assert outcome.ok
    assert outcome.data[key] == captured


@pytest.mark.ozonetel
@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        (
            '{"ucid":"90XXXXXXXXXXXXX","status":"queued successfully"}',
            "success",
            "matched status=queued successfully",
        ),
        (
            '{"status": "false","message": "Invalid User Details","data": null}',
            "error",
            "Invalid User Details",
        ),
        (
            '{"status": "Fail","message": "Agent is not available"}',
            "error",
            "Agent is not available",
        ),
        (
            '{"status": " FAIL ","message": "All parameters are mandatory"}',
            "error",
            "All parameters are mandatory",
        ),
        ('{"status": "fails","message": "Campaign is invalid"}', "error", "Campaign is invalid"),
        (
            '{"status": "Fail","message": "Please Pass Valid AgentId are Valid skillName "}',
            "error",
            "Please Pass Valid AgentId are Valid skillName",
        ),
    ],
)
def test_agent_manual_dial_spelling_drift(body: str, kind: str, message: str) -> None:
    outcome = map_response(AMD_RULES, status=200, body=body)
    assert (outcome.kind, outcome.reason, outcome.message) == (kind, "rule", message)


@pytest.mark.ozonetel
def test_fails_is_not_fail_equality_is_not_substring_for_paths() -> None:
    outcome = map_response([rule("status", "fail", E)], status=200, body='{"status":"fails"}')
    assert outcome.reason == "unmapped"
    assert outcome.fired == ()


@pytest.mark.ozonetel
def test_phone_manual_dial_ucid_is_the_message_and_warning_beats_queued() -> None:
    rules = [
        rule("status", "queued", S),
        rule("status", "error", E),
        rule("message", "Online agent logged in with same phone number", E),
    ]
    queued = map_response(rules, status=200, body='{"status":"queued","message":"89XXUCIDXXX"}')
    assert (queued.kind, queued.message) == ("success", "89XXUCIDXXX")
    warned = map_response(
        rules,
        status=200,
        body='{"status":"queued","message":"Online agent logged in with same phone number"}',
    )
    assert warned.kind == "error"
    assert warned.fired == (rules[0], rules[2])


@pytest.mark.ozonetel
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("queued successfully ucid 9012345678901", "queued successfully ucid 9012345678901"),
        ("  Queued   Successfully\n", "Queued Successfully"),
        (
            "<response><status>queued successfully</status><ucid>9012345</ucid></response>",
            "queued successfully 9012345",
        ),
        (
            '<?xml version="1.0"?><response><status>Queued successfully</status>'
            "<message>9012345</message></response>",
            "9012345",
        ),
        ("<html><body><p>queued <b>successfully</b></p></body></html>", "queued successfully"),
        (b"\xef\xbb\xbfqueued successfully", "queued successfully"),
    ],
)
def test_non_json_rule_matches_phrase_in_text_xml_and_html(body: str | bytes, message: str) -> None:
    outcome = map_response(CLICK2CALL_NONJSON, status=200, body=body)
    assert (outcome.kind, outcome.reason, outcome.message) == ("success", "rule", message)


@pytest.mark.parametrize(
    "body",
    ['{"status":"queued successfully"}', '["queued successfully"]'],
)
def test_non_json_rules_never_fire_on_json(body: str) -> None:
    outcome = map_response(CLICK2CALL_NONJSON, status=200, body=body)
    assert (outcome.kind, outcome.reason, outcome.fired) == ("error", "unmapped", ())


@pytest.mark.parametrize(
    "body",
    [
        '"queued successfully"',
        "<response><status>queued successfully</status></response>",
        "status=queued successfully",
    ],
)
def test_bare_json_strings_and_markup_are_text_not_json(body: str) -> None:
    assert Answer.of_text(body).kind is not BodyKind.JSON
    path = map_response([rule("status", "queued successfully", S)], status=200, body=body)
    assert path.reason == "unmapped"
    assert map_response(CLICK2CALL_NONJSON, status=200, body=body).ok


def test_non_json_data_rule_captures_the_whole_text() -> None:
    rules = [rule("NonJSON", "", D), rule("NonJSON", "9", S)]
    outcome = map_response(rules, status=200, body=" 914030160442,918067417503\n")
    assert outcome.ok
    assert outcome.data == {"NonJSON": "914030160442,918067417503"}


@pytest.mark.knowlarity
def test_knowlarity_error_object_with_empty_value_and_nested_message() -> None:
    rules = [rule("success.status", "success", S), rule("error", "", E)]
    outcome = map_response(
        rules, status=400, body='{"error": {"message": "Agent number is not verified", "code": 10}}'
    )
    assert (outcome.kind, outcome.reason, outcome.message) == (
        "error",
        "rule",
        "Agent number is not verified (HTTP 400)",
    )


@pytest.mark.knowlarity
def test_knowlarity_nested_success_describes_the_rule_without_a_message() -> None:
    rules = [rule("success.status", "success", S), rule("error", "", E)]
    outcome = map_response(
        rules, status=200, body='{"success": {"status": "success", "call_id": "x"}}'
    )
    assert (outcome.kind, outcome.message) == ("success", "matched success.status=success")


def test_message_nested_next_to_the_fired_rule() -> None:
    body = '{"result": {"state": "FAILED", "Message": "Campaign not found."}}'
    outcome = map_response([rule("result.state", "failed", E)], status=200, body=body)
    assert outcome.message == "Campaign not found."


@pytest.mark.parametrize(
    ("value", "body", "fires"),
    [
        ("", '{"status": "anything"}', True),
        ("", '{"status": 0}', True),
        ("", '{"status": false}', True),
        ("", '{"status": null}', False),
        ("", '{"other": "x"}', False),
        ("true", '{"status": true}', True),
        ("200", '{"status": 200}', True),
        ("false", '{"status": "false"}', True),
        ("null", '{"status": null}', False),
    ],
)
def test_empty_value_matches_present_non_null_and_scalars_compare_as_json_text(
    value: str, body: str, fires: bool
) -> None:
    outcome = map_response([rule("status", value, S)], status=200, body=body)
    assert outcome.ok is fires


def test_unmapped_answer_says_so_with_status_and_short_excerpt() -> None:
    outcome = map_response(POPUP_RULES, status=200, body='{"foo": 1}')
    assert (outcome.kind, outcome.reason) == ("error", "unmapped")
    assert outcome.message == 'no response rule matched the answer (HTTP 200): {"foo": 1}'


def test_unmapped_excerpt_is_one_line_and_bounded() -> None:
    body = "line one\n" + "x" * 500
    outcome = map_response(POPUP_RULES, status=200, body=body)
    excerpt = outcome.message.split(": ", 1)[1]
    assert "\n" not in outcome.message
    assert excerpt.startswith("line one x")
    assert len(excerpt) <= 120
    assert outcome.excerpt == body[:200]


@pytest.mark.parametrize(("status", "body"), [(503, "Service Unavailable"), (404, "")])
def test_http_error_status_without_rule(status: int, body: str) -> None:
    outcome = map_response(POPUP_RULES, status=status, body=body)
    assert (outcome.kind, outcome.reason) == ("error", "http_status")
    expected = body or "(empty body)"
    assert outcome.message == f"provider answered HTTP {status} and no rule maps it: {expected}"


def test_a_rule_decides_even_on_http_error_status() -> None:
    body = (
        '{"RestException": {"Status": 401, '
        '"Message": "Authentication failed. Invalid API Key or Token."}}'
    )
    outcome = map_response([rule("RestException", "", E)], status=401, body=body)
    assert (outcome.reason, outcome.message) == (
        "rule",
        "Authentication failed. Invalid API Key or Token. (HTTP 401)",
    )


def test_list_indexes_out_of_range_and_non_digit_segments_do_not_fire() -> None:
    body = '{"message": [{"UCID": "1"}]}'
    rules = [
        rule("message.1.UCID", "", S),
        rule("message.x", "", S),
        rule("message.0.UCID.y", "", S),
    ]
    assert map_response(rules, status=200, body=body).reason == "unmapped"


def test_charset_from_content_type_and_invalid_bytes_are_replaced() -> None:
    utf16 = "queued ✓".encode("utf-16")
    assert Answer.read(utf16, "text/plain; charset=utf-16").text == "queued ✓"
    assert Answer.read(b"ok \xff", None).text == "ok \ufffd"
    assert Answer.read(b"ok", "text/plain; charset=no-such-codec").text == "ok"


def test_failure_builds_an_error_outcome_without_rules() -> None:
    outcome = Outcome.failure(
        "provider did not answer within 10 s",
        reason=Reason.TRANSPORT,
        elapsed=10.0,
        excerpt="x" * 300,
    )
    assert (outcome.kind, outcome.ok, outcome.reason, outcome.status) == (
        "error",
        False,
        "transport",
        0,
    )
    assert (outcome.fired, dict(outcome.data), len(outcome.excerpt)) == ((), {}, 200)


XML_QUEUED = (
    '<?xml version="1.0"?><response><status>queued successfully</status>'
    "<ucid>9012345678901</ucid></response>"
)


def test_dotted_paths_read_a_well_formed_xml_answer() -> None:
    rules = [
        ResponseRule(key="NonJSON", value="queued successfully", outcome=RuleOutcome.SUCCESS),
        ResponseRule(key="response.ucid", value="", outcome=RuleOutcome.DATA),
        ResponseRule(key="ucid", value="", outcome=RuleOutcome.DATA),  # JSON's path: no match
    ]
    outcome = map_response(rules, status=200, body=XML_QUEUED, content_type="text/xml")
    assert outcome.kind == "success"
    assert outcome.data == {"response.ucid": "9012345678901"}
    assert outcome.message == "queued successfully 9012345678901"


def test_xml_paths_decide_and_repeated_tags_become_lists() -> None:
    body = "<r><status>Fail</status><did>918030000001</did><did>918030000002</did></r>"
    rules = [
        ResponseRule(key="r.status", value="fail", outcome=RuleOutcome.ERROR),
        ResponseRule(key="r.did", value="", outcome=RuleOutcome.DATA),
        ResponseRule(key="r.did.1", value="918030000002", outcome=RuleOutcome.SUCCESS),
    ]
    outcome = map_response(rules, status=200, body=body)
    assert outcome.kind == "error"
    assert outcome.data == {"r.did": ["918030000001", "918030000002"]}


@pytest.mark.parametrize(
    "body",
    [
        "<!DOCTYPE html><html><body><p>status</p></body></html>",
        "<html><body>oops</body></html>",
        "<response><status>unclosed</response>",
        "plain text",
    ],
)
def test_html_and_broken_markup_never_answer_paths(body: str) -> None:
    rule = ResponseRule(key="html.body.p", value="", outcome=RuleOutcome.SUCCESS)
    broken = ResponseRule(key="response.status", value="", outcome=RuleOutcome.SUCCESS)
    assert map_response([rule, broken], status=200, body=body).reason == "unmapped"
