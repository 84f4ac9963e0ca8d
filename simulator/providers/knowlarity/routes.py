"""Routes of the Knowlarity "Basic" dialect: POST JSON only.

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
(any)                  400 ``{"error":{"code":"unresolved_token"|"null_value","message":
                       "unresolved mail-merge token in <field>: <token>"}}``
=====================  ============================================================

GET answers 405 (JSON). Transport faults replace any of these.
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
    return bp


def _makecall() -> Response:
    headers = {k.lower(): v for k, v in request.headers.items()}
    body = request.get_json(silent=True)
    try:
        call = models.makecall(current_simulator(), headers, body)
    except KnowlarityError as exc:
        return render.error(exc)
    return render.success(call.ucid)
