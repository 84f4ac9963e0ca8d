"""Response mapping: turn a provider's answer into a success or error outcome.

An admin maps answers with rules of ``(key, value, outcome)``. ``key`` is a
dotted path into a JSON body (``success.status``; integer segments index lists,
``message.0.UCID``) or ``NonJSON``, which looks at the raw text of a body that
is not JSON (plain text, XML, HTML). A body is JSON only when it parses to an
object or an array: a bare JSON string or number counts as text. A well-formed
XML body (not HTML) also answers dotted paths from its root element
(``response.ucid`` in Ozonetel's default ``<response><status>queued
successfully</status><ucid>...</ucid></response>``), so its call id can be
captured; NonJSON rules still see its text.

Matching is forgiving where real providers drift (``fail``/``Fail``/`` FAIL ``,
``"status": "false"`` as a string): values compare trimmed, with runs of
whitespace collapsed, and case-folded. Path rules compare for equality; NonJSON
rules look for the value as a substring of the text (and of the text with its
markup removed), because providers wrap the phrase (``<status>queued
successfully</status>``, ``queued successfully ucid 90...``). An empty value
matches any present, non-null value; a data rule with an empty value captures it.

Error rules win over success rules. An answer that no success or error rule
maps is an error that says so, with the HTTP status and a short excerpt.
Everything here is pure and never raises on any body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal
from xml.etree import ElementTree

from connector.config import ResponseRule, RuleOutcome
from connector.memo import IdentityCache

__all__ = [
    "NON_JSON_KEY",
    "Outcome",
    "decode_body",
    "fold",
    "map_response",
    "parse_json_document",
    "parse_xml_document",
    "resolve_path",
]

NON_JSON_KEY = "NonJSON"
EXCERPT_CHARS = 200
MESSAGE_CHARS = 200
SHORT_EXCERPT_CHARS = 120
_MESSAGE_KEYS = ("message", "Message")
_TAG = re.compile(r"<[^>]*>")
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
_HTML = re.compile(r"<(!doctype\s+html|html)\b", re.IGNORECASE)
_XML_MESSAGE = re.compile(r"<message\b[^>]*>(.*?)</message\s*>", re.IGNORECASE | re.DOTALL)

Kind = Literal["success", "error"]


@dataclass(frozen=True)
class Outcome:
    """What one provider answer meant, and why.

    ``reason`` is ``"rule"`` when a rule decided, ``"unmapped"`` when no rule
    matched a 1xx-3xx answer, ``"http_status"`` when no rule matched a 4xx/5xx
    answer, and ``"transport"`` or ``"render"`` when no answer came at all.
    """

    kind: Kind
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)
    status: int = 0
    elapsed: float = 0.0
    fired: tuple[ResponseRule, ...] = ()
    reason: str = "rule"
    excerpt: str = ""

    @property
    def ok(self) -> bool:
        """True when the answer was mapped to success."""
        return self.kind == "success"

    @classmethod
    def failure(
        cls,
        message: str,
        *,
        reason: str,
        status: int = 0,
        elapsed: float = 0.0,
        excerpt: str = "",
    ) -> Outcome:
        """An error outcome for a request that failed before mapping (transport, render)."""
        return cls(
            kind="error",
            message=message,
            data={},
            status=status,
            elapsed=elapsed,
            fired=(),
            reason=reason,
            excerpt=excerpt[:EXCERPT_CHARS],
        )


@lru_cache(maxsize=256)
def _charset(content_type: str) -> str:
    # A provider sends the same few content types on every answer.
    match = _CHARSET.search(content_type)
    return match.group(1) if match else "utf-8"


def decode_body(body: bytes | str, content_type: str | None = None) -> str:
    """Body text: bytes decoded (charset from ``content_type``, else UTF-8), BOM removed.

    Undecodable bytes become U+FFFD rather than an exception: a garbled answer
    must still map to an (error) outcome.
    """
    if isinstance(body, bytes | bytearray):
        charset = _charset(content_type or "")
        try:
            text = body.decode(charset, errors="replace")
        except (LookupError, ValueError):  # unknown label, or a codec like "base64" or "idna"
            text = body.decode("utf-8", errors="replace")
    else:
        text = body
    return text.removeprefix("\ufeff")


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259); Python would accept them.
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def parse_json_document(text: str) -> dict[str, Any] | list[Any] | None:
    """The JSON object or array in ``text``; ``None`` when the body is not JSON."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        document = _DECODER.decode(stripped)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict | list) else None


