"""The seed's PullAPI (the incoming-call pop-up), answered by two dialects.

The generic ``/PullAPI`` and Ozonetel's ``CAServices/LeadSquare/PullAPI.php``
[I] follow the same seed rules and texts, so they live here, beside the
dialects: no dialect imports another. Ozonetel's ``DID/RunningDIDs.php`` [I]
reuses :func:`authenticate_pull`, and the generic dialect's click2call and
PullDIDNumbers reuse the credential and rate texts (its ``errors`` module
re-exports them).

Errors answer HTTP 200 ``{"status":"error","message":M}`` with M verbatim from
the seed; under the sloppy profile, an HTML page instead, after the profile's
pop-up delay.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

from flask import Response

from simulator.behaviours import behaviour_for
from simulator.clock import ist_text
from simulator.current import current_simulator
from simulator.providers.base import ProviderError
from simulator.providers.params import current_params
from simulator.state.calls import Call
from simulator.state.directory import Account
from simulator.state.numbers import national
from simulator.state.runtime import Simulator

__all__ = [
    "AgentPhoneNumberEmpty",
    "ApiKeyEmpty",
    "InvalidAgentPhoneNumber",
    "InvalidCredentials",
    "MaxLimitExceeded",
    "NoCallAtThisMoment",
    "PullError",
    "UserNameEmpty",
    "answer_pull",
    "authenticate_pull",
    "pull_api",
    "pull_response",
]


# -- errors (the seed's texts, typos and capitals included) ------------------
class PullError(ProviderError):
    """Base: ``{"status":"error","message":...}`` with HTTP 200."""

    status = "error"


class UserNameEmpty(PullError):
    """Seed: userName missing."""

    message = "userName should not be empty"


class ApiKeyEmpty(PullError):
    """Seed: apiKey missing."""

    message = "apiKey should not be empty"


class AgentPhoneNumberEmpty(PullError):
    """Seed: agentPhoneNumber missing (PullAPI)."""

    message = "agentPhoneNumber should not be empty"


class InvalidCredentials(PullError):
    """Seed: userName/apiKey do not match an account."""

    message = "userName or apiKey is Invalid"


class InvalidAgentPhoneNumber(PullError):
    """Seed: agentPhoneNumber is not an agent's number."""

    message = "Invalid Agent Phone Number"


class MaxLimitExceeded(PullError):
    """Seed: rate limit (lower-case, unlike Ozonetel's ``Max limit exceeded``)."""

    message = "max limit exceeded"


class NoCallAtThisMoment(PullError):
    """Seed: PullAPI found no ringing or connected call for the agent."""

    message = "There is no call at this moment with this Agent PhoneNumber"


# -- rules (no Flask) ---------------------------------------------------------
def _get(values: Mapping[str, str], name: str) -> str:
    return values.get(name, "").strip()


def authenticate_pull(sim: Simulator, values: Mapping[str, str]) -> Account:
    """Seed order: userName, apiKey, then the pair, then the rate limit."""
    if not _get(values, "userName"):
        raise UserNameEmpty()
    if not _get(values, "apiKey"):
        raise ApiKeyEmpty()
    account = sim.directory.account_by_credentials(_get(values, "userName"), _get(values, "apiKey"))
    if account is None:
        raise InvalidCredentials()
    return account


def _rate_limited(phone: str) -> bool:
    behaviour = behaviour_for(phone)
    return behaviour is not None and behaviour.outcome == "max_limit"


def pull_api(sim: Simulator, values: Mapping[str, str]) -> Call:
    """``PullAPI``: the incoming call ringing or connected at ``agentPhoneNumber``."""
    with sim.lock:
        if not _get(values, "userName"):
            raise UserNameEmpty()
        if not _get(values, "apiKey"):
            raise ApiKeyEmpty()
        if not _get(values, "agentPhoneNumber"):
            raise AgentPhoneNumberEmpty()
        account = authenticate_pull(sim, values)
        phone = national(_get(values, "agentPhoneNumber"))
        # The max-limit magic number as the agent's phone: a rate-limited agent, so
        # a recording of the pop-up's max-limit probe has a number of its own.
        if not sim.allow(account) or (phone is not None and _rate_limited(phone)):
            raise MaxLimitExceeded()
        if phone is None or sim.directory.agent_by_phone(phone) is None:
            raise InvalidAgentPhoneNumber()
        call = sim.calls.active_inbound_for_agent(phone)
        if call is None:
            raise NoCallAtThisMoment()
        return call


# -- answers ------------------------------------------------------------------
def _json(body: Mapping[str, Any], status: int = 200) -> Response:
    # The generic dialect's envelope byte for byte: json.dumps in the seed's key order.
    return Response(json.dumps(body), status, content_type="application/json")


def _html_error(message: str) -> Response:
    """A sloppy partner's error: an HTML page with HTTP 200."""
    page = (
        "<!DOCTYPE html><html><head><title>Error</title></head>"
        f"<body><h1>Error</h1><p>{escape(message)}</p></body></html>"
    )
    return Response(page, 200, content_type="text/html; charset=UTF-8")


def pull_response(call_customer: str, ucid: str, started: str) -> Response:
    """The PullAPI success body."""
    return _json(
        {
            "status": "success",
            "customerNumber": call_customer,
            "monitorUcid": ucid,
            "callStartTime": started,
        }
    )


def answer_pull() -> Response:
    """Run PullAPI for the current request (both dialects route here)."""
    sim = current_simulator()
    if sim.profile.popup_delay_s and not sim.holds.hold(sim.profile.popup_delay_s):
        return _json({"status": "error", "message": sim.holds.refusal("pop-up delay")}, 503)
    try:
        call = pull_api(sim, current_params().values)
    except PullError as exc:
        if sim.profile.pull_errors_as_html:
            return _html_error(exc.text)
        return _json({"status": exc.status, "message": exc.text}, exc.http_status)
    return pull_response(call.customer, call.ucid, ist_text(call.started_at))
