"""Response mapping: turn a provider's answer into a success or error outcome.

An admin maps answers with rules of ``(key, value, outcome)``. ``key`` is a
dotted path into a JSON body (``success.status``; integer segments index lists,
``message.0.UCID``) or ``NonJSON``, which looks at the raw text of a body that
is not JSON (plain text, XML, HTML). A well-formed XML body also answers dotted
paths from its root element (``response.ucid`` in Ozonetel's default
``<response><status>queued successfully</status><ucid>...</ucid></response>``),
so its call id can be captured; NonJSON rules still see its text. The answer
is read once (:class:`connector.document.Answer`); mapping only looks at it.

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
from enum import StrEnum
from typing import Any, Literal

from connector.config import ResponseRule, RuleOutcome
from connector.document import Answer, BodyKind, fold
from connector.errors import TransportError

__all__ = ["Outcome", "Reason", "map_answer", "map_response"]

EXCERPT_CHARS = 200
MESSAGE_CHARS = 200
SHORT_EXCERPT_CHARS = 120
_MESSAGE_KEYS = ("message", "Message")
_XML_MESSAGE = re.compile(r"<message\b[^>]*>(.*?)</message\s*>", re.IGNORECASE | re.DOTALL)

Kind = Literal["success", "error"]


class Reason(StrEnum):
    """Why an outcome is what it is.

    ``rule``, ``unmapped`` and ``http_status`` judge an answer that came; the
    others mean no usable answer came (``Outcome.error`` holds the typed error).
    """

    RULE = "rule"  # a rule decided (success or error)
    UNMAPPED = "unmapped"  # no rule matched a 1xx-3xx answer
    HTTP_STATUS = "http_status"  # no rule matched a 4xx/5xx answer
    TRANSPORT = "transport"  # refused, reset, DNS or TLS failure
    TIMEOUT = "timeout"  # the exchange's deadline passed
    TOO_LARGE = "too_large"  # the body exceeded the read limit
    NOT_TEXT = "not_text"  # the body is not text, or breaks its charset
    REDIRECT = "redirect"  # a refused redirect (another host, a loop, too many)
    RENDER = "render"  # the request could not be built


@dataclass(frozen=True)
class Outcome:
    """What one provider answer meant, and why (``reason``).

    ``error`` is the ``TransportError`` when no usable answer came; its type
    (``ProviderConnectionError``, ``ProviderTimeoutError``...) and ``sent`` tell
    "could not reach the provider" from "the provider misbehaved".
    """

    kind: Kind
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)
    status: int = 0
    elapsed: float = 0.0
    fired: tuple[ResponseRule, ...] = ()
    reason: Reason = Reason.RULE
    excerpt: str = ""
    error: TransportError | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        """True when the answer was mapped to success."""
        return self.kind == "success"

    @classmethod
    def failure(
        cls,
        message: str,
        *,
        reason: Reason,
        status: int = 0,
        elapsed: float = 0.0,
        excerpt: str = "",
        error: TransportError | None = None,
    ) -> Outcome:
        """An error outcome for a request that got no usable answer (transport, render)."""
        return cls(
            kind="error",
            message=message,
            status=status,
            elapsed=elapsed,
            reason=reason,
            excerpt=excerpt[:EXCERPT_CHARS],
            error=error,
        )


def _json_text(value: object) -> str:
    """A JSON value as text: strings as they are, the rest as their JSON spelling."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, TypeError, RecursionError):
        return str(value)


