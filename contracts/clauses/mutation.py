"""Edit a rendered request the way a probe needs: blank a parameter, swap a value.

The error-case clauses send the config's own request with one thing changed
(an empty ``userName``, a wrong key, the customer number in another format).
Editing the rendered request, not the config, reaches parameters wherever the
config put them: in the URL's own query string, in ``params``, in a form or
JSON body, or in a header. Which parameter is the username, the key or the
agent phone is read from the config (:mod:`contracts.clauses.roles`), never
guessed from usual names.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import connector

__all__ = ["normalise", "replace_values", "set_named"]

Edit = Callable[[str, str], str | None]  # (name, value) -> new value, or None to keep


def normalise(name: str) -> str:
    """``api_key``, ``apiKey`` and ``X-Api-Key`` all become comparable."""
    return re.sub(r"[-_\s]", "", name).lower()


def _edit_pairs(pairs: list[tuple[str, str]], edit: Edit) -> tuple[list[tuple[str, str]], int]:
    changed = 0
    out: list[tuple[str, str]] = []
    for name, value in pairs:
        new = edit(name, value)
        if new is not None:
            changed += 1  # a match counts even when the value stays (already empty)
        out.append((name, value if new is None else new))
    return out, changed


def _edit_json(document: Any, edit: Edit) -> tuple[Any, int]:
    if not isinstance(document, dict):
        return document, 0
    changed = 0
    out: dict[str, Any] = {}
    for name, value in document.items():
        new = None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            new = edit(str(name), str(value))
            changed += new is not None
        out[name] = value if new is None else new
    return out, changed


def edit_request(
    request: connector.RenderedRequest, edit: Edit
) -> tuple[connector.RenderedRequest, int]:
    """Apply ``edit`` to every parameter, body field and header; count the matches."""
    parts = urlsplit(request.url)
    query, in_query = _edit_pairs(parse_qsl(parts.query, keep_blank_values=True), edit)
    url = urlunsplit(parts._replace(query=urlencode(query))) if in_query else request.url
    headers, in_headers = _edit_pairs(list(request.headers), edit)
    body = request.body
    in_body = 0
    content_type = (request.content_type or "").lower()
    if body:
        text = body.decode("utf-8", errors="replace")
        if "form" in content_type:
            pairs, in_body = _edit_pairs(parse_qsl(text, keep_blank_values=True), edit)
            if in_body:
                body = urlencode(pairs).encode()
        else:
            try:
                document = json.loads(text)
            except ValueError:
                document = None
            new_doc, in_body = _edit_json(document, edit)
            if in_body:
                body = json.dumps(new_doc).encode()
    edited = dataclasses.replace(request, url=url, headers=tuple(headers), body=body)
    return edited, in_query + in_headers + in_body


def set_named(
    request: connector.RenderedRequest, names: Iterable[str], value: str
) -> tuple[connector.RenderedRequest, int]:
    """Set every parameter whose normalised name is in ``names`` to ``value``."""
    wanted = {normalise(n) for n in names}
    return edit_request(request, lambda n, _v: value if normalise(n) in wanted else None)


def replace_values(
    request: connector.RenderedRequest, old: Iterable[str], new: str
) -> tuple[connector.RenderedRequest, int]:
    """Replace every parameter whose value is one of ``old`` with ``new``."""
    olds = {o for o in old if o}
    return edit_request(request, lambda _n, v: new if v in olds else None)
