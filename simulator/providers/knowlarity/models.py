"""Rules of the Knowlarity "Basic" makecall API (providers.md 3.1); no Flask.

Headers: ``x-api-key`` (the application access key) and ``authorization`` (the
SR API key itself, a bare UUID; ``Bearer <key>`` is refused as real
integrators learned). Body: JSON with ``k_number``, ``agent_number``,
``customer_number`` as ``+91`` E.164, optional ``caller_id`` and
``additional_params`` (echoed into the call record). Error texts are [I].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.providers.base import DialOutcome, dial_outcome
from simulator.providers.knowlarity import errors
from simulator.state.calls import Call
from simulator.state.numbers import is_e164_in, national
from simulator.state.runtime import Simulator

__all__ = ["makecall"]

DIALECT = "knowlarity"
_REQUIRED = ("k_number", "agent_number", "customer_number")


def _number(body: Mapping[str, Any], field: str) -> str:
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise errors.MissingField(field=field)
    text = str(value).strip()
    if not is_e164_in(text):
        raise errors.InvalidNumberFormat(field=field)
    number = national(text)
    assert number is not None  # is_e164_in checked it parses
    return number


def makecall(sim: Simulator, headers: Mapping[str, str], body: Any) -> Call:
    """``POST /Basic/v1/account/call/makecall``: the call, or the error."""
    app_key = headers.get("x-api-key", "").strip()
    authorization = headers.get("authorization", "").strip()
    if not app_key or not authorization:
        raise errors.AuthenticationMissing()
    with sim.lock:
        if not any(a.knowlarity_api_key == app_key for a in sim.directory.accounts.values()):
            raise errors.InvalidAppKey()
        account = sim.directory.account_by_knowlarity(app_key, authorization)
        if account is None:
            raise errors.InvalidAuthorization()
        if not isinstance(body, dict):
            raise errors.BadBody()
        for field in _REQUIRED:
            if body.get(field) in (None, ""):
                raise errors.MissingField(field=field)
        k_number = _number(body, "k_number")
        agent_phone = _number(body, "agent_number")
        customer = _number(body, "customer_number")
        if body.get("caller_id") not in (None, ""):
            _number(body, "caller_id")
        outcome: DialOutcome = dial_outcome(sim.directory, customer)
        if outcome.outcome == "max_limit" or not sim.allow(account):
            raise errors.RateLimited()
        if k_number not in sim.directory.dids:
            raise errors.InvalidKNumber()
        agent = sim.directory.agent_by_phone(agent_phone)
        if agent is None:
            raise errors.AgentNotVerified()
        if outcome.outcome == "agent_unavailable":
            raise errors.AgentNotAvailable()
        if outcome.outcome == "invalid_number":
            raise errors.InvalidCustomerNumber()
        if outcome.outcome == "blacklisted":
            raise errors.CustomerBlacklisted()
        extra = body.get("additional_params")
        call = sim.place_call(
            dialect=DIALECT,
            operation="knowlarity.makecall",
            account=account,
            customer=customer,
            agent=agent,
            did=k_number,
            planned=outcome.planned,
            reason=outcome.reason,
            ucid=sim.ids.call_id(),
            extra={"additional_params": extra if isinstance(extra, dict) else {}},
        )
        if outcome.outcome == "dnd" and not sim.profile.dnd_answers_success:
            raise errors.CustomerDnd()
        return call
