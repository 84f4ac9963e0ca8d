"""Properties of response mapping and rule suggestion (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from connector.config import ResponseRule, RuleOutcome
from connector.document import Answer
from connector.mapping import map_response
from connector.suggest import rules_to_yaml, suggest_rules

pytestmark = pytest.mark.mapping

SETTINGS = settings(max_examples=60, deadline=None)

KEYS = ["status", "Status", "message", "success", "success.status", "error", "data", "0.status"]
VALUES = ["", "success", "error", "fail", "Fail ", "queued successfully", "true", "200", "null"]

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(VALUES),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from([*KEYS, "x", "did_list"]) | st.text(max_size=6), children, max_size=4
        )
    ),
    max_leaves=12,
)
documents = st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=6), json_values, max_size=5
) | st.lists(json_values, max_size=3)
rules = st.builds(
    ResponseRule,
    key=st.sampled_from([*KEYS, "NonJSON", "nonjson", "message.0.UCID"]),
    value=st.sampled_from(VALUES) | st.text(max_size=8),
    outcome=st.sampled_from(list(RuleOutcome)),
)
rule_lists = st.lists(rules, max_size=6)
bodies = (
    st.binary(max_size=200)
    | st.text(max_size=200)
    | documents.map(json.dumps)
    | st.sampled_from(
        [
            "queued successfully ucid 9012",
            "<response><status>queued</status><message>1</message></response>",
            "<html><body>500 Internal Server Error</body></html>",
            "",
            "\ufeff{}",
        ]
    )
)
statuses = st.sampled_from([200, 201, 302, 400, 404, 500, 503])


@SETTINGS
@given(rule_lists, bodies, statuses, st.none() | st.text(max_size=30))
def test_mapping_never_raises_and_is_deterministic(
    rs: list[ResponseRule], body: bytes | str, status: int, content_type: str | None
) -> None:
    first = map_response(rs, status=status, body=body, content_type=content_type)
    second = map_response(rs, status=status, body=body, content_type=content_type)
    assert first == second
    assert first.kind in ("success", "error")
    assert first.reason in ("rule", "unmapped", "http_status")
    assert set(first.fired) <= set(rs)
    assert len(first.excerpt) <= 200


@SETTINGS
@given(rule_lists, bodies, statuses, rules, st.integers(0, 6))
def test_adding_an_error_rule_never_turns_anything_into_success(
    rs: list[ResponseRule], body: bytes | str, status: int, extra: ResponseRule, at: int
) -> None:
    error_rule = extra.model_copy(update={"outcome": RuleOutcome.ERROR})
    before = map_response(rs, status=status, body=body)
    after = map_response([*rs[:at], error_rule, *rs[at:]], status=status, body=body)
    if after.ok:
        assert before.ok
    if not before.ok:
        assert not after.ok


@SETTINGS
@given(rule_lists, bodies, st.randoms(use_true_random=False))
def test_rule_order_does_not_change_the_kind_or_the_data_keys(
    rs: list[ResponseRule], body: bytes | str, rnd: Any
) -> None:
    shuffled = list(rs)
    rnd.shuffle(shuffled)
    a = map_response(rs, status=200, body=body)
    b = map_response(shuffled, status=200, body=body)
    assert (a.kind, a.reason, set(a.fired), set(a.data)) == (
        b.kind,
        b.reason,
        set(b.fired),
        set(b.data),
    )


@SETTINGS
@given(
    st.sampled_from(["fail", "fails", "Fail", "FAIL", "false", "error", "queued successfully"]),
    st.sampled_from(["", " ", "\t", "  \n"]),
    st.sampled_from(["", " ", "\n"]),
    st.sampled_from([str.lower, str.upper, str.title, str]),
)
def test_value_drift_in_case_and_surrounding_whitespace_still_matches(
    word: str, lead: str, trail: str, case: Any
) -> None:
    body = json.dumps({"status": lead + case(word) + trail})
    outcome = map_response(
        [ResponseRule(key="status", value=word, outcome=RuleOutcome.ERROR)], status=200, body=body
    )
    assert outcome.reason == "rule"


@SETTINGS
@given(
    st.binary(max_size=300) | st.text(max_size=300) | documents.map(json.dumps),
    st.none() | st.text(max_size=30),
)
@example('{"0\u00850": 1}', None)  # a NEL inside a key came back from YAML as a space
def test_suggest_never_raises_and_its_yaml_round_trips(
    body: bytes | str, content_type: str | None
) -> None:
    answer = (
        Answer.read(body, content_type)
        if isinstance(body, bytes)
        else Answer.of_text(body, content_type)
    )
    suggested = suggest_rules(answer)
    loaded = yaml.safe_load(rules_to_yaml(suggested))
    assert [ResponseRule(**item) for item in loaded] == suggested


status_pairs = st.sampled_from(
    [
        ("success", "success"),
        ("ok", "success"),
        ("queued", "success"),
        (True, "success"),
        (200, "success"),
        ("queued successfully", "success"),
        ("error", "error"),
        ("Fail", "error"),
        ("fails", "error"),
        ("false", "error"),
        (False, "error"),
        ("failed", "error"),
    ]
)


@SETTINGS
@given(
    status_pairs,
    st.sampled_from(["status", "Status", "result", "state"]),
    st.dictionaries(
        st.sampled_from(["ucid", "customerNumber", "monitorUcid", "call_id", "message"]),
        st.text(min_size=1, max_size=12),
        max_size=3,
    ),
    st.booleans(),
)
def test_suggest_then_map_gives_the_kind_the_sample_shows(
    pair: tuple[object, str], key: str, extra: dict[str, str], nested: bool
) -> None:
    value, kind = pair
    inner: dict[str, object] = {key: value, **extra}
    document: dict[str, object] = {"success": inner} if nested and kind == "success" else inner
    body = json.dumps(document)
    outcome = map_response(suggest_rules(Answer.of_text(body)), status=200, body=body)
    assert (outcome.kind, outcome.reason) == (kind, "rule")
    for name, captured in extra.items():
        if name != "message":
            path = f"success.{name}" if document is not inner else name
            assert outcome.data[path] == captured
