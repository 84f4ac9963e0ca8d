"""Suggest response rules from a sample answer ("Test and Map Response").

Given one answer from the provider, propose the rules an admin would write:

- a status-like key (``status``, ``result``, ``success``, ``state``, ``code``,
  ``type``, any case, at any depth) with a success-like value (``success``,
  ``ok``, ``true``, ``queued``, ``queued successfully``, ``initiated``,
  ``200``) becomes a success rule; with an error-like value (``error``,
  ``fail``, ``fails``, ``failed``, ``false``, ``failure``) an error rule;
- the opposite error rule is proposed only when the dialect makes it obvious:
  ``success``/``ok``/``queued`` -> ``error`` (the seed's generic and Ozonetel
  PhoneManualDial errors), ``true`` -> ``false``, and a top-level ``success``
  object -> ``error`` with any value (Knowlarity). ``queued successfully`` gets
  none: Ozonetel spells its errors four ways, and an unmapped answer is an
  error anyway;
- an error container (``{"error": {...}}``, Exotel's ``RestException``)
  becomes one error rule with an empty value (any value);
- other scalars and lists become data rules with an empty value (capture).
  Message keys are left out (the outcome's message carries them), and so are
  times and dates and nulls;
- a non-JSON body becomes one ``NonJSON`` rule: the text of a ``<status>``
  element, else a known phrase in the text, else the first 60 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import yaml

from connector.config import NON_JSON_KEY, ResponseRule, RuleOutcome
from connector.document import Answer, fold

__all__ = ["rules_to_yaml", "suggest_rules"]

STATUS_KEYS = frozenset({"status", "result", "success", "state", "code", "type"})
SUCCESS_VALUES = frozenset(
    {"success", "ok", "true", "queued", "queued successfully", "initiated", "200"}
)
ERROR_VALUES = frozenset({"error", "fail", "fails", "failed", "false", "failure"})
ERROR_CONTAINERS = frozenset({"error", "errors", "restexception", "exception", "fault"})
MESSAGE_KEYS = frozenset({"message", "msg"})
# The opposite error value, only where a dialect makes it obvious (see above).
OPPOSITES = {"success": "error", "ok": "error", "queued": "error", "true": "false"}
MAX_DEPTH = 4
PHRASE_CHARS = 60

# Longest first, so "queued successfully" wins over "queued" and "success".
_SUCCESS_PHRASES = (
    "queued successfully",
    "call initiated successfully",
    "initiated successfully",
    "success",
    "queued",
    "initiated",
)
_ERROR_WORDS = frozenset(ERROR_VALUES | {"errors", "invalid", "unauthorized", "exception"})
_STATUS_ELEMENT = re.compile(r"<status\b[^>]*>(.*?)</status\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[a-z]+")
_TIME_LIKE = re.compile(r"(time|date|timestamp)$", re.IGNORECASE)


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rule(key: str, value: str, outcome: RuleOutcome) -> ResponseRule:
    return ResponseRule(key=key, value=value, outcome=outcome)


def _status_rules(path: str, value: object) -> list[ResponseRule]:
    """Rules for a status-like key's scalar value; ``[]`` if the value says nothing."""
    text = _scalar_text(value).strip()
    folded = fold(text)
    if folded in SUCCESS_VALUES:
        rules = [_rule(path, text, RuleOutcome.SUCCESS)]
        opposite = OPPOSITES.get(folded)
        if opposite and "." not in path:  # nested statuses pair with an error object instead
            rules.append(_rule(path, opposite, RuleOutcome.ERROR))
        return rules
    if folded in ERROR_VALUES:
        return [_rule(path, text, RuleOutcome.ERROR)]
    return []


def _is_error_container(name: str, value: object) -> bool:
    return name.casefold() in ERROR_CONTAINERS and bool(value) and not isinstance(value, bool)


