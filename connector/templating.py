"""Mail-merge templating: turn an API config and a merge context into a request.

Tokens (the LeadSquared connector's, see docs/interfaces.md):

=============================================  ===================================
``@{Lead:Field,Default}`` (also User, Owner)    a CRM field; comma and default optional
``@VirtualNumber``                              ``user[virtual_number_field]``
``@CustomerNumber``                             the number being called, ``+91-N``
``@AssociatedPhoneNumberWithoutCountryCode``    the agent's phone, national form
``{{Agent_Number}}``                            the agent's phone, national form
``@CallbackUrl``                                where the provider pushes the call log
``${ENV_VAR}``                                  a secret from the environment
=============================================  ===================================

The four number tokens take a written form: ``@CustomerNumber[e164]``,
``@AssociatedPhoneNumberWithoutCountryCode[e164]``, ``{{Agent_Number[e164]}}``,
``@VirtualNumber[with_country_code]`` (``PhoneNumber.format``; the forms are
``connector.config.NUMBER_FORMATS``). With a form, ``@VirtualNumber``'s field
must hold a phone number; without one it is sent as written (a campaign name).

Every value is encoded for where it lands (path segment, query, form, JSON
string), after the template's own structure has been parsed
(``ApiConfig.template``), so no value can add, drop or rename a parameter or
change the host or path. A token without a value and without a default is an
error before anything is sent (``@{Lead:Mobile,}`` has an empty default and
renders empty): the output never holds a literal ``@{...}``, and never the
string ``null`` for a value that is missing. Only a missing value is empty
(``None``, blank text, an unreplaced ``@{...}``): a CRM value ``Null``,
``None`` or ``undefined`` is text and is sent as written. In a default,
``null``, ``none`` and ``undefined`` mean an empty default. Header values
must be one line of ASCII: a value that is not is refused before sending,
naming the header and the token. Pure: no I/O, no globals; secrets come
from ``MergeContext.env``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import quote, urlunsplit

from connector.config import ApiConfig, BodyEncoding
from connector.errors import (
    MissingSecretError,
    PhoneNumberError,
    TemplateError,
    UnresolvedTokenError,
)
from connector.phone import PhoneNumber, parse_phone
from connector.redaction import Redactor
from connector.template import Pieces
from connector.tokens import ENTITIES, MERGE, Token, scan, where_text

__all__ = [
    "FORM_TYPE",
    "JSON_TYPE",
    "MergeContext",
    "RenderedRequest",
    "render_request",
    "render_text",
    "tokens_in_api",
]

# In a default (config syntax, ``@{Lead:Phone,null}``) these words mean "send
# nothing"; in a CRM value they are text: a surname may be Null or None.
_EMPTY_DEFAULTS = frozenset({"", "null", "none", "undefined"})
_AGENT_FIELDS = ("PhoneMobile", "Phone")

FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class MergeContext:
    """The values a request is merged with; ``env`` supplies ``${ENV_VAR}`` secrets.

    The numbers are parsed already (``parse_phone``, at the edge where they
    came in): ``@CustomerNumber`` renders ``customer_number.crm``, the agent
    tokens ``agent_phone.national``, or the form a ``[form]`` suffix asks for.
    Without ``agent_phone`` the user's ``PhoneMobile`` (then ``Phone``) field is
    parsed. ``callback_url`` is the URL the provider should push the call log
    to (``@CallbackUrl``); its ``${VAR}`` references are resolved like any.
    """

    lead: Mapping[str, str] = field(default_factory=dict)
    user: Mapping[str, str] = field(default_factory=dict)
    owner: Mapping[str, str] = field(default_factory=dict)
    customer_number: PhoneNumber | None = None
    agent_phone: PhoneNumber | None = None
    virtual_number_field: str = "mx_Custom_8"
    region: str = "IN"
    env: Mapping[str, str] = field(default_factory=dict)
    callback_url: str | None = None


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
    """No value: missing (``None``), blank, or a token some other system left unreplaced.

    Any other text is a value, sent as written: ``Null``, ``None`` and
    ``undefined`` are real surnames and real answers (docs/connector.md).
    """
    if value is None:
        return True
    text = str(value).strip()
    return not text or (text.startswith("@{") and bool(MERGE.fullmatch(text)))


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

    def _agent(self, token: Token) -> PhoneNumber:
        """The agent's phone: the context's, else the user's phone field."""
        if self.ctx.agent_phone is not None:
            return self.ctx.agent_phone
        what = "agent phone (agent_phone, user PhoneMobile or Phone)"
        raw = next(
            (found for key in _AGENT_FIELDS if not _is_empty(found := _lookup(self.ctx.user, key))),
            None,
        )
        if raw is None:
            raise self._fail(token, f"no {what} is known; set it before calling")
        try:
            return parse_phone(str(raw), self.ctx.region)
        except PhoneNumberError as exc:
            raise self._fail(token, f"the {what} is not usable: {exc}") from None

    def _virtual_number(self, token: Token) -> str:
        """The user's DID field as written, or in the form the token asks for."""
        name = self.ctx.virtual_number_field
        found = _lookup(self.ctx.user, name)
        if _is_empty(found):
            raise self._fail(token, f"user field {name} (virtual number) is empty")
        text = str(found).strip()
        if token.number_format is None:
            return text
        try:
            return parse_phone(text, self.ctx.region).format(token.number_format)
        except PhoneNumberError as exc:
            raise self._fail(
                token,
                f"user field {name} (virtual number) is not a phone number, so it has no"
                f" {token.number_format} form: {exc}",
            ) from None

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
                empty = token.default.strip().lower() in _EMPTY_DEFAULTS
                return "" if empty else token.default
            raise self._fail(
                token, f"{token.kind} field {token.field} is empty and the token has no default"
            )
        if token.kind == "virtual_number":
            return self._virtual_number(token)
        if token.kind == "customer_number":
            if ctx.customer_number is None:
                raise self._fail(token, "no customer number is known; set it before calling")
            return ctx.customer_number.format(token.number_format or "crm")
        if token.kind == "callback_url":
            if ctx.callback_url is None or not ctx.callback_url.strip():
                raise self._fail(
                    token,
                    "no call-log URL is known (MergeContext.callback_url); set the URL the"
                    " provider should push call logs to",
                )
            # A config's URL may name secrets itself (a ?token=${MCC_CALLLOG_TOKEN}).
            parts = scan(ctx.callback_url.strip(), "call_log.url")
            if any(not isinstance(part, str) and part.kind == "callback_url" for part in parts):
                # It would render itself without end (a --sample or --callback-url
                # the config validation never saw).
                raise self._fail(token, "the call-log URL holds @CallbackUrl itself")
            return self.render(parts, str)
        return self._agent(token).format(token.number_format or "national")

    def render(self, parts: Sequence[Token | str], encode: Callable[[str], str]) -> str:
        return "".join(
            part if isinstance(part, str) else encode(self.value(part)) for part in parts
        )