def _single_line(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class _Matcher:
    """Rule matching over one answer; each path is looked up once however many rules test it."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self._paths: dict[str, tuple[bool, Any, str]] = {}

    def match(self, rule: ResponseRule) -> tuple[bool, Any]:
        """Whether ``rule`` fires on this answer, and the value it would capture."""
        answer, wanted = self.answer, rule.wanted
        if not rule.non_json:
            present, found, folded = self.lookup(rule.path)
            return present and (not wanted or folded == wanted), found
        if answer.kind in (BodyKind.JSON, BodyKind.EMPTY):
            return False, None
        raw, plain = answer.folded
        return (not wanted or wanted in raw or wanted in plain), answer.text.strip()

    def lookup(self, key: str) -> tuple[bool, Any, str]:
        """``(present and not null, value, folded text)`` of a path."""
        hit = self._paths.get(key)
        if hit is None:
            present, found = self.answer.lookup(key)
            hit = (
                (True, found, fold(_json_text(found)))
                if present and found is not None
                else (
                    False,
                    None,
                    "",
                )
            )
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
    return f"matched {rule.path}={value}" if value else f"matched {rule.path}"


def _message(answer: Answer, deciding: Sequence[ResponseRule]) -> str:
    if answer.is_json:
        found = _message_in(answer.document)
        if found:
            return found
        for rule in deciding:
            # Providers nest the message next to (or inside) the status they
            # report, e.g. Knowlarity's {"error": {"message": ...}}.
            parent = rule.path.rpartition(".")[0]
            for place in (rule.path, parent):
                present, target = answer.lookup(place) if place else (False, None)
                found = _message_in(target) if present else None
                if found:
                    return found
    elif answer.text.strip():
        element = _XML_MESSAGE.search(answer.text)
        if element and element.group(1).strip():
            return _single_line(element.group(1), MESSAGE_CHARS)
        # XML or HTML: the words read better than the markup.
        return _single_line(answer.plain.strip() or answer.text, MESSAGE_CHARS)
    return _describe(deciding[0]) if deciding else ""


def _short_excerpt(text: str) -> str:
    return _single_line(text, SHORT_EXCERPT_CHARS) if text.strip() else "(empty body)"


def map_answer(rules: Sequence[ResponseRule], answer: Answer, *, elapsed: float = 0.0) -> Outcome:
    """Map one provider answer to an ``Outcome`` with ``rules``; never raises.

    Every rule is tried (so ``fired`` shows mapping coverage and data is
    captured even on errors); an error rule that fires beats any success rule.
    """
    matcher = _Matcher(answer)
    fired: list[ResponseRule] = []
    data: dict[str, Any] = {}
    successes: list[ResponseRule] = []
    errors: list[ResponseRule] = []
    for rule in rules:
        matched, value = matcher.match(rule)
        if not matched:
            continue
        fired.append(rule)
        if rule.outcome is RuleOutcome.DATA:
            data[rule.path] = value
        elif rule.outcome is RuleOutcome.ERROR:
            errors.append(rule)
        else:
            successes.append(rule)

    status = answer.status
    kind: Kind = "error"
    if errors or successes:
        kind = "error" if errors else "success"
        message, reason = _message(answer, errors or successes), Reason.RULE
        if kind == "error" and status >= 400:
            # "Internal error" alone hides that the provider failed at HTTP level.
            message = f"{message} (HTTP {status})" if message else f"HTTP {status}"
    elif status >= 400:
        excerpt = _short_excerpt(answer.text)
        message = f"provider answered HTTP {status} and no rule maps it: {excerpt}"
        reason = Reason.HTTP_STATUS
    else:
        excerpt = _short_excerpt(answer.text)
        message = f"no response rule matched the answer (HTTP {status}): {excerpt}"
        reason = Reason.UNMAPPED
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


def map_response(
    rules: Sequence[ResponseRule],
    *,
    status: int,
    body: bytes | str,
    content_type: str | None = None,
    elapsed: float = 0.0,
) -> Outcome:
    """``map_answer`` of a body not read yet (bytes or text): reads it, then maps it."""
    answer = (
        Answer.of_text(body, content_type, status)
        if isinstance(body, str)
        else Answer.read(bytes(body), content_type, status)
    )
    return map_answer(rules, answer, elapsed=elapsed)
