"""Redaction: keep secrets and customer numbers out of logs, reports and errors.

A ``Redactor`` knows the secret values of one run (those that came from
``${ENV_VAR}`` references) and replaces each with ``***`` in every form it can
travel in: as written, percent-encoded (query, form, path) and JSON-escaped.
Values under well-known credential keys (``api_key``, ``authorization``, ...)
are hidden even when the secret was never declared, because providers echo
keys back (Ozonetel's callback carries ``Apikey``). Phone-number-looking digit
runs keep only their last four digits unless ``show_numbers`` is set.

``ScrubbedRecord`` is a provider record (a call log) with its credential
fields removed at any depth: made once where the record enters, and trusted
from there on (activities, the store, reports), never scrubbed again.

Credentials are: values under credential key names (``is_secret_key``:
``api_key``, ``access_token``, ``auth_token``, ``X-Amz-Signature``,
``X-Amz-Credential``, ``sig``, ``Signature``, ...), the same names as query
or JSON parameters inside texts (``?token=...``), and ``Bearer ...`` values.
A text that is a URL keeps working without them: ``strip_credentials`` drops
its user info and its credential query parameters (a recording URL is stored
that way); inside other texts they are shown as ``***``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

import phonenumbers

__all__ = [
    "MASK",
    "Redactor",
    "ScrubbedRecord",
    "is_secret_key",
    "mask_number",
    "strip_credentials",
]

MASK = "***"

# Key names (separators removed, lower case) that hold credentials: Ozonetel
# echoes ``Apikey`` in every callback; LeadSquared URLs carry accessKey/secretKey;
# signed URLs carry X-Amz-Signature/X-Amz-Credential (S3), Signature (CloudFront,
# GCS) or sig (Azure SAS). The word must end the name: ``refresh_token`` is a
# credential, ``tokenType`` is not; ``sig`` only as the whole name.
_SECRET_KEY = re.compile(
    r"(?:apikey|accesskey|secretkey|secret|token|password|authorization|signature|credentials?)$"
    r"|^sig$"
)
_SEPARATORS = re.compile(r"[-_\s]")
# The same names as they appear in query strings and JSON texts (any prefix:
# access_token, X-Amz-Signature), and ``sig`` alone.
_KEY_NAMES = (
    r"[\w-]*(?:api[_-]?key|access[_-]?key|secret[_-]?key|token|secret|password"
    r"|signature|credentials?)|sig"
)

# 10-13 digits (15 after a "+"), single spaces or hyphens between groups; not
# glued to other digits, letters or a clock (so UCIDs and timestamps survive).
# "%2B" is a "+" as it appears in an encoded query or form body.
_NUMBER = re.compile(
    r"(?<![\w+.:%])(?:(?:\+|%2[Bb])\d(?:[ -]?\d){9,14}|\d(?:[ -]?\d){9,12})(?![\w:]|\.\d)"
)
# key=value in URLs and form bodies; "key": "value" in JSON text.
_QUERY_SECRET = re.compile(rf"(?i)(?<![\w-])((?:{_KEY_NAMES})=)[^&\s#\"']+")
_JSON_SECRET = re.compile(rf"(?i)(\"(?:{_KEY_NAMES}|authorization)\"\s*:\s*\")(?:[^\"\\]|\\.)+")
# An OAuth bearer token in a header echoed into a text.
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*")


@functools.lru_cache(maxsize=4096)  # records repeat a few dozen field names
def is_secret_key(name: str) -> bool:
    """True for key names whose values are credentials (``api_key``, ``X-Api-Key``, ...)."""
    return _SECRET_KEY.search(_SEPARATORS.sub("", name).lower()) is not None


def _credential_piece(piece: str) -> bool:
    """True for a ``name=value`` piece of a query string whose name is a credential."""
    return is_secret_key(unquote_plus(piece.partition("=")[0]))


def strip_credentials(url: str) -> str:
    """``url`` without its credential part, still usable as a link.

    User info (``user:password@``) is dropped, and so is every query (and
    ``#fragment``) parameter whose name is a credential (``token``,
    ``access_token``, ``X-Amz-Signature``, ``X-Amz-Credential``, ``sig``,
    ``Signature``, ...); the other parameters stay exactly as written. A URL
    without any comes back unchanged.
    """
    if not _MAY_HOLD_CREDENTIALS(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken [IPv6] host: not a usable URL, mask inside it
        return _CREDENTIALS.text(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = "&".join(p for p in parts.query.split("&") if not _credential_piece(p))
    fragment = parts.fragment
    if "=" in fragment:
        fragment = "&".join(p for p in fragment.split("&") if not _credential_piece(p))
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def mask_number(value: str) -> str:
    """Mask a phone number but its last 4 digits: ``+91-9876543210`` -> ``+91-******3210``.

    Separators stay, and so does the country code after a ``+``. Values with
    fewer than 8 digits are masked entirely: too little is left to hide.
    """
    digits = sum(ch.isdigit() for ch in value)
    keep_tail = 4 if digits >= 8 else 0
    keep_head = 0
    if value.lstrip().startswith("+"):
        try:
            keep_head = len(str(phonenumbers.parse(value, None).country_code))
        except phonenumbers.NumberParseException:
            keep_head = 0
    out: list[str] = []
    seen = 0
    for ch in value:
        if ch.isdigit():
            seen += 1
            visible = seen <= keep_head or seen > digits - keep_tail
            out.append(ch if visible else "*")
        else:
            out.append(ch)
    return "".join(out)


def _mask_match(match: re.Match[str]) -> str:
    found = match.group(0)
    if found[:3].upper() == "%2B":
        return "%2B" + mask_number("+" + found[3:])[1:]
    return mask_number(found)


def _forms(secret: str) -> set[str]:
    """Every way a secret may be written in a URL, form body, JSON body or log."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


