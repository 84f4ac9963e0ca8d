"""Mail-merge tokens: find them in a template. Pure.

``@{Lead:Field,Default}`` (also User, Owner; comma and default optional),
``@VirtualNumber``, ``@CustomerNumber``, ``@AssociatedPhoneNumberWithoutCountryCode``,
``{{Agent_Number}}``, ``@CallbackUrl`` and ``${ENV_VAR}``. A malformed token is a
``TemplateError`` naming its position; :mod:`connector.template` parses whole API
templates once and :mod:`connector.templating` resolves and encodes the tokens per
call.

The four number tokens take a written form in square brackets right after the
name: ``@CustomerNumber[e164]``, ``@VirtualNumber[with_country_code]``,
``{{Agent_Number[e164]}}`` (one of ``connector.config.NUMBER_FORMATS``). A ``[``
never follows a token name otherwise, and ``@{Entity:Field,Default}`` uses
braces, so the suffix cannot be confused with a default. An unknown form is a
``TemplateError`` at the token's position naming the known forms.

A misspelt ``@`` token (``@CustomerNumbr``, ``@VirtualNumbers``: an ``@``, not
after a word, then a capitalised word that is no token) is a ``TemplateError``
too, suggesting the closest token: it would otherwise be sent literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches

from connector.errors import TemplateError
from connector.phone import NUMBER_FORMATS

__all__ = [
    "ENTITIES",
    "MERGE",
    "NUMBER_FORMATS",
    "NUMBER_KINDS",
    "Token",
    "find_tokens",
    "scan",
    "where_text",
]

ENTITIES = ("lead", "user", "owner")
_SPECIAL = {
    "@AssociatedPhoneNumberWithoutCountryCode": "agent_phone",
    "@CallbackUrl": "callback_url",
    "@CustomerNumber": "customer_number",
    "@VirtualNumber": "virtual_number",
}
#: Token kinds whose value is a phone number and that take a ``[form]`` suffix.
NUMBER_KINDS = frozenset({"customer_number", "agent_phone", "agent_number", "virtual_number"})
_START = re.compile(
    r"@\{|\$\{|\{\{\s*(?P<dbl>\w+)\s*(?P<dbl_suffix>\[[^{}]*)?\}\}|(?P<special>"
    # Longest first: the regex alternation must not stop at a shorter prefix.
    + "|".join(re.escape(name) for name in sorted(_SPECIAL, key=len, reverse=True))
    + r")(?!\w)"
)
MERGE = re.compile(r"@\{(?P<entity>[^:{}]*):(?P<field>[^,{}]*)(?:,(?P<default>[^{}]*))?\}")
_FIELD = re.compile(r"^[A-Za-z_][\w.\-]*$")
_SUFFIX = re.compile(r"\[(?P<format>[^\[\]{}]*)\]")
_ENV = re.compile(r"\$\{(?P<name>[A-Za-z_]\w*)\}")
# What a misspelt @ token looks like in literal text (not "name@Example.com").
_AT_WORD = re.compile(r"(?<![\w.@])@(?P<name>[A-Z]\w*)")
_SUGGESTIONS = {name[1:]: name for name in _SPECIAL} | {"Agent_Number": "{{Agent_Number}}"}


@dataclass(frozen=True)
class Token:
    """One token found in a template, with where it was found."""

    text: str
    kind: str
    field: str | None
    default: str | None
    position: int
    where: str
    number_format: str | None = None  # ``e164`` of ``@CustomerNumber[e164]``; None: the default


def where_text(where: str) -> str:
    return where or "template"


def _parse_token(template: str, start: int, where: str) -> tuple[Token, int]:
    """Read the token that starts at ``start``; return it and the index after it."""
    head = template[start : start + 2]
    if head == "${":
        match = _ENV.match(template, start)
        if not match:
            raise TemplateError(
                f"{where_text(where)}: malformed secret reference at position {start}; "
                "write ${NAME} with letters, digits and _"
            )
        name = match.group("name")
        return Token(match.group(0), "env", name, None, start, where), match.end()
    if head == "@{":
        close = template.find("}", start)
        if close < 0:
            raise TemplateError(
                f"{where_text(where)}: token at position {start} is not closed; add '}}'"
            )
        match = MERGE.fullmatch(template, start, close + 1)
        text = template[start : close + 1]
        if not match:
            raise TemplateError(
                f"{where_text(where)}: malformed token {text} at position {start}; "
                "write @{Lead:Field,Default}"
            )
        entity = match.group("entity").strip().lower()
        name = match.group("field").strip()
        if entity not in ENTITIES:
            raise TemplateError(
                f"{where_text(where)}: token {text} at position {start} names "
                f"{match.group('entity')!r}; use Lead, User or Owner"
            )
        if not _FIELD.match(name):
            raise TemplateError(
                f"{where_text(where)}: token {text} at position {start} has no valid field name "
                "after ':'"
            )
        return Token(text, entity, name, match.group("default"), start, where), close + 1
    match = _START.match(template, start)
    assert match is not None  # only called where _START matched
    if match.group("special"):
        name = match.group("special")
        kind = _SPECIAL[name]
        end = match.end()
        fmt: str | None = None
        if template.startswith("[", end):
            suffix = _SUFFIX.match(template, end)
            if suffix is None:
                raise TemplateError(
                    f"{where_text(where)}: the number format after {name} at position {start}"
                    f" is not closed; write {name}[e164]"
                )
            fmt, end = suffix.group("format"), suffix.end()
        text = template[start:end]
        number_format = _number_format(text, kind, fmt, start, where)
        return Token(text, kind, None, None, start, where, number_format), end
    if match.group("dbl") != "Agent_Number":
        raise TemplateError(
            f"{where_text(where)}: unknown token {match.group(0)} at position {start}; "
            "the only {{...}} token is {{Agent_Number}}"
        )
    fmt = None
    if match.group("dbl_suffix") is not None:
        suffix = _SUFFIX.fullmatch(match.group("dbl_suffix").rstrip())
        if suffix is None:
            raise TemplateError(
                f"{where_text(where)}: malformed number format in {match.group(0)} at position"
                f" {start}; write {{{{Agent_Number[e164]}}}}"
            )
        fmt = suffix.group("format")
    number_format = _number_format(match.group(0), "agent_number", fmt, start, where)
    return Token(match.group(0), "agent_number", None, None, start, where, number_format), (
        match.end()
    )


def _number_format(text: str, kind: str, fmt: str | None, start: int, where: str) -> str | None:
    """The form asked for in ``[...]``, checked; ``None`` when there is no suffix."""
    if fmt is None:
        return None
    if kind not in NUMBER_KINDS:
        raise TemplateError(
            f"{where_text(where)}: token {text} at position {start} takes no number format;"
            " remove the [...] after it"
        )
    name = fmt.strip()
    if name not in NUMBER_FORMATS:
        raise TemplateError(
            f"{where_text(where)}: token {text} at position {start} asks for number format"
            f" {name!r}; use one of {', '.join(NUMBER_FORMATS)}"
        )
    return name


def _literal(template: str, start: int, end: int, where: str) -> str:
    """``template[start:end]``, text between tokens; a misspelt ``@`` token in it raises.

    ``@`` followed by a capitalised word (and not preceded by a word, as in an
    e-mail address) is meant as a token: sent as written it would reach the
    provider literally. The closest known token is suggested.
    """
    text = template[start:end]
    if "@" in text and (wrong := _AT_WORD.search(text)) is not None:
        name = wrong.group("name")
        close = get_close_matches(name, _SUGGESTIONS, n=1, cutoff=0.6)
        hint = (
            f"did you mean {_SUGGESTIONS[close[0]]}?"
            if close
            else "the @ tokens are " + ", ".join(sorted(_SPECIAL))
        )
        raise TemplateError(
            f"{where_text(where)}: unknown token @{name} at position {start + wrong.start()};"
            f" {hint}"
        )
    return text


def scan(template: str, where: str) -> tuple[Token | str, ...]:
    """Split a template into literal texts and tokens, in order."""
    parts: list[Token | str] = []
    index = 0
    while True:
        match = _START.search(template, index)
        if match is None:
            break
        if match.start() > index:
            parts.append(_literal(template, index, match.start(), where))
        token, index = _parse_token(template, match.start(), where)
        parts.append(token)
    if index < len(template):
        parts.append(_literal(template, index, len(template), where))
    return tuple(parts)


def find_tokens(template: str, where: str = "") -> list[Token]:
    """Every token in ``template`` in order (repeats included); malformed ones raise."""
    return [part for part in scan(template, where) if isinstance(part, Token)]