def _addressable(name: str) -> bool:
    """Whether a dotted path can reach this key (mapping trims keys and splits on dots)
    and an admin can read and type it (no control or line-separator characters)."""
    return bool(name) and name == name.strip() and "." not in name and name.isprintable()


def _walk(node: object, prefix: str, depth: int) -> Iterator[ResponseRule]:
    """Rules for one JSON object (or the first element of a top-level array)."""
    if isinstance(node, list):
        if node and depth == 0:
            yield from _walk(node[0], "0", depth + 1)
        return
    if not isinstance(node, dict):
        return
    for name, value in node.items():
        if not _addressable(name) or value is None or _TIME_LIKE.search(name):
            continue
        path = f"{prefix}.{name}" if prefix else name
        folded = name.casefold()
        if _is_error_container(name, value):
            yield _rule(path, "", RuleOutcome.ERROR)
        elif isinstance(value, dict):
            if depth < MAX_DEPTH:
                yield from _walk(value, path, depth + 1)
            if depth == 0 and folded == "success":
                # Knowlarity: {"success": {...}} pairs with {"error": {...}}.
                yield _rule("error", "", RuleOutcome.ERROR)
        elif isinstance(value, list):
            yield _rule(path, "", RuleOutcome.DATA)
        elif folded in MESSAGE_KEYS:
            continue  # the outcome's message already carries it
        else:
            decisive = _status_rules(path, value) if folded in STATUS_KEYS else []
            yield from decisive or [_rule(path, "", RuleOutcome.DATA)]


def _known_phrase(folded: str) -> str | None:
    """The first success phrase standing as whole words ("success" not in "unsuccessful")."""
    return next((p for p in _SUCCESS_PHRASES if re.search(rf"\b{p}\b", folded)), None)


def _phrase_outcome(phrase: str) -> RuleOutcome:
    folded = fold(phrase)
    if set(_WORD.findall(folded)) & _ERROR_WORDS:
        return RuleOutcome.ERROR
    if folded in SUCCESS_VALUES or _known_phrase(folded):
        return RuleOutcome.SUCCESS
    return RuleOutcome.DATA


def _non_json_rule(text: str) -> ResponseRule | None:
    plain = " ".join(_TAG.sub(" ", text).split())
    if not plain:
        return None
    element = _STATUS_ELEMENT.search(text)
    if element and element.group(1).strip():
        phrase = " ".join(element.group(1).split())[:PHRASE_CHARS]
    else:
        folded = plain.casefold()
        words = set(_WORD.findall(folded))
        error = next((w for w in sorted(ERROR_VALUES) if w in words), None)
        # A body that says both "queued" and "failed" is an error.
        phrase = error or _known_phrase(folded) or plain[:PHRASE_CHARS].strip()
    outcome = _phrase_outcome(phrase)
    if outcome == RuleOutcome.DATA:
        # A phrase that says neither success nor error (a DID list as CSV, a
        # ucid): capture the text; the admin adds the deciding rule.
        return _rule(NON_JSON_KEY, "", RuleOutcome.DATA)
    return _rule(NON_JSON_KEY, phrase, outcome)


def suggest_rules(answer: Answer) -> list[ResponseRule]:
    """Rules that map this sample answer, in the order its keys appear; never raises."""
    if not answer.is_json:
        rule = _non_json_rule(answer.text)
        return [rule] if rule else []
    rules: list[ResponseRule] = []
    for rule in _walk(answer.document, "", 0):
        if rule not in rules:
            rules.append(rule)
    return rules


def rules_to_yaml(rules: Sequence[ResponseRule]) -> str:
    """YAML for ``rules``, to paste under an API's ``response:`` key.

    Values are always strings; YAML quotes those that would otherwise read as
    numbers, booleans or nulls (``'200'``, ``'true'``, ``''``).
    """
    items: list[dict[str, Any]] = [
        {"key": rule.key, "value": rule.value, "outcome": rule.outcome.value} for rule in rules
    ]
    return yaml.safe_dump(
        items, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1_000_000
    )