def _element_value(element: ElementTree.Element) -> Any:
    """An element as JSON-like data: text for a leaf, a dict of children otherwise."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    value: dict[str, Any] = {}
    for child in children:
        item = _element_value(child)
        if child.tag in value:  # repeated tags become a list, like a JSON array
            existing = value[child.tag]
            value[child.tag] = [*existing, item] if isinstance(existing, list) else [existing, item]
        else:
            value[child.tag] = item
    return value


def parse_xml_document(text: str) -> dict[str, Any] | None:
    """``{root: ...}`` for a well-formed XML body; ``None`` for HTML or anything else.

    The body is already bounded by the client, and expat in Python >= 3.11
    refuses entity-expansion bombs.
    """
    stripped = text.strip()
    if not stripped.startswith("<") or _HTML.match(stripped):
        return None
    try:
        root = ElementTree.fromstring(stripped)
    except (ElementTree.ParseError, ValueError, RecursionError):
        return None
    return {root.tag: _element_value(root)}


def fold(text: str) -> str:
    """Comparison form: whitespace runs collapsed, trimmed, case-folded."""
    return " ".join(text.split()).casefold()


def resolve_path(document: object, key: str) -> tuple[bool, Any]:
    """Follow the dotted ``key`` through objects and lists: ``(found, value)``."""
    current: Any = document
    for segment in key.split("."):
        if isinstance(current, dict):
            if segment not in current:
                return False, None
            current = current[segment]
        elif isinstance(current, list) and segment.isdigit() and segment.isascii():
            index = int(segment)
            if index >= len(current):
                return False, None
            current = current[index]
        else:
            return False, None
    return True, current


def _json_text(value: object) -> str:
    """A JSON value as text: strings as they are, the rest as their JSON spelling."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError):
        return str(value)


@dataclass(frozen=True)
class _Rule:
    """A rule in the form matching needs, computed once per rule set."""

    rule: ResponseRule
    non_json: bool
    key: str  # trimmed
    wanted: str  # folded; empty = any value
    outcome: RuleOutcome


@dataclass(frozen=True)
class _RuleSet:
    """Compiled rules, in order, and the subsets that can fire on each kind of body."""

    rules: tuple[_Rule, ...]
    paths: tuple[_Rule, ...]  # all a JSON body can match: NonJSON rules never do
    texts: tuple[_Rule, ...]  # all a body with no document can match


def _compile(rules: Sequence[ResponseRule]) -> _RuleSet:
    compiled = tuple(
        _Rule(
            rule=rule,
            non_json=rule.key.strip().casefold() == NON_JSON_KEY.casefold(),
            key=rule.key.strip(),
            wanted=fold(rule.value),
            outcome=RuleOutcome(rule.outcome),
        )
        for rule in rules
    )
    return _RuleSet(
        rules=compiled,
        paths=tuple(rule for rule in compiled if not rule.non_json),
        texts=tuple(rule for rule in compiled if rule.non_json),
    )


# Rule sets come from a config and repeat on every call; answers are not cached.
_rulesets: IdentityCache[Sequence[ResponseRule], _RuleSet] = IdentityCache(_compile)


def _compiled(rules: Sequence[ResponseRule]) -> _RuleSet:
    # Only tuples (a config's rules) are kept: a list may change in place.
    return _rulesets(rules) if isinstance(rules, tuple) else _compile(rules)


