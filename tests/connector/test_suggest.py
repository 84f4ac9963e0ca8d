"""Rule suggestion ("Test and Map Response") from real sample answers."""

from __future__ import annotations

import pytest
import yaml

from connector.config import ApiConfig, ResponseRule, RuleOutcome
from connector.document import Answer
from connector.mapping import map_response
from connector.suggest import rules_to_yaml, suggest_rules

pytestmark = pytest.mark.mapping

S, E, D = RuleOutcome.SUCCESS, RuleOutcome.ERROR, RuleOutcome.DATA


def triples(rules: list[ResponseRule]) -> list[tuple[str, str, str]]:
    return [(r.key, r.value, r.outcome.value) for r in rules]


SEED_SAMPLES = [
    pytest.param(
        '{"status":"success", "message": "call initiated successfully", '
        '"monitorUcid":"9179160xxxxx","callStartTime":"2020-xx-xx xx:xx:xx"}',
        [
            ("status", "success", "success"),
            ("status", "error", "error"),
            ("monitorUcid", "", "data"),
        ],
        "success",
        id="seed-click2call",
        marks=pytest.mark.generic,
    ),
    pytest.param(
        '{"status":"success","customerNumber":"984xxxxxx","monitorUcid":"9179160xxxxx",'
        '"callStartTime":"2020-xx-xx xx:xx:xx"}',
        [
            ("status", "success", "success"),
            ("status", "error", "error"),
            ("customerNumber", "", "data"),
            ("monitorUcid", "", "data"),
        ],
        "success",
        id="seed-pull-api",
        marks=pytest.mark.generic,
    ),
    pytest.param(
        '{"status":"success","did_list":["984xxxxxx", "94544545XX"]}',
        [("status", "success", "success"), ("status", "error", "error"), ("did_list", "", "data")],
        "success",
        id="seed-did-list",
        marks=pytest.mark.generic,
    ),
    pytest.param(
        '{ "status": "error","message": "userName or apiKey is Invalid"}',
        [("status", "error", "error")],
        "error",
        id="seed-pull-api-error",
        marks=pytest.mark.generic,
    ),
    pytest.param(
        '{"ucid":"90XXXXXXXXXXXXX","status":"queued successfully"}',
        [("ucid", "", "data"), ("status", "queued successfully", "success")],
        "success",
        id="ozonetel-amd-json",
        marks=pytest.mark.ozonetel,
    ),
    pytest.param(
        '{"status": "false","message": "Invalid User Details","data": null}',
        [("status", "false", "error")],
        "error",
        id="ozonetel-amd-auth-error",
        marks=pytest.mark.ozonetel,
    ),
    pytest.param(
        '{"status":"queued","message":"89XXUCIDXXX"}',
        [("status", "queued", "success"), ("status", "error", "error")],
        "success",
        id="ozonetel-phone-manual-dial",
        marks=pytest.mark.ozonetel,
    ),
    pytest.param(
        '{"status":"success","DIDs":["914030160442","918067417503"]}',
        [("status", "success", "success"), ("status", "error", "error"), ("DIDs", "", "data")],
        "success",
        id="ozonetel-running-dids",
        marks=[pytest.mark.ozonetel, pytest.mark.inferred],
    ),
    pytest.param(
        '{"success": {"status": "success", "call_id": "ec8a4ba6-c2eb-4e71"}}',
        [
            ("success.status", "success", "success"),
            ("success.call_id", "", "data"),
            ("error", "", "error"),
        ],
        "success",
        id="knowlarity-success",
        marks=pytest.mark.knowlarity,
    ),
    pytest.param(
        '{"error": {"message": "Agent number is not verified", "code": 401}}',
        [("error", "", "error")],
        "error",
        id="knowlarity-error",
        marks=[pytest.mark.knowlarity, pytest.mark.inferred],
    ),
    pytest.param(
        "queued successfully ucid 9012345678901",
        [("NonJSON", "queued successfully", "success")],
        "success",
        id="ozonetel-amd-plain",
        marks=[pytest.mark.ozonetel, pytest.mark.inferred],
    ),
    pytest.param(
        "<response><status>queued</status><message>9049754955340984</message></response>",
        [("NonJSON", "queued", "success")],
        "success",
        id="kookoo-xml",
        marks=pytest.mark.ozonetel,
    ),
    pytest.param(
        "<html><body><h1>500 Internal Server Error</h1></body></html>",
        [("NonJSON", "error", "error")],
        "error",
        id="html-error-page",
    ),
]


