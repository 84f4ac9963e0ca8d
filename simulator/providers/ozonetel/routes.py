"""Routes of the Ozonetel CloudAgent dialect; GET and POST, any param source.

Response bodies (HTTP 200 for every provider answer, errors included):

==========================  ======================================================
operation                   body
==========================  ======================================================
ozonetel.agent_manual_dial  default ``text/xml``:
                            ``<?xml version="1.0"?><response><status>queued
                            successfully</status><ucid>UCID</ucid></response>``;
                            errors ``<response><status>S</status><message>M</message>
                            </response>``; with ``format=json`` (``application/json``)
                            ``{"status":"queued successfully","ucid":"UCID"}`` /
                            ``{"status":S,"message":M}``. (S, M): (``fail``,
                            ``please provide proper user credentials``), (``fails``,
                            ``Campaign is invalid``), (``Fail``, ``Agent is not
                            available``), (``Fail``, ``All parameters are mandatory``),
                            (``Fail``, ``DND``) [I], (``Fail``, ``<n> is a black listed
                            number``), (``Fail``, ``Invalid Customer Number``) [I],
                            (``error``, ``Max limit exceeded``)
ozonetel.phone_manual_dial  ``application/json`` ``{"status":"queued","message":"UCID"}``;
                            ``{"status":"queued","message":"Online agent logged in with
                            same phone number"}`` (agent online and busy); errors
                            ``{"status":"error","message":M}``, M one of
                            ``Authentication failed.``, ``Phone name not found.``,
                            ``Something went wrong. Please contact admin!``,
                            ``Online agent logged in with same phone number``,
                            ``campaign IS NOT offline``, ``custNumber should not be
                            empty`` [I], ``Agent is busy`` [I], ``DND`` [I],
                            ``<n> is a black listed number``, ``Max limit exceeded``
ozonetel.pull_api [I]       as ``generic.pull_api`` (same body, same seed texts)
ozonetel.running_dids [I]   ``application/json`` ``{"status":"success","data":
                            ["918030000001", ...]}``; errors as the PullAPI
                            credential errors, and ``Max limit exceeded``; sloppy
                            profile: duplicates and invalid entries in ``data``
(any)                       HTTP 400 ``{"status":"error","message":"unresolved
                            mail-merge token in <param>: <token>"}`` / ``null value ...``
==========================  ======================================================

Transport faults (magic numbers, ``/_sim/faults``) replace any of these.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response

from simulator.providers.base import ProviderError
from simulator.providers.ozonetel import models, render
from simulator.providers.ozonetel.errors import OzonetelError
from simulator.providers.params import provider_call
from simulator.providers.pull import answer_pull

__all__ = ["blueprint"]

_METHODS = ["GET", "POST"]


def blueprint() -> Blueprint:
    """A fresh blueprint named ``ozonetel`` (endpoints are the operation names)."""
    bp = Blueprint("ozonetel", __name__)
    bp.add_url_rule(
        "/CAServices/AgentManualDial.php", "agent_manual_dial", _agent_manual_dial, methods=_METHODS
    )
    bp.add_url_rule(
        "/CAServices/PhoneManualDial.php", "phone_manual_dial", _phone_manual_dial, methods=_METHODS
    )
    bp.add_url_rule("/CAServices/LeadSquare/PullAPI.php", "pull_api", answer_pull, methods=_METHODS)
    bp.add_url_rule(
        "/CAServices/DID/RunningDIDs.php", "running_dids", _running_dids, methods=_METHODS
    )
    return bp


def _json(body: dict[str, object]) -> Response:
    return Response(json.dumps(body), 200, content_type="application/json")


def _agent_manual_dial() -> Response:
    sim, values = provider_call()
    fmt = values.get("format", "xml")
    try:
        call = models.agent_manual_dial(sim, values)
    except OzonetelError as exc:
        return render.fields_response([("status", exc.status), ("message", exc.text)], fmt)
    return render.fields_response([("status", "queued successfully"), ("ucid", call.ucid)], fmt)


def _phone_manual_dial() -> Response:
    try:
        result = models.phone_manual_dial(*provider_call())
    except OzonetelError as exc:
        return _json({"status": exc.status, "message": exc.text})
    return _json({"status": result.status, "message": result.message})


def _running_dids() -> Response:
    try:
        dids = models.running_dids(*provider_call())
    except ProviderError as exc:  # an Ozonetel text or a shared PullAPI credential text
        return _json({"status": exc.status, "message": exc.text})
    return _json({"status": "success", "data": dids})
