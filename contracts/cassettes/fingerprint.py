"""An answer's fingerprint: what a connector's rules can notice about it.

A fingerprint holds no value a customer or a key could be recovered from:
the HTTP status, the media type, the body kind (JSON, XML, HTML, text,
empty), every key path with its type, the texts of status-like and
message-like fields (volatile values in them replaced by ``<call_id>`` or
``<time>``), the written form of every phone number (``crm``, ``e164``,
``national``...) and of every date or time (``iso8601``, ``dd/mm/yyyy``...),
and the latency. Two answers of an unchanged partner have the same
fingerprint but for the latency, whatever call ids and times they carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import connector

__all__ = [
    "STATUS_KEYS",
    "Fingerprint",
    "fingerprint",
    "flatten",
    "number_form",
    "time_form",
]

MAX_DEPTH = 12  # deeper parts of a document are fingerprinted as one value
MAX_FIELDS = 500  # an answer with more key paths is cut (the count says so)
TEXT_CHARS = 200
# Field names (last path step, folded) whose values say what happened.
STATUS_KEYS = frozenset({"status", "result", "success", "state", "code", "type", "error"})
MESSAGE_KEYS = frozenset({"message", "msg", "reason", "description", "detail", "error_message"})
_TIME_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "iso8601",
        re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"),
    ),
    ("yyyy-mm-dd hh:mm:ss", re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")),
    ("yyyy-mm-dd", re.compile(r"\d{4}-\d{2}-\d{2}")),
    ("dd/mm/yyyy hh:mm:ss", re.compile(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(:\d{2})?")),
    ("dd/mm/yyyy", re.compile(r"\d{1,2}/\d{1,2}/\d{4}")),
    ("dd-mm-yyyy hh:mm:ss", re.compile(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}(:\d{2})?")),
    ("dd-mm-yyyy", re.compile(r"\d{2}-\d{2}-\d{4}")),
    ("hh:mm:ss", re.compile(r"\d{1,2}:\d{2}:\d{2}")),
)
_TIME_KEY = re.compile(r"(?i)(time|date|at|timestamp)$")
_EPOCH = re.compile(r"\d{10}(\d{3})?")
_PHONE = re.compile(r"(\+\d{1,3}-?)?\d{10,12}")


def time_form(value: str, key: str = "") -> str | None:
    """The written form of a date or time (``iso8601``, ``dd/mm/yyyy``...), else ``None``.

    Epoch seconds or milliseconds count only under a time-like key: ten digits
    are a phone number everywhere else.
    """
    text = value.strip()
    for name, pattern in _TIME_FORMS:
        if pattern.fullmatch(text):
            return name
    if _TIME_KEY.search(key) and _EPOCH.fullmatch(text):
        return "epoch_ms" if len(text) == 13 else "epoch"
    return None


def number_form(value: str) -> str | None:
    """The written form of an Indian-style phone number, else ``None``.

    ``crm`` (+91-N), ``e164`` (+91N), ``with_country_code`` (91N), ``trunk``
    (0N), ``national`` (N, ten digits): the forms of ``connector.PhoneNumber``.
    """
    text = value.strip()
    if not _PHONE.fullmatch(text):
        return None
    if text.startswith("+"):
        return "crm" if "-" in text else "e164"
    if len(text) == 10 and text[0] in "6789":
        return "national"
    if len(text) == 11 and text[0] == "0":
        return "trunk"
    if len(text) == 12 and text.startswith("91"):
        return "with_country_code"
    return None


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def flatten(value: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, Any]]:
    """``(dotted path, value)`` of every field; list items share the path ``key[]``."""
    if depth >= MAX_DEPTH:
        yield prefix, value
        return
    if isinstance(value, Mapping):
        if prefix:
            yield prefix, value
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key), depth + 1)
    elif isinstance(value, list):
        yield prefix, value
        for item in value[:50]:
            yield from flatten(item, f"{prefix}[]", depth + 1)
    else:
        yield prefix, value


@dataclass(frozen=True)
class Fingerprint:
    """What an answer looks like to a connector, values left out (see module doc)."""

    status: int | None
    content_type: str
    body_kind: str
    fields: Mapping[str, str] = field(default_factory=dict)
    status_texts: tuple[str, ...] = ()
    message_texts: tuple[str, ...] = ()
    number_forms: Mapping[str, str] = field(default_factory=dict)
    time_forms: Mapping[str, str] = field(default_factory=dict)
    latency_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys sorted where order means nothing."""
        return {
            "status": self.status,
            "content_type": self.content_type,
            "body_kind": self.body_kind,
            "fields": dict(sorted(self.fields.items())),
            "status_texts": list(self.status_texts),
            "message_texts": list(self.message_texts),
            "number_forms": dict(sorted(self.number_forms.items())),
            "time_forms": dict(sorted(self.time_forms.items())),
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fingerprint:
        """Read back what :meth:`to_dict` wrote."""
        latency = data.get("latency_ms")
        status = data.get("status")
        return cls(
            status=int(status) if isinstance(status, int) else None,
            content_type=str(data.get("content_type") or ""),
            body_kind=str(data.get("body_kind") or ""),
            fields={str(k): str(v) for k, v in dict(data.get("fields") or {}).items()},
            status_texts=tuple(str(t) for t in data.get("status_texts") or ()),
            message_texts=tuple(str(t) for t in data.get("message_texts") or ()),
            number_forms={str(k): str(v) for k, v in dict(data.get("number_forms") or {}).items()},
            time_forms={str(k): str(v) for k, v in dict(data.get("time_forms") or {}).items()},
            latency_ms=float(latency) if isinstance(latency, int | float) else None,
        )


def _neutral(text: str, volatile: Mapping[str, str]) -> str:
    """``text`` trimmed and cut, each volatile value in it replaced by its kind."""
    for value, kind in sorted(volatile.items(), key=lambda kv: -len(kv[0])):
        if value:
            text = text.replace(value, f"<{kind}>")
    return " ".join(text.split())[:TEXT_CHARS]


def fingerprint(
    answer: connector.Answer | None,
    *,
    volatile: Mapping[str, str] | None = None,
    latency_ms: float | None = None,
) -> Fingerprint:
    """The fingerprint of ``answer`` (``None``: no usable answer came).

    ``volatile`` maps each volatile value (a call id, a time) to its kind, so
    texts that quote one stay the same from run to run.
    """
    volatile = volatile or {}
    if answer is None:
        return Fingerprint(None, "", "none", latency_ms=latency_ms)
    fields: dict[str, str] = {}
    statuses: set[str] = set()
    messages: set[str] = set()
    numbers: dict[str, str] = {}
    times: dict[str, str] = {}
    document = answer.document  # JSON as parsed; XML as nested mappings
    if document is not None:
        for path, value in flatten(document):
            if len(fields) >= MAX_FIELDS:
                break
            if not path:
                continue
            fields[path] = _type(value)
            if isinstance(value, Mapping | list):
                continue
            text = "" if value is None else str(value)
            last = path.rsplit(".", 1)[-1].removesuffix("[]").casefold()
            if last in STATUS_KEYS and text:
                statuses.add(_neutral(text, volatile))
            elif last in MESSAGE_KEYS and text:
                messages.add(_neutral(text, volatile))
            if isinstance(value, str | int) and not isinstance(value, bool):
                form = number_form(str(value))
                if form is not None:
                    numbers[path] = form
                when = time_form(str(value), last)
                if when is not None and form is None:
                    times[path] = when
    elif str(answer.kind) != "empty":
        # NonJSON rules match the raw text: its words are its "message".
        messages.add(_neutral(answer.text, volatile))
    return Fingerprint(
        status=answer.status,
        content_type=answer.media_type,
        body_kind=str(answer.kind),
        fields=fields,
        status_texts=tuple(sorted(statuses)),
        message_texts=tuple(sorted(messages)),
        number_forms=numbers,
        time_forms=times,
        latency_ms=latency_ms,
    )
