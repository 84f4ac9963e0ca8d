"""Ozonetel envelopes: XML by default on AgentManualDial, JSON with ``format=json``,
plain text with ``format=text`` ([I]: the body a connector's ``NonJSON`` rule
sees, ``queued successfully 90...`` or ``Fail Agent is not available``).

The XML is what old clients parse (``Hash.from_xml(resp)['status']``)::

    <?xml version="1.0"?><response><status>queued successfully</status><ucid>...</ucid></response>

Every answer is HTTP 200, errors included (the quirk connectors must map).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.sax.saxutils import escape

from flask import Response

__all__ = ["fields_response", "json_fields", "refusal", "text_fields", "xml_fields"]


def xml_fields(fields: Sequence[tuple[str, str]]) -> str:
    """``<?xml version="1.0"?><response><k>v</k>...</response>``, values escaped."""
    inner = ""
    for key, value in fields:  # two or three fields: no list to join
        inner += f"<{key}>{escape(value)}</{key}>"
    return f'<?xml version="1.0"?><response>{inner}</response>'


def json_fields(fields: Sequence[tuple[str, str]]) -> str:
    """The same fields as a flat JSON object, in order."""
    return json.dumps(dict(fields))


def text_fields(fields: Sequence[tuple[str, str]]) -> str:
    """The values alone, space-separated: ``queued successfully 9012345678901``."""
    return " ".join(value for _, value in fields)


def fields_response(fields: Sequence[tuple[str, str]], fmt: str = "json") -> Response:
    """Render ``fields`` as JSON, plain text (``text``) or XML (anything else), HTTP 200."""
    kind = fmt.lower()
    if kind == "json":
        return Response(json_fields(fields), 200, content_type="application/json")
    if kind in ("text", "plain"):
        return Response(text_fields(fields), 200, content_type="text/plain; charset=UTF-8")
    return Response(xml_fields(fields), 200, content_type="text/xml; charset=UTF-8")


def refusal(status: int, code: str, message: str) -> Response:
    """The simulator's own refusal (unresolved token, null number): JSON."""
    del code  # the flat envelope has no code field
    body = json.dumps({"status": "error", "message": message})
    return Response(body, status, content_type="application/json")
