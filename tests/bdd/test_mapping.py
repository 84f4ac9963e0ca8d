"""Step definitions for features/mapping (response mapping and rule suggestion)."""

from __future__ import annotations

import json

import yaml
from pytest_bdd import given, parsers, scenarios, then, when

from connector.config import ResponseRule, RuleOutcome
from connector.document import Answer
from connector.mapping import Outcome, map_response
from connector.suggest import rules_to_yaml, suggest_rules

scenarios("mapping/response_mapping.feature", "mapping/suggest.feature")


def parse_rules(text: str) -> list[ResponseRule]:
    """Rules from ``key=value->outcome; ...``; a value in double quotes keeps its spaces."""
    rules: list[ResponseRule] = []
    for item in text.split(";"):
        if not item.strip():
            continue
        key, _, rest = item.partition("=")
        value, _, outcome = rest.rpartition("->")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        rules.append(
            ResponseRule(key=key.strip(), value=value, outcome=RuleOutcome(outcome.strip()))
        )
    return rules


def format_rules(rules: list[ResponseRule]) -> str:
    return "; ".join(f"{r.key}={r.value}->{r.outcome.value}" for r in rules)


@given(parsers.parse('the response rules "{rules}"'), target_fixture="mapping_rules")
def _rules(rules: str) -> list[ResponseRule]:
    return parse_rules(rules)


@when(
    parsers.parse("the provider answers HTTP {status:d} with '{body}'"),
    target_fixture="mapping_outcome",
)
def _answer(mapping_rules: list[ResponseRule], status: int, body: str) -> Outcome:
    return map_response(mapping_rules, status=status, body=body)


@then(parsers.parse("the outcome is {kind} by {reason}"))
def _kind(mapping_outcome: Outcome, kind: str, reason: str) -> None:
    assert (mapping_outcome.kind, mapping_outcome.reason) == (kind, reason), mapping_outcome.message


@then(parsers.parse('the message is "{message}"'))
def _message(mapping_outcome: Outcome, message: str) -> None:
    assert mapping_outcome.message == message


@then(parsers.parse('the data "{key}" is {captured}'))
def _data(mapping_outcome: Outcome, key: str, captured: str) -> None:
    assert mapping_outcome.data[key] == json.loads(captured)


@then("no rule fired")
def _none_fired(mapping_outcome: Outcome) -> None:
    assert mapping_outcome.fired == ()


@given(parsers.parse("a sample answer '{body}'"), target_fixture="sample_body")
def _sample(body: str) -> str:
    return body


@when("I test and map the response", target_fixture="suggested_rules")
def _suggest(sample_body: str) -> list[ResponseRule]:
    return suggest_rules(Answer.of_text(sample_body))


@then(parsers.parse('the suggested rules are "{rules}"'))
def _suggested(suggested_rules: list[ResponseRule], rules: str) -> None:
    assert format_rules(suggested_rules) == format_rules(parse_rules(rules))


@then(parsers.parse("mapping the sample with the suggestions gives {kind}"))
def _round_trip(sample_body: str, suggested_rules: list[ResponseRule], kind: str) -> None:
    outcome = map_response(suggested_rules, status=200, body=sample_body)
    assert outcome.kind == kind


@then("the YAML loads back into the same rules")
def _yaml_round_trip(suggested_rules: list[ResponseRule]) -> None:
    loaded = yaml.safe_load(rules_to_yaml(suggested_rules))
    assert [ResponseRule(**item) for item in loaded] == suggested_rules


@then(parsers.parse('the YAML quotes the value "{value}"'))
def _yaml_quotes(suggested_rules: list[ResponseRule], value: str) -> None:
    assert f"value: '{value}'" in rules_to_yaml(suggested_rules)
