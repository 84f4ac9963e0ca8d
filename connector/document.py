"""A provider's answer, read once: text from one charset rule, and its document.

Every consumer of an answer (response mapping, the call id and customer
number it carries, rule suggestions, the conformance clauses) reads the same
``Answer``: the bytes are decoded once, with one charset rule, and parsed once
into a JSON or XML document when they hold one.

Charset: the ``charset`` parameter of the content type, else UTF-8 (the
default of JSON, and what providers send unlabelled). Undecodable bytes become
U+FFFD rather than an exception, and a leading BOM is dropped.

Kinds: ``json`` is an object or an array (a bare JSON string or number counts
as text); ``xml`` is well-formed XML that is not HTML, whose dotted paths run
from the root element (``response.ucid``); ``html``, ``text`` and ``empty`` have
no document. Pure module: no I/O.

Showing an answer: :func:`visible` turns the control characters a partner's
text may hold (ANSI and OSC sequences, a bare CR, NUL, C1) into visible signs
(ESC is ``␛``) for a terminal; ``mcc test-api`` prints every answer through
it, and so do the conformance reports (``connector.visible``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any
from xml.etree import ElementTree

__all__ = [
    "Answer",
    "BodyKind",
    "charset_of",
    "fold",
    "media_type_of",
    "resolve_path",
    "visible",
]

_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
_HTML = re.compile(r"<(!doctype\s+html|html)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# Media types a provider answer may have; providers label JSON as text/html too.
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/x-javascript",
        "application/x-www-form-urlencoded",
    }
)
_UTF8 = frozenset({"utf-8", "utf8"})


class BodyKind(StrEnum):
    """What an answer's body is, as far as reading it goes."""

    EMPTY = "empty"
    JSON = "json"
    XML = "xml"
    HTML = "html"
    TEXT = "text"


def fold(text: str) -> str:
    """Comparison form: whitespace runs collapsed, trimmed, case-folded."""
    return " ".join(text.split()).casefold()


def media_type_of(content_type: str | None) -> str:
    """``application/json`` of ``Application/JSON; charset=utf-8``; empty when none."""
    return (content_type or "").partition(";")[0].strip().lower()


def charset_of(content_type: str | None) -> str:
    """The charset an answer is decoded with: the declared one, else UTF-8."""
    match = _CHARSET.search(content_type or "")
    return match.group(1).lower() if match else "utf-8"


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259); Python would accept them.
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _json_document(text: str) -> dict[str, Any] | list[Any] | None:
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


def _xml_document(text: str) -> dict[str, Any] | None:
    # The body is bounded by the client, and expat in Python >= 3.11 refuses
    # entity-expansion bombs.
    try:
        root = ElementTree.fromstring(text.strip())
    except (ElementTree.ParseError, ValueError, RecursionError):
        return None
    return {root.tag: _element_value(root)}


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


# Control characters shown visibly: C0 (but tab and newline) as the Unicode
# Control Pictures (ESC is U+241B "␛"), DEL as "␡", C1 as "\x9b"; lone
# surrogates and U+FFFE/U+FFFF, which no UTF-8 file or XML document may hold, as
# U+FFFD. A CR of a CRLF line end is dropped; a bare CR shows as "␍".
_PICTURES: dict[int, str] = {
    **{code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)},
    0x7F: "\u2421",
    **{code: f"\\x{code:02x}" for code in range(0x80, 0xA0)},
    **dict.fromkeys((0xFFFE, 0xFFFF), "\ufffd"),
}
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def visible(text: str) -> str:
    """``text`` safe for a terminal, an XML or HTML report: every control character shown.

    A partner's answer may hold ANSI/OSC sequences (which retitle or clear a
    terminal), a bare CR (which rewrites a line: "FAIL\\rPASS"), NUL or other
    controls, which make XML ill-formed. Tab and newline stay.
    """
    if _UNSAFE.search(text) is None:
        return text
    text = _SURROGATE.sub("\ufffd", text.replace("\r\n", "\n"))
    return text.translate(_PICTURES)


