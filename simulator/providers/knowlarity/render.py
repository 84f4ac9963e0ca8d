"""Knowlarity envelopes: nested ``success`` / ``error`` objects, never flat;
Tastypie ``meta`` / ``objects`` pages for lists."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Response

from simulator.providers.base import ProviderError
from simulator.providers.knowlarity.models import DidNumber

__all__ = ["error", "numbers", "refusal", "success"]

_PAGE_LIMIT = 1000


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


def _time(moment: datetime) -> str:
    """``2016-10-21 07:25:05+00:00``, as in the stored sample."""
    return moment.astimezone(UTC).isoformat(sep=" ", timespec="seconds")


def numbers(dids: Sequence[DidNumber]) -> Response:
    """``{"meta": {"limit", "next", "offset", "previous", "total_count"}, "objects": [...]}``.

    One page holds every number (the account has far fewer than the limit).
    """
    return _json(
        {
            "meta": {
                "limit": _PAGE_LIMIT,
                "next": "",
                "offset": 0,
                "previous": "",
                "total_count": len(dids),
            },
            "objects": [
                {
                    "number": did.number,
                    "cli_type": "NONE",
                    "created_time": _time(did.created),
                    "expiry_time": _time(did.expires),
                    "is_expired": False,
                    "number_type": "1",
                }
                for did in dids
            ],
        },
        200,
    )
