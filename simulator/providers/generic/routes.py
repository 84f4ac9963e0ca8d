"""Routes of the generic dialect (the seed's sample APIs); GET and POST, any param source.

Response bodies (all ``application/json``, HTTP 200 unless said otherwise):

=====================  ==========================================================
operation              body
=====================  ==========================================================
generic.click2call     ``{"status":"success","message":"call initiated successfully",
                       "monitorUcid":"<16-17 digits>","callStartTime":"YYYY-MM-DD HH:MM:SS"}``
                       (IST); errors ``{"status":"error","message":M}`` with M one of
                       ``apiKey should not be empty``, ``userName should not be empty``,
                       ``userName or apiKey is Invalid``, ``<param> should not be empty`` [I],
                       ``max limit exceeded``, ``Invalid Customer Number`` [I],
                       ``Agent is not available`` [I], ``<n> is a black listed number`` [I],
                       ``Customer number is in DND``
generic.pull_api       ``{"status":"success","customerNumber":"98XXXXXXXX","monitorUcid":"...",
                       "callStartTime":"YYYY-MM-DD HH:MM:SS"}``; errors (seed, verbatim):
                       ``userName should not be empty``, ``apiKey should not be empty``,
                       ``agentPhoneNumber should not be empty``,
                       ``userName or apiKey is Invalid``, ``Invalid Agent Phone Number``,
                       ``max limit exceeded``,
                       ``There is no call at this moment with this Agent PhoneNumber``;
                       sloppy profile: errors as a ``text/html`` page, answer 1.5 s late
generic.pull_did_      ``{"status":"success","did_list":["8030000001", ...]}`` (national 10
numbers                digits); errors ``apiKey should not be empty``,
                       ``userName or apiKey is Invalid`` [I], ``max limit exceeded``;
                       sloppy profile: duplicates and invalid entries in ``did_list``
(any)                  HTTP 400 ``{"status":"error","message":"unresolved mail-merge token
                       in <param>: <token>"}`` or ``"null value in <param>: ..."``
=====================  ==========================================================

Transport faults (magic numbers, ``/_sim/faults``) replace any of these; see
:mod:`simulator.faults`.
"""

from __future__ import annotations

from flask import Blueprint, Response

from simulator.clock import ist_text
from simulator.providers.base import ProviderError
from simulator.providers.generic import models, render
from simulator.providers.params import provider_call
from simulator.providers.pull import answer_pull

__all__ = ["blueprint"]

_METHODS = ["GET", "POST"]


def blueprint() -> Blueprint:
    """A fresh blueprint named ``generic`` (endpoints are the operation names)."""
    bp = Blueprint("generic", __name__)
    bp.add_url_rule("/click2call", "click2call", _click2call, methods=_METHODS)
    bp.add_url_rule("/PullAPI", "pull_api", answer_pull, methods=_METHODS)
    bp.add_url_rule(
        "/LeadSquare/PullDIDNumbers.php", "pull_did_numbers", _pull_did_numbers, methods=_METHODS
    )
    return bp


def _click2call() -> Response:
    try:
        call = models.click2call(*provider_call())
    except ProviderError as exc:  # GenericError or a shared PullAPI text
        return render.error(exc)
    return render.call_initiated(call.ucid, ist_text(call.created_at))


def _pull_did_numbers() -> Response:
    try:
        dids = models.pull_did_numbers(*provider_call())
    except ProviderError as exc:  # GenericError or a shared PullAPI text
        return render.error(exc)
    return render.json_response({"status": "success", "did_list": dids})
