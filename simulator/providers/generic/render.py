"""Envelopes of the generic dialect: flat JSON, ``status`` + ``message``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

from flask import Response

from simulator.providers.base import ProviderError

__all__ = ["error", "html_error", "json_response", "refusal"]


def json_response(body: Mapping[str, Any], status: int = 200) -> Response:
    """A JSON body in the key order given (the seed's order)."""
    return Response(json.dumps(body), status, content_type="application/json")


def error(exc: ProviderError) -> Response:
    """``{"status":"error","message":...}`` with the error's HTTP status (200)."""
    return json_response({"status": exc.status, "message": exc.text}, exc.http_status)


def html_error(message: str) -> Response:
    """A sloppy partner's error: an HTML page with HTTP 200."""
    page = (
        "<!DOCTYPE html><html><head><title>Error</title></head>"
        f"<body><h1>Error</h1><p>{escape(message)}</p></body></html>"
    )
    return Response(page, 200, content_type="text/html; charset=UTF-8")


def refusal(status: int, code: str, message: str) -> Response:
    """The simulator's own refusal (unresolved token, null number) in this envelope."""
    del code  # the flat envelope has no code field
    return json_response({"status": "error", "message": message}, status)