class Redactor:
    """Replace secrets with ``***`` and mask phone numbers in text and mappings."""

    def __init__(self, secrets: Iterable[str] = (), *, show_numbers: bool = False) -> None:
        forms = {form for secret in secrets if secret for form in _forms(secret) if form}
        self.show_numbers = show_numbers
        # Longest first, so a secret that contains another is replaced whole.
        ordered = sorted(forms, key=lambda form: (-len(form), form))
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def reveals(self, value: str) -> bool:
        """True when ``value`` holds one of the secrets, in any of the forms it travels in."""
        return self._pattern is not None and self._pattern.search(value) is not None

    def text(self, value: str) -> str:
        """Redact one text: secrets, credential parameters and (unless shown) numbers."""
        if self._pattern is not None:
            value = self._pattern.sub(MASK, value)
        value = _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, value)
        value = _JSON_SECRET.sub(lambda m: m.group(1) + MASK, value)
        value = _BEARER.sub(lambda m: m.group(1) + MASK, value)
        if not self.show_numbers:
            value = _NUMBER.sub(_mask_match, value)
        return value

    def value(self, value: Any) -> Any:
        """Redact any JSON-like value (text, number, list, mapping)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return self.mapping(value)
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        if isinstance(value, int) and not isinstance(value, bool):
            # Numbers often arrive as JSON integers (CallerID 919080600507).
            masked = self.text(str(value))
            return value if masked == str(value) else masked
        return value

    def mapping(self, value: Mapping[str, Any]) -> dict[str, Any]:
        """A copy with credential keys hidden and every other value redacted."""
        out: dict[str, Any] = {}
        for key, item in value.items():
            if is_secret_key(str(key)) and item not in (None, ""):
                out[key] = MASK
            else:
                out[key] = self.value(item)
        return out


# Only credential parameters (``api_key=...``, ``"token": "..."``) inside texts:
# no declared secrets, and numbers stay (the store needs them).
_CREDENTIALS = Redactor(show_numbers=True)


_URL_START = ("http://", "https://")
# Only a URL with user info, a query or a fragment can carry a credential.
_MAY_HOLD_CREDENTIALS = re.compile(r"[?@#]").search
# The scheme is case-insensitive (RFC 9110): "BEarer ..." is a bearer token too.
_MAY_BE_BEARER = re.compile("(?i)bearer").search


def _scrubbed(item: Any) -> Any:
    if isinstance(item, str):  # first: nearly every value is text
        if (
            _MAY_HOLD_CREDENTIALS(item)
            and item[:8].lower().startswith(_URL_START)
            and not any(c.isspace() for c in item)
        ):
            # A whole URL (a recording): keep it usable, without its credentials.
            item = strip_credentials(item)
        # Only ``name=value``, JSON texts and "Bearer ..." can hold a credential;
        # most values (times, numbers, names) skip the regexes.
        if "=" in item or '"' in item or _MAY_BE_BEARER(item):
            return _CREDENTIALS.text(item)
        return item
    if isinstance(item, Mapping):
        return {
            str(key): _scrubbed(value) for key, value in item.items() if not is_secret_key(str(key))
        }
    if isinstance(item, list | tuple):
        return [_scrubbed(each) for each in item]
    return item


class ScrubbedRecord(dict[str, Any]):
    """A record without credential fields, at any depth; read-only, JSON-ready.

    ``ScrubbedRecord(record)`` scrubs: credential keys are dropped, a text
    that is a URL loses its credential parameters (``strip_credentials``: a
    recording URL ``https://rec.example/1.mp3?token=abc&id=7`` is kept as
    ``https://rec.example/1.mp3?id=7``), and credential parameters and
    ``Bearer`` values inside other texts are shown as ``***``.
    ``ScrubbedRecord.trusted(data)`` wraps data scrubbed before (read back from
    the CRM store), without scrubbing it again. It is a ``dict`` so that
    ``json.dumps`` and comparisons take it as it is; the methods that would
    change it are refused.
    """

    def __init__(self, record: Mapping[str, Any] | None = None) -> None:
        super().__init__(_scrubbed(record) if record else {})

    @classmethod
    def trusted(cls, data: Mapping[str, Any]) -> ScrubbedRecord:
        """Wrap ``data`` that was scrubbed when it entered; nothing is checked."""
        record = cls()
        dict.update(record, data)
        return record

    def _read_only(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a ScrubbedRecord is read-only; build a new one")

    __setitem__ = __delitem__ = _read_only
    clear = pop = popitem = setdefault = update = __ior__ = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (ScrubbedRecord.trusted, (dict(self),))

    def to_dict(self) -> dict[str, Any]:
        """A plain ``dict`` copy (nested values are shared, not copied)."""
        return dict(self)
