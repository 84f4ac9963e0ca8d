"""Routes of the Knowlarity "Basic" dialect: makecall (POST JSON) and the DID list.

Response bodies (``application/json``):

=====================  ============================================================
operation              body
=====================  ============================================================
knowlarity.makecall    200 ``{"success":{"status":"success","message":"Call initiated
                       successfully","call_id":"<uuid>"}}``; errors
                       ``{"error":{"code":C,"message":M}}`` [I]: 401
                       ``authentication_failed`` (``Authentication credentials were not
                       provided.``, ``Invalid x-api-key``, ``Invalid authorization key``
                       incl. ``Bearer <key>``); 400 ``bad_request`` (``Request body must
                       be a JSON object``), ``missing_field`` (``<field> is required``),
                       ``invalid_number`` (``<field> must be an E.164 number like
                       +919876543210``, ``Invalid customer_number``), ``invalid_k_number``,
                       ``agent_not_verified``, ``agent_unavailable``, ``dnd`` (``Customer
                       number is in DND``), ``blacklisted``; 429 ``rate_limited`` (``Max
                       limit exceeded``)
knowlarity.numbers      200 ``{"meta":{"limit":1000,"next":"","offset":0,"previous":"",
                       "total_count":N},"objects":[{"number":"+918030000001",
                       "cli_type":"NONE","created_time":"2023-06-08 10:00:00+00:00",
                       "expiry_time":..., "is_expired":false,"number_type":"1"}]}``
                       (``meta`` and the object fields but ``number`` [C]; ``number``
                       [I]); the 401 errors of makecall; 429 ``rate_limited``; sloppy
                       profile: a duplicate and invalid entries among the numbers
(any)                  400 ``{"error":{"code":"unresolved_token"|"null_value","message":
                       "unresolved mail-merge token in <field>: <token>"}}``
=====================  ============================================================

makecall is POST only and numbers GET only; another method answers 405 (JSON).
Transport faults replace any of these.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from simulator.current import current_simulator
from simulator.providers.knowlarity import models, render
from simulator.providers.knowlarity.errors import KnowlarityError

__all__ = ["blueprint"]


def blueprint() -> Blueprint:
    """A fresh blueprint named ``knowlarity``."""
    bp = Blueprint("knowlarity", __name__)
    bp.add_url_rule("/Basic/v1/account/call/makecall", "makecall", _makecall, methods=["POST"])
    # Without the slash too: a redirect would be an HTML page, never a provider answer.
    bp.add_url_rule(
        "/Basic/v1/account/numbers/", "numbers", _numbers, methods=["GET"], strict_slashes=False
    )
    return bp


def _headers() -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def _makecall() -> Response:
    body = request.get_json(silent=True)
    try:
        call = models.makecall(current_simulator(), _headers(), body)
    except KnowlarityError as exc:
        return render.error(exc)
    return render.success(call.ucid)


def _numbers() -> Response:
    try:
        dids = models.numbers(current_simulator(), _headers())
    except KnowlarityError as exc:
        return render.error(exc)
    return render.numbers(dids)
