"""Mail-merge templating: turn an API config and a merge context into a request.

Tokens (the LeadSquared connector's, see docs/interfaces.md):

=============================================  ===================================
``@{Lead:Field,Default}`` (also User, Owner)    a CRM field; comma and default optional
``@VirtualNumber``                              ``user[virtual_number_field]``
``@CustomerNumber``                             the number being called, ``+91-N``
``@AssociatedPhoneNumberWithoutCountryCode``    the agent's phone, national form
``{{Agent_Number}}``                            the agent's phone, national form
``${ENV_VAR}``                                  a secret from the environment
=============================================  ===================================

Every value is encoded for where it lands (path segment, query, form, JSON
string), after the template's own structure has been parsed, so no value can
add, drop or rename a parameter or change the host or path. A token without a
value and without a default is an error before anything is sent (``@{Lead:Mobile,}``
has an empty default and renders empty): the output never holds a literal
``@{...}`` or the string ``null``. Pure: no I/O, no globals; secrets come from
``MergeContext.env``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from connector.config import ApiConfig, BodyEncoding
from connector.errors import (
    MissingSecretError,
    PhoneNumberError,
    TemplateError,
    UnresolvedTokenError,
)
from connector.memo import IdentityCache
from connector.phone import parse_phone
from connector.redaction import Redactor
from connector.tokens import ENTITIES, MERGE, Token, find_tokens, scan, tokens_in_api, where_text

__all__ = [
    "MergeContext",
    "RenderedRequest",
    "Token",
    "find_tokens",
    "render_request",
    "render_text",
    "tokens_in_api",
]

_EMPTY_WORDS = frozenset({"", "null", "none", "undefined"})
# Stand-ins for tokens while a URL or body template is parsed: private-use
# characters cannot be confused with URL or JSON syntax.
_HOLE = re.compile("\ue000(\\d+)\ue001")

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class MergeContext:
    """The values a request is merged with; ``env`` supplies ``${ENV_VAR}`` secrets."""

    lead: Mapping[str, str] = field(default_factory=dict)
    user: Mapping[str, str] = field(default_factory=dict)
    owner: Mapping[str, str] = field(default_factory=dict)
    customer_number: str | None = None
    agent_phone: str | None = None
    virtual_number_field: str = "mx_Custom_8"
    region: str = "IN"
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedRequest:
    """A request ready to send, plus what is needed to show it without secrets."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    content_type: str | None
    secrets: frozenset[str] = frozenset()
    secret_names: Mapping[str, str] = field(default_factory=dict)

    def _redactor(self) -> Redactor:
        # Numbers stay visible: the caller decides whether to mask them.
        return Redactor(self.secrets, show_numbers=True)

    def redacted_url(self) -> str:
        """The URL with every secret replaced by ``***``."""
        return self._redactor().text(self.url)

    def redacted_headers(self) -> tuple[tuple[str, str], ...]:
        """The headers with every secret replaced by ``***``."""
        redactor = self._redactor()
        return tuple((name, redactor.text(value)) for name, value in self.headers)

    def redacted_body(self) -> str | None:
        """The body as text with every secret replaced by ``***``."""
        if self.body is None:
            return None
        return self._redactor().text(self.body.decode("utf-8", errors="replace"))


def _is_empty(value: object) -> bool:
    """No usable value: missing, blank, a spelled-out null, or an unreplaced token."""
    if value is None:
        return True
    text = str(value).strip()
    if text.lower() in _EMPTY_WORDS:
        return True
    return text.startswith("@{") and bool(MERGE.fullmatch(text))


def _lookup(record: Mapping[str, str], name: str) -> object:
    if name in record:
        return record[name]
    lowered = name.lower()
    for key, value in record.items():
        if str(key).lower() == lowered:
            return value
    return None