def render_text(template: str, ctx: MergeContext, where: str = "") -> str:
    """Replace every token in ``template`` with its plain (unencoded) value."""
    return _Resolver(ctx).render(scan(template, where), str)


def tokens_in_api(api: ApiConfig) -> list[Token]:
    """The tokens an API uses (URL, params, headers, body), first occurrence of each text."""
    return api.template.tokens()


def _join(pieces: Pieces, resolver: _Resolver, encode: Callable[[str], str]) -> str:
    """Literal pieces as they are, token values through ``encode``."""
    if len(pieces) == 1:  # most values are one literal or one token
        only = pieces[0]
        if isinstance(only, str):
            return only
        return encode(resolver.value(only))
    return "".join(
        piece if isinstance(piece, str) else encode(resolver.value(piece)) for piece in pieces
    )


def _header(name: str, pieces: Pieces, resolver: _Resolver) -> str:
    """One header value: one line of ASCII, or a ``TemplateError`` naming the culprit.

    HTTP header values are ASCII in practice (RFC 9110 leaves other octets
    opaque and providers read them differently), so a lead name like
    ``Ünïcødé`` is refused here rather than sent garbled. The value itself is
    never shown: it may hold a secret.
    """
    rendered = _join(pieces, resolver, str)
    if "\r" in rendered or "\n" in rendered or "\x00" in rendered:
        raise TemplateError(
            f"headers.{name}: the rendered value contains a line break or NUL; "
            "header values must be one line"
        )
    if not rendered.isascii():
        culprit = next(
            (
                piece.text
                for piece in pieces
                if isinstance(piece, Token) and not resolver.value(piece).isascii()
            ),
            "its literal text",
        )
        raise TemplateError(
            f"headers.{name}: the value of {culprit} holds non-ASCII characters, which an HTTP"
            " header cannot carry; move it to a URL parameter or the body, where it is encoded"
        )
    return rendered


def _quote_all(value: str) -> str:
    return quote(value, safe="")


def _quote_segment(value: str) -> str:
    # Dots too: a value of ".." would otherwise be a dot-segment that clients
    # and servers normalise away, changing the path.
    return quote(value, safe="").replace(".", "%2E")


def _encode_pairs(pairs: list[tuple[str, str]]) -> str:
    """``application/x-www-form-urlencoded`` with every reserved character escaped."""
    return "&".join([f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs])


def _json_escape(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def render_request(api: ApiConfig, ctx: MergeContext) -> RenderedRequest:
    """Render an API config into a request; raise ``TemplateError`` before anything is sent."""
    template = api.template
    resolver = _Resolver(ctx)
    path = fragment = ""
    if template.static_base is None:
        path = _join(template.path, resolver, _quote_segment)
        fragment = _join(template.fragment, resolver, _quote_all)
    query = [(name, _join(pieces, resolver, str)) for name, pieces in template.query]
    params = [(name, _join(pieces, resolver, str)) for name, pieces in template.params]
    headers = [(name, _header(name, pieces, resolver)) for name, pieces in template.headers]
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
