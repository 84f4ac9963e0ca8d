"""Envelopes of the generic dialect: flat JSON, ``status`` + ``message``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response

from simulator.providers.base import ProviderError

__all__ = ["call_initiated", "error", "json_response", "refusal"]


def json_response(body: Mapping[str, Any], status: int = 200) -> Response:
    """A JSON body in the key order given (the seed's order)."""
    return Response(json.dumps(body), status, content_type="application/json")


def call_initiated(ucid: str, started: str) -> Response:
    """click2call's success answer, ``json.dumps`` of it in the seed's key order.

    Only the two values vary, and each is encoded on its own: ``json.dumps``
    of a dict builds an encoder on every call, a quarter of this route's own
    work; a string takes its fast path.
    """
    body = (
        '{"status": "success", "message": "call initiated successfully", '
        f'"monitorUcid": {json.dumps(ucid)}, "callStartTime": {json.dumps(started)}}}'
    )
    return Response(body, 200, content_type="application/json")


def error(exc: ProviderError) -> Response:
    """``{"status":"error","message":...}`` with the error's HTTP status (200)."""
    return json_response({"status": exc.status, "message": exc.text}, exc.http_status)


def refusal(status: int, code: str, message: str) -> Response:
    """The simulator's own refusal (unresolved token, null number) in this envelope."""
    del code  # the flat envelope has no code field
    return json_response({"status": "error", "message": message}, status)