@dataclass(frozen=True)
class Answer:
    """One answer: status, content type, decoded text and (when there is one) its document.

    Build it with :meth:`read` (bytes from the wire) or :meth:`of_text`.
    """

    status: int
    content_type: str | None
    text: str
    kind: BodyKind
    document: dict[str, Any] | list[Any] | None = field(repr=False)
    problem: str | None = None  # why the bytes cannot be trusted as an answer (not text...)

    @classmethod
    def read(cls, raw: bytes, content_type: str | None = None, status: int = 200) -> Answer:
        """Decode and parse ``raw`` once; ``problem`` says when it must not be mapped."""
        charset = charset_of(content_type)
        try:
            text = raw.decode(charset, errors="replace")
        except (LookupError, ValueError):  # an unknown label, or a codec like "base64"
            text = raw.decode("utf-8", errors="replace")
        answer = cls.of_text(text, content_type, status)
        problem = _unreadable(raw, content_type)
        return answer if problem is None else _with_problem(answer, problem)

    @classmethod
    def of_text(cls, text: str, content_type: str | None = None, status: int = 200) -> Answer:
        """An answer whose text is already decoded."""
        text = text.removeprefix("\ufeff")
        stripped = text.strip()
        document: dict[str, Any] | list[Any] | None = None
        if not stripped:
            kind = BodyKind.EMPTY
        elif (document := _json_document(stripped)) is not None:
            kind = BodyKind.JSON
        elif stripped.startswith("<") and _HTML.match(stripped):
            kind = BodyKind.HTML
        elif stripped.startswith("<") and (document := _xml_document(stripped)) is not None:
            kind = BodyKind.XML
        else:
            kind = BodyKind.TEXT
        return cls(status, content_type, text, kind, document)

    @property
    def media_type(self) -> str:
        """The content type without parameters, lower case."""
        return media_type_of(self.content_type)

    @property
    def is_json(self) -> bool:
        """True for a JSON object or array."""
        return self.kind is BodyKind.JSON

    def lookup(self, key: str) -> tuple[bool, Any]:
        """The value at dotted path ``key`` in the document: ``(found, value)``."""
        if self.document is None:
            return False, None
        return resolve_path(self.document, key)

    @cached_property
    def top(self) -> dict[str, Any]:
        """The top-level fields: a JSON object's, or the XML root element's children."""
        document = self.document
        if self.kind is BodyKind.XML and isinstance(document, dict):
            document = next(iter(document.values()), None)
        return document if isinstance(document, dict) else {}

    @cached_property
    def plain(self) -> str:
        """The text with markup removed (XML and HTML read as words)."""
        return _TAG.sub(" ", self.text) if self.text.lstrip().startswith("<") else self.text

    @cached_property
    def folded(self) -> tuple[str, str]:
        """The text folded as is, and folded with markup removed (for NonJSON rules)."""
        return fold(self.text), fold(_TAG.sub(" ", self.text))


def _with_problem(answer: Answer, problem: str) -> Answer:
    return Answer(answer.status, answer.content_type, answer.text, answer.kind, None, problem)


def _unreadable(raw: bytes, content_type: str | None) -> str | None:
    """Why non-empty bytes cannot be read as an answer, or None when they can.

    Bytes are checked against UTF-8 only where UTF-8 is promised: declared, or
    JSON's own default. Unlabelled text is decoded leniently (U+FFFD).
    """
    if not raw or not content_type:
        return None  # many providers send no content type; the body decides
    media = media_type_of(content_type)
    textual = (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith(("+json", "+xml"))
        or not media  # a bare "; charset=..." names no type
    )
    if not textual:
        return (
            f"content type {media}, which is not text, JSON or XML; the connector does not"
            " read it (ask the provider for JSON or text)"
        )
    declared = _CHARSET.search(content_type)
    promised = declared.group(1).lower() if declared else ""
    if promised in _UTF8 or (
        not declared and (media == "application/json" or media.endswith("+json"))
    ):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return (
                f"bytes that are not valid UTF-8 (at byte {exc.start});"
                " the answer cannot be trusted"
            )
    return None