@pytest.mark.parametrize(("body", "expected", "kind"), SEED_SAMPLES)
def test_suggestions_for_real_samples_and_their_round_trip(
    body: str, expected: list[tuple[str, str, str]], kind: str
) -> None:
    suggested = suggest_rules(Answer.of_text(body))
    assert triples(suggested) == expected
    outcome = map_response(suggested, status=200, body=body)
    assert (outcome.kind, outcome.reason) == (kind, "rule")


def test_suggest_accepts_bytes_with_bom() -> None:
    body = b'\xef\xbb\xbf{"status":"success","data":["914030160442"]}'
    assert triples(suggest_rules(Answer.read(body, "application/json"))) == [
        ("status", "success", "success"),
        ("status", "error", "error"),
        ("data", "", "data"),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '{"success": true, "id": 7}',
            [("success", "true", "success"), ("success", "false", "error"), ("id", "", "data")],
        ),
        (
            '{"status": 200, "message": "Call initiated successfully"}',
            [("status", "200", "success")],
        ),
        (
            '{"code": 200, "msg": "Call initiated", "request_id": "r1"}',
            [("code", "200", "success"), ("request_id", "", "data")],
        ),
        (
            '{"status": "Answered", "Type": "inbound"}',
            [("status", "", "data"), ("Type", "", "data")],
        ),
        (
            '{"RestException": {"Status": 401, "Message": "Authentication failed."}}',
            [("RestException", "", "error")],
        ),
        (
            '{"Status": "Success", "Message": {"Id": "b8c4", "Message": "ok"}}',
            [
                ("Status", "Success", "success"),
                ("Status", "error", "error"),
                ("Message.Id", "", "data"),
            ],
        ),
        (
            '[{"monitorUCID": "9049", "StartTime": "2018-08-06 16:59:33"}]',
            [("0.monitorUCID", "", "data")],
        ),
        ('{"": 1, " padded": 2, "a.b": 3, "ok": null}', []),
        ("{}", []),
    ],
)
def test_suggestion_shapes(body: str, expected: list[tuple[str, str, str]]) -> None:
    assert triples(suggest_rules(Answer.of_text(body))) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("914030160442,918067417503", [("NonJSON", "", "data")]),
        ("Call unsuccessful", [("NonJSON", "", "data")]),
        ("queued but failed", [("NonJSON", "failed", "error")]),
        (
            "<TwilioResponse><Call><Status>in-progress</Status></Call></TwilioResponse>",
            [("NonJSON", "", "data")],
        ),
        ("   \n ", []),
        ("", []),
    ],
)
def test_non_json_suggestions(body: str, expected: list[tuple[str, str, str]]) -> None:
    assert triples(suggest_rules(Answer.of_text(body))) == expected


def test_yaml_is_ready_to_paste_under_response() -> None:
    rules = suggest_rules(Answer.of_text('{"status": 200, "ucid": "9049", "success": true}'))
    text = rules_to_yaml(rules)
    assert "value: '200'" in text
    assert "value: ''" in text
    assert "value: 'true'" in text
    api = ApiConfig.model_validate(
        {"url": "https://api1.cloudagent.in/x", "response": yaml.safe_load(text)}
    )
    assert list(api.response) == rules


@pytest.mark.parametrize(
    "value",
    ["queued successfully", " FAIL ", "a: b", "# not a comment", "null", "ünïcode", "-", "[x]"],
)
def test_yaml_round_trips_awkward_values(value: str) -> None:
    rules = [
        ResponseRule(key="status", value=value, outcome=E),
        ResponseRule(key="NonJSON", value=value, outcome=S),
    ]
    loaded = yaml.safe_load(rules_to_yaml(rules))
    assert [ResponseRule(**item) for item in loaded] == rules


def test_yaml_of_no_rules_is_an_empty_list() -> None:
    assert yaml.safe_load(rules_to_yaml([])) == []
