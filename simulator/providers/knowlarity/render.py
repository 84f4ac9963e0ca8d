"""Knowlarity envelopes: nested ``success`` / ``error`` objects, never flat."""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from simulator.providers.base import ProviderError

__all__ = ["error", "refusal", "success"]


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


def success(call_id: str) -> Response:
    """``{"success":{"status":"success","message":"Call initiated successfully",
    "call_id":...}}``."""
    return _json(
        {
            "success": {
                "status": "success",
                "message": "Call initiated successfully",
                "call_id": call_id,
            }
        },
        200,
    )


def error(exc: ProviderError) -> Response:
    """``{"error":{"code":...,"message":...}}`` with the error's HTTP status."""
    return _json({"error": {"code": exc.code, "message": exc.text}}, exc.http_status)


def refusal(status: int, code: str, message: str) -> Response:
    """The simulator's own refusal (unresolved token, null number) in this envelope."""
    return _json({"error": {"code": code, "message": message}}, status)
