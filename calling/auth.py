"""Shared-secret authentication of the call-log endpoint.

Providers post call logs to a URL the admin types into their portal. Some can
add a header (``Authorization: Bearer <t>`` or ``X-MCC-Token: <t>``); Ozonetel's
callback URL is a plain URL, so the token may also ride in the query string
(``?token=<t>``). The query form ends up in proxy and access logs, so it is
only for providers that cannot send headers.

The secret comes from the environment (``MCC_CALLLOG_TOKEN``) and is compared
in constant time; it never appears in an answer or a log line.
"""

from __future__ import annotations

import hmac
from typing import Protocol

__all__ = ["TOKEN_ENV", "TOKEN_HEADER", "TOKEN_QUERY", "presented_token", "token_matches"]

TOKEN_ENV = "MCC_CALLLOG_TOKEN"
TOKEN_HEADER = "X-MCC-Token"
TOKEN_QUERY = "token"
_BEARER = "bearer "


class _Lookup(Protocol):
    """Headers or query arguments: anything with ``get(name, default)``."""

    def get(self, key: str, default: str) -> str: ...


def presented_token(headers: _Lookup, query: _Lookup) -> str | None:
    """The token a request presents: Bearer header, then ``X-MCC-Token``, then ``?token=``."""
    authorization = headers.get("Authorization", "")
    if authorization[: len(_BEARER)].lower() == _BEARER:
        return authorization[len(_BEARER) :].strip() or None
    header = headers.get(TOKEN_HEADER, "").strip()
    if header:
        return header
    value = query.get(TOKEN_QUERY, "").strip()
    return value or None


def token_matches(presented: str | None, expected: str) -> bool:
    """True when ``presented`` equals ``expected`` (constant-time; empty never matches)."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))
