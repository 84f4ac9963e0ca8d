"""Shared-secret authentication of the call-log endpoint.

Providers post call logs to a URL the admin types into their portal. Some can
add a header (``Authorization: Bearer <t>`` or ``X-MCC-Token: <t>``); Ozonetel's
callback URL is a plain URL, so the token may also ride in the query string
(``?token=<t>``). The query form ends up in proxy and access logs, so it is
only for providers that cannot send headers.

The secret comes from the environment (``MCC_CALLLOG_TOKEN``) and is compared
in constant time; it never appears in an answer or a log line. ``mcc serve``
refuses one shorter than :data:`MIN_TOKEN_CHARS` (16) unless told otherwise.

:class:`TokenGate` checks it as WSGI middleware, from the request's headers
and query alone: a request without the right token is answered 401 before
anything reads its body (under a streaming server such as gunicorn, nothing
of it is read at all; waitress has already buffered at most the body limit).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from calling.service_log import WsgiApp, log_refused
from connector.errors import ConfigError

__all__ = [
    "MIN_TOKEN_CHARS",
    "TOKEN_ENV",
    "TOKEN_HEADER",
    "TOKEN_QUERY",
    "TokenGate",
    "presented_token",
    "token_from_env",
    "token_matches",
]

TOKEN_ENV = "MCC_CALLLOG_TOKEN"
TOKEN_HEADER = "X-MCC-Token"
TOKEN_QUERY = "token"
#: The shortest token ``mcc serve`` accepts without ``--insecure-short-token``.
MIN_TOKEN_CHARS = 16
_BEARER = "bearer "
_REFUSAL = (
    "missing or wrong token: send Authorization: Bearer <token>, X-MCC-Token,"
    " or ?token= (for providers that cannot send headers)"
)


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


def token_from_env(environ: Mapping[str, str], *, allow_short: bool = False) -> str | None:
    """The shared secret from ``MCC_CALLLOG_TOKEN`` (None when unset).

    One shorter than :data:`MIN_TOKEN_CHARS` is a ``ConfigError`` saying how
    to make a good one, unless ``allow_short`` (tests).
    """
    token = environ.get(TOKEN_ENV) or None
    if token is not None and len(token) < MIN_TOKEN_CHARS and not allow_short:
        raise ConfigError(
            f"{TOKEN_ENV} is shorter than {MIN_TOKEN_CHARS} characters: use a long random"
            " secret (python -c 'import secrets; print(secrets.token_urlsafe(24))'),"
            " or pass --insecure-short-token"
        )
    return token


class TokenGate:
    """WSGI middleware: a POST under ``prefix`` without the right token is 401, body unread.

    Wrap a Flask app's ``wsgi_app`` with it (``app.wsgi_app = TokenGate(...)``);
    every other request passes through untouched.
    """

    def __init__(self, app: WsgiApp, token: str, prefix: str = "/calllog") -> None:
        self.app = app
        self._token = token
        self._prefix = prefix

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        guarded = path == self._prefix or path.startswith(self._prefix + "/")
        if not guarded or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        # Request() reads headers and the query string only; the body stays unread.
        request = Request(environ)
        if token_matches(presented_token(request.headers, request.args), self._token):
            return self.app(environ, start_response)
        log_refused(401, "missing or wrong token")
        body = json.dumps({"status": "error", "message": _REFUSAL})
        response = Response(body, 401, content_type="application/json")
        response.headers["WWW-Authenticate"] = 'Bearer realm="mcc-calllog"'
        # No Connection header: hop-by-hop headers are the server's (PEP 3333);
        # the server itself drains or drops the unread body.
        return response(environ, start_response)
