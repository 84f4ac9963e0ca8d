"""An API's templates parsed once: URL, parameters, headers and a raw JSON body.

``RequestTemplate.parse`` splits every template into literal pieces and
tokens. The URL is split into scheme, host, path, query and fragment *before*
any value is known, using private-use stand-ins for the tokens, so a value can
never add, drop or rename a parameter or change the host or path. Literal text
in the query was written URL-encoded by the admin and is decoded here, once;
values are encoded per call by :mod:`connector.templating`.

An ``ApiConfig`` parses its own template when it is validated and keeps it
(``ApiConfig.template``), so a call only fills in tokens and a template that
can never render fails the config. ``RequestTemplate.parse`` reports every
problem (URL, parameters, headers, body), not just the first. Pure module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from connector.errors import TemplateError
from connector.tokens import Token, scan, where_text

__all__ = ["Pieces", "RequestTemplate"]

# Stand-ins for tokens while a URL or body template is parsed: private-use
# characters cannot be confused with URL or JSON syntax.
_HOLE = re.compile("\ue000(\\d+)\ue001")

Pieces = tuple[Token | str, ...]


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


def _pieces(text: str, tokens: list[Token], literal: Callable[[str], str]) -> Pieces:
    """Stand-ins back to tokens; literal texts through ``literal``."""
    out: list[Token | str] = []
    for index, piece in enumerate(_HOLE.split(text)):
        if index % 2:
            out.append(tokens[int(piece)])
        elif piece:
            out.append(literal(piece))
    return tuple(out)


@dataclass(frozen=True)
class RequestTemplate:
    """What is left to do per call is filling in tokens."""

    scheme: str
    netloc: str
    path: Pieces  # literals as written; values are quoted as one path segment
    fragment: Pieces
    query: tuple[tuple[str, Pieces], ...]  # names and literals already URL-decoded
    params: tuple[tuple[str, Pieces], ...]
    headers: tuple[tuple[str, Pieces], ...]
    body: Pieces | None  # a raw JSON body template; values are JSON-escaped
    # scheme://host/path when the path holds no token (the common case): the
    # URL is then this plus the query, with no per-call URL assembly.
    static_base: str | None = None

    @classmethod
    def parse(
        cls,
        url: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        body_template: str | None = None,
    ) -> RequestTemplate:
        """Parse an API's templates; ``TemplateError`` names every problem.

        One problem is raised as it is (``params.to: token ... at position 0
        ...``); several as one error whose ``problems`` hold a line each, in
        the order URL, parameters, headers, body.
        """
        problems: list[TemplateError] = []
        scheme, netloc = "", ""
        path: Pieces = ()
        fragment: Pieces = ()
        query: tuple[tuple[str, Pieces], ...] = ()
        try:
            scheme, netloc, path, fragment, query = _parse_url(url)
        except TemplateError as exc:
            problems.append(exc)
        groups: dict[str, list[tuple[str, Pieces]]] = {"params": [], "headers": []}
        for group, templates in (("params", params), ("headers", headers)):
            for name, value in templates.items():
                try:
                    groups[group].append((name, scan(value, f"{group}.{name}")))
                except TemplateError as exc:
                    problems.append(exc)
        body: Pieces | None = None
        if body_template is not None:
            try:
                body = _parse_body(body_template)
            except TemplateError as exc:
                problems.append(exc)
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise TemplateError(
                f"{len(problems)} templates cannot render:", [str(exc) for exc in problems]
            )
        return cls(
            scheme=scheme,
            netloc=netloc,
            path=path,
            fragment=fragment,
            query=query,
            params=tuple(groups["params"]),
            headers=tuple(groups["headers"]),
            body=body,
            static_base=(
                urlunsplit((scheme, netloc, "".join(map(str, path)), "", ""))
                if all(isinstance(piece, str) for piece in path) and not fragment
                else None
            ),
        )

    def tokens(self) -> list[Token]:
        """The tokens used (URL, params, headers, body), first occurrence of each text."""
        seen: dict[str, Token] = {}
        for piece in self._all_pieces():
            if isinstance(piece, Token):
                seen.setdefault(piece.text, piece)
        return list(seen.values())

    def _all_pieces(self) -> Iterator[Token | str]:
        yield from self.path
        for _, pieces in self.query:
            yield from pieces
        yield from self.fragment
        for group in (self.params, self.headers):
            for _, pieces in group:
                yield from pieces
        yield from self.body or ()


def _parse_url(url: str) -> tuple[str, str, Pieces, Pieces, tuple[tuple[str, Pieces], ...]]:
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


def _parse_body(template: str) -> Pieces:
    holed, tokens = _with_holes(template, "body_template")
    try:
        json.loads(holed)
    except ValueError as exc:
        raise TemplateError(
            f"body_template: not a JSON document with tokens inside strings "
            f'({exc.args[0] if exc.args else exc}); put each token inside "..."'
        ) from None
    return _pieces(holed, tokens, str)