class _Resolver:
    """Resolves tokens against one context and remembers which values were secrets."""

    __slots__ = ("ctx", "secret_names")

    def __init__(self, ctx: MergeContext) -> None:
        self.ctx = ctx
        self.secret_names: dict[str, str] = {}

    def _fail(self, token: Token, reason: str) -> UnresolvedTokenError:
        return UnresolvedTokenError(token.text, token.position, where_text(token.where), reason)

    def _phone(self, token: Token, raw: object, what: str) -> str:
        if _is_empty(raw):
            raise self._fail(token, f"no {what} is known; set it before calling")
        try:
            number = parse_phone(str(raw), self.ctx.region)
        except PhoneNumberError as exc:
            raise self._fail(token, f"the {what} is not usable: {exc}") from None
        return number.crm if token.kind == "customer_number" else number.national

    def value(self, token: Token) -> str:
        ctx = self.ctx
        if token.kind == "env":
            name = token.field or ""
            secret = ctx.env.get(name)
            if not secret or not secret.strip():
                raise MissingSecretError(name, where_text(token.where))
            self.secret_names[secret] = name
            return secret
        if token.kind in ENTITIES:
            record: Mapping[str, str] = getattr(ctx, token.kind)  # lead, user or owner
            found = _lookup(record, token.field or "")
            if not _is_empty(found):
                return str(found)
            if token.default is not None:
                # ``@{Lead:Mobile,}``: the admin wrote a default, even an empty one,
                # so an empty field is acceptable (the seed sends LeadPhone and
                # LeadMobile side by side). Without the comma it is an error.
                return "" if _is_empty(token.default) else token.default
            raise self._fail(
                token, f"{token.kind} field {token.field} is empty and the token has no default"
            )
        if token.kind == "virtual_number":
            found = _lookup(ctx.user, ctx.virtual_number_field)
            if _is_empty(found):
                raise self._fail(
                    token, f"user field {ctx.virtual_number_field} (virtual number) is empty"
                )
            return str(found).strip()
        if token.kind == "customer_number":
            return self._phone(token, ctx.customer_number, "customer number")
        agent = ctx.agent_phone
        for key in ("PhoneMobile", "Phone"):
            if _is_empty(agent):
                agent = str(_lookup(ctx.user, key) or "")
        return self._phone(token, agent, "agent phone (agent_phone, user PhoneMobile or Phone)")

    def render(self, parts: Sequence[Token | str], encode: Callable[[str], str]) -> str:
        return "".join(
            part if isinstance(part, str) else encode(self.value(part)) for part in parts
        )


def render_text(template: str, ctx: MergeContext, where: str = "") -> str:
    """Replace every token in ``template`` with its plain (unencoded) value."""
    return _Resolver(ctx).render(scan(template, where), str)


def _with_holes(template: str, where: str) -> tuple[str, list[Token]]:
    """The template with each token replaced by a numbered stand-in."""
    if "\ue000" in template or "\ue001" in template:
        raise TemplateError(f"{where_text(where)}: contains reserved characters U+E000/U+E001")
    tokens: list[Token] = []
    out: list[str] = []
    for part in scan(template, where):
        if isinstance(part, str):
            out.append(part)
        else:
            out.append(f"\ue000{len(tokens)}\ue001")
            tokens.append(part)
    return "".join(out), tokens


Pieces = tuple[Token | str, ...]


def _pieces(text: str, tokens: list[Token], literal: Callable[[str], str]) -> Pieces:
    """Stand-ins back to tokens; literal texts through ``literal`` (done once, at compile)."""
    out: list[Token | str] = []
    for index, piece in enumerate(_HOLE.split(text)):
        if index % 2:
            out.append(tokens[int(piece)])
        elif piece:
            out.append(literal(piece))
    return tuple(out)


def _join(pieces: Pieces, resolver: _Resolver, encode: Callable[[str], str]) -> str:
    """Literal pieces as they are, token values through ``encode``."""
    if len(pieces) == 1:  # most values are one literal or one token
        only = pieces[0]
        if isinstance(only, str):
            return only
        return resolver.value(only) if encode is str else encode(resolver.value(only))
    return "".join(
        piece if isinstance(piece, str) else encode(resolver.value(piece)) for piece in pieces
    )


def _quote_all(value: str) -> str:
    return quote(value, safe="")


def _quote_segment(value: str) -> str:
    # Dots too: a value of ".." would otherwise be a dot-segment that clients
    # and servers normalise away, changing the path.
    return quote(value, safe="").replace(".", "%2E")


@dataclass(frozen=True)
class _Compiled:
    """An API config's templates parsed once: what is left per call is filling tokens."""

    scheme: str
    netloc: str
    path: Pieces  # literals as written; values quoted as one path segment
    fragment: Pieces
    query: tuple[tuple[str, Pieces], ...]  # names and literals already URL-decoded
    params: tuple[tuple[str, Pieces], ...]
    headers: tuple[tuple[str, Pieces], ...]
    body: Pieces | None  # a raw JSON body template; values JSON-escaped
    # scheme://host/path when the path holds no token (the common case): the
    # URL is then this plus the query, with no per-call URL assembly.
    static_base: str | None = None


def _compile_url(url: str) -> tuple[str, str, Pieces, Pieces, tuple[tuple[str, Pieces], ...]]:
    holed, tokens = _with_holes(url, "url")
    parts = urlsplit(holed)
    if _HOLE.search(parts.scheme + parts.netloc):
        raise TemplateError("url: tokens are not allowed in the scheme or host; write them out")
    query: list[tuple[str, Pieces]] = []
    for item in parts.query.split("&") if parts.query else []:
        if not item:
            continue
        name, _, value = item.partition("=")
        if _HOLE.search(name):
            raise TemplateError("url: tokens are not allowed in parameter names")
        # Literal text was written URL-encoded; values go in raw and are encoded once.
        query.append((unquote_plus(name), _pieces(value, tokens, unquote_plus)))
    path = _pieces(parts.path, tokens, str)
    fragment = _pieces(parts.fragment, tokens, str)
    return parts.scheme, parts.netloc, path, fragment, tuple(query)


