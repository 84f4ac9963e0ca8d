"""Credentials out of everything the simulator shows: ``***`` in their place.

A credential is a value under a secret-looking name: a parameter, header or
JSON key (``api_key``, ``token``, ``key``, ``secret``, ``password``,
``signature``, ``authorization``...), or a ``name=value`` pair of such a name
inside a string (a callback URL's ``?token=...``). The journal stores
redacted copies; the control plane redacts every answer once more on its way
out (:func:`redact_json`), so a secret that reached state some other way
(an account's ``callback_url``, a delivery error that quotes a URL) is still
not shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "SECRET_NAMES",
    "redact_json",
    "redact_mapping",
    "redact_text",
    "redacted_url",
]

REDACTED = "***"
#: Names (compared lower-case) whose values are credentials.
SECRET_NAMES = frozenset(
    {
        "access_token",
        "accesskey",
        "api_key",
        "apikey",
        "auth",
        "authorization",
        "client_secret",
        "key",
        "knowlarity_authorization",
        "knowlarity_api_key",
        "password",
        "passwd",
        "secret",
        "secret_key",
        "secretkey",
        "sig",
        "signature",
        "token",
        "x-api-key",
    }
)
# name=value inside a value (a URL passed as a parameter), names as above.
_NESTED_SECRET = re.compile(
    r"(?i)((?:^|[?&;])(?:" + "|".join(map(re.escape, sorted(SECRET_NAMES))) + r")=)[^&#\s\"']+"
)


def redact_text(value: str) -> str:
    """``value`` with the values of secret-named ``name=value`` pairs as ``***``."""
    if "=" not in value:
        return value
    return _NESTED_SECRET.sub(lambda m: m.group(1) + REDACTED, value)


def _redacted(key: str, value: Any) -> Any:
    if key.lower() in SECRET_NAMES and value not in ("", None):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with secret-named keys, and secret parameters inside values, as ``***``."""
    return {key: _redacted(key, value) for key, value in values.items()}


def redact_json(value: Any) -> Any:
    """A JSON-ready value with every credential in it (at any depth) as ``***``."""
    if isinstance(value, Mapping):
        return {
            key: (
                REDACTED
                if isinstance(key, str)
                and key.lower() in SECRET_NAMES
                and isinstance(item, str)
                and item
                else redact_json(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_json(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redacted_url(url: str | None) -> str | None:
    """``url`` with the values of secret-named query parameters replaced by ``***``."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = redact_mapping(dict(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))