def _single_line(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class _Answer:
    """A body read once: its text, its JSON document (if any) and folded forms."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.document: Any = parse_json_document(text)
        self.paths_from_xml = False
        if self.document is None:
            self.document = parse_xml_document(text)
            self.paths_from_xml = self.document is not None
        self._folded: tuple[str, str] | None = None
        self._paths: dict[str, tuple[bool, Any, str]] = {}

    def folded_texts(self) -> tuple[str, str]:
        """The text folded as is, and folded with markup removed (for XML and HTML)."""
        if self._folded is None:
            self._folded = (fold(self.text), fold(_TAG.sub(" ", self.text)))
        return self._folded

    def match(self, rule: _Rule) -> tuple[bool, Any]:
        """Whether ``rule`` fires on this answer, and the value it would capture."""
        wanted = rule.wanted
        if not rule.non_json:  # first: most rules are paths into a JSON answer
            if self.document is None:
                return False, None
            present, found, folded = self.lookup(rule.key)
            return present and (not wanted or folded == wanted), found
        if (self.document is not None and not self.paths_from_xml) or not self.text.strip():
            return False, None
        raw, plain = self.folded_texts()
        return (not wanted or wanted in raw or wanted in plain), self.text.strip()

    def lookup(self, key: str) -> tuple[bool, Any, str]:
        """``(present and not null, value, folded text)`` of a path, once per answer:
        several rules usually test the same key (``status``)."""
        hit = self._paths.get(key)
        if hit is None:
            present, found = resolve_path(self.document, key)
            if present and found is not None:
                hit = (True, found, fold(_json_text(found)))
            else:
                hit = (False, None, "")
            self._paths[key] = hit
        return hit


def _message_in(container: object) -> str | None:
    """The ``message``/``Message`` text of an object, one level deep at most."""
    if not isinstance(container, dict):
        return None
    for name in _MESSAGE_KEYS:
        value = container.get(name)
        if isinstance(value, dict):
            value = next((value[n] for n in _MESSAGE_KEYS if n in value), None)
        if value is not None and not isinstance(value, dict | list):
            text = _single_line(_json_text(value), MESSAGE_CHARS)
            if text:
                return text
    return None


def _describe(rule: ResponseRule) -> str:
    value = rule.value.strip()
    return f"matched {rule.key.strip()}={value}" if value else f"matched {rule.key.strip()}"


def _message(answer: _Answer, deciding: Sequence[ResponseRule]) -> str:
    if answer.document is not None and not answer.paths_from_xml:
        found = _message_in(answer.document)
        if found:
            return found
        for rule in deciding:
            # Providers nest the message next to (or inside) the status they
            # report, e.g. Knowlarity's {"error": {"message": ...}}.
            key = rule.key.strip()
            parent = key.rpartition(".")[0]
            for place in (key, parent):
                present, target = resolve_path(answer.document, place) if place else (False, None)
                found = _message_in(target) if present else None
                if found:
                    return found
    elif answer.text.strip():
        element = _XML_MESSAGE.search(answer.text)
        if element and element.group(1).strip():
            return _single_line(element.group(1), MESSAGE_CHARS)
        text = answer.text.strip()
        if text.startswith("<"):  # XML or HTML: the words read better than the markup
            text = _TAG.sub(" ", text).strip() or text
        return _single_line(text, MESSAGE_CHARS)
    return _describe(deciding[0]) if deciding else ""


def _short_excerpt(text: str) -> str:
    return _single_line(text, SHORT_EXCERPT_CHARS) if text.strip() else "(empty body)"


def map_response(
    rules: Sequence[ResponseRule],
    *,
    status: int,
    body: bytes | str,
    content_type: str | None = None,
    elapsed: float = 0.0,
) -> Outcome:
    """Map one provider answer to an ``Outcome`` with ``rules``; never raises.

    Every rule is tried (so ``fired`` shows mapping coverage and data is
    captured even on errors); an error rule that fires beats any success rule.
    """
    answer = _Answer(decode_body(body, content_type))
    fired: list[ResponseRule] = []
    data: dict[str, Any] = {}
    successes: list[ResponseRule] = []
    errors: list[ResponseRule] = []
    ruleset = _compiled(rules)
    if answer.document is None:
        candidates = ruleset.texts
    elif answer.paths_from_xml:
        candidates = ruleset.rules  # XML answers paths and NonJSON text alike
    else:
        candidates = ruleset.paths
    for compiled in candidates:
        matched, value = answer.match(compiled)
        if not matched:
            continue
        rule = compiled.rule
        fired.append(rule)
        if compiled.outcome is RuleOutcome.DATA:
            data[compiled.key] = value
        elif compiled.outcome is RuleOutcome.ERROR:
            errors.append(rule)
        else:
            successes.append(rule)

    kind: Kind = "error"
    if errors or successes:
        kind = "error" if errors else "success"
        message, reason = _message(answer, errors or successes), "rule"
        if kind == "error" and status >= 400:
            # "Internal error" alone hides that the provider failed at HTTP level.
            message = f"{message} (HTTP {status})" if message else f"HTTP {status}"
    elif status >= 400:
        excerpt = _short_excerpt(answer.text)
        message = f"provider answered HTTP {status} and no rule maps it: {excerpt}"
        reason = "http_status"
    else:
        excerpt = _short_excerpt(answer.text)
        message = f"no response rule matched the answer (HTTP {status}): {excerpt}"
        reason = "unmapped"
    return Outcome(
        kind=kind,
        message=message,
        data=data,
        status=status,
        elapsed=elapsed,
        fired=tuple(fired),
        reason=reason,
        excerpt=answer.text[:EXCERPT_CHARS],
    )