def _compile_body(template: str) -> Pieces:
    holed, tokens = _with_holes(template, "body")
    try:
        json.loads(holed)
    except ValueError as exc:
        raise TemplateError(
            f"body: body_template is not a JSON document with tokens inside strings "
            f'({exc.args[0] if exc.args else exc}); put each token inside "..."'
        ) from None
    return _pieces(holed, tokens, str)


def _compile(api: ApiConfig) -> _Compiled:
    scheme, netloc, path, fragment, query = _compile_url(api.url)
    params = tuple((name, scan(value, f"params.{name}")) for name, value in api.params.items())
    headers = tuple((name, scan(value, f"headers.{name}")) for name, value in api.headers.items())
    body = _compile_body(api.body_template or "") if api.body_encoding == BodyEncoding.RAW else None
    static = all(isinstance(piece, str) for piece in path) and not fragment
    base = urlunsplit((scheme, netloc, "".join(map(str, path)), "", "")) if static else None
    return _Compiled(scheme, netloc, path, fragment, query, params, headers, body, base)


_compiled: IdentityCache[ApiConfig, _Compiled] = IdentityCache(_compile)


@lru_cache(maxsize=4096)
def _quote_short(value: str) -> str:
    return quote(value, safe="")


def _encode_pairs(pairs: list[tuple[str, str]]) -> str:
    """``application/x-www-form-urlencoded`` with every reserved character escaped."""
    # Names and most values (ids, numbers, keys) repeat from call to call; long
    # free text is quoted afresh so the cache never holds big strings.
    short = _quote_short
    return "&".join(
        [
            f"{short(k) if len(k) <= 64 else quote(k, safe='')}="
            f"{short(v) if len(v) <= 64 else quote(v, safe='')}"
            for k, v in pairs
        ]
    )


def _json_escape(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def render_request(api: ApiConfig, ctx: MergeContext) -> RenderedRequest:
    """Render an API config into a request; raise ``TemplateError`` before anything is sent."""
    template = _compiled(api)
    resolver = _Resolver(ctx)
    path = fragment = ""
    if template.static_base is None:
        path = _join(template.path, resolver, _quote_segment)
        fragment = _join(template.fragment, resolver, _quote_all)
    query = [(name, _join(pieces, resolver, str)) for name, pieces in template.query]
    params = [(name, _join(pieces, resolver, str)) for name, pieces in template.params]
    headers: list[tuple[str, str]] = []
    for name, pieces in template.headers:
        rendered = _join(pieces, resolver, str)
        if "\r" in rendered or "\n" in rendered or "\x00" in rendered:
            # Never show the value: it may hold a secret.
            raise TemplateError(
                f"headers.{name}: the rendered value contains a line break or NUL; "
                "header values must be one line"
            )
        headers.append((name, rendered))
    encoding = api.body_encoding
    body: bytes | None = None
    content_type: str | None = None
    if encoding is None:
        query += params
    elif encoding == BodyEncoding.FORM:
        body, content_type = _encode_pairs(params).encode("utf-8"), FORM_TYPE
    elif encoding == BodyEncoding.JSON:
        body = json.dumps(dict(params), ensure_ascii=False).encode("utf-8")
        content_type = JSON_TYPE
    else:
        text = _join(template.body or (), resolver, _json_escape)
        try:
            json.loads(text)
        except ValueError:  # pragma: no cover - escaping keeps strings closed
            raise TemplateError("body: the rendered body is not valid JSON") from None
        body, content_type = text.encode("utf-8"), JSON_TYPE
    # A Content-Type the admin configured wins over the encoding's default.
    for name, value in headers:
        if name.lower() == "content-type" and body is not None:
            content_type = value
    if template.static_base is not None:
        url = f"{template.static_base}?{_encode_pairs(query)}" if query else template.static_base
    else:
        url = urlunsplit(
            (
                template.scheme,
                template.netloc,
                path,
                _encode_pairs(query) if query else "",
                fragment,
            )
        )
    return RenderedRequest(
        method=api.method,
        url=url,
        headers=tuple(headers),
        body=body,
        content_type=content_type,
        secrets=frozenset(resolver.secret_names),
        secret_names=MappingProxyType(resolver.secret_names),  # the resolver's own, not shared
    )
