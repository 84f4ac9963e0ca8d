"""Rules of the Knowlarity "Basic" APIs (providers.md 3.1, 3.2); no Flask.

Headers, for every API: ``x-api-key`` (the application access key) and
``authorization`` (the SR API key itself, a bare UUID; ``Bearer <key>`` is
refused as real integrators learned).

- makecall: a JSON body with ``k_number``, ``agent_number``,
  ``customer_number`` as ``+91`` E.164, optional ``caller_id`` and
  ``additional_params`` (echoed into the call record).
- numbers (the account's DIDs, "List All DID Numbers"): Tastypie paging,
  ``{"meta": {...,"total_count": N}, "objects": [...]}`` [C]; each object's
  number is in ``number`` as ``+91`` E.164 [I] (the stored sample elides it).

Error texts are [I].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from simulator.providers.base import DialOutcome, dial_outcome
from simulator.providers.knowlarity import errors
from simulator.state.calls import Call
from simulator.state.directory import Account
from simulator.state.numbers import e164, is_e164_in, national
from simulator.state.runtime import Simulator

__all__ = ["DidNumber", "makecall", "numbers"]

DIALECT = "knowlarity"
_REQUIRED = ("k_number", "agent_number", "customer_number")
# What the sloppy profile adds to the list: a repeat, a short number, an empty one.
_SLOPPY_EXTRA = ("+9180300000", "12345", "")
_YEAR = timedelta(days=365)


@dataclass(frozen=True)
class DidNumber:
    """One entry of the numbers list."""

    number: str  # as Knowlarity writes it: +91 E.164 (or junk, in the sloppy profile)
    created: datetime
    expires: datetime


def _account(sim: Simulator, headers: Mapping[str, str]) -> Account:
    """The account both headers name; the 401 errors otherwise. Call under ``sim.lock``."""
    app_key = headers.get("x-api-key", "").strip()
    authorization = headers.get("authorization", "").strip()
    if not app_key or not authorization:
        raise errors.AuthenticationMissing()
    if not any(a.knowlarity_api_key == app_key for a in sim.directory.accounts.values()):
        raise errors.InvalidAppKey()
    account = sim.directory.account_by_knowlarity(app_key, authorization)
    if account is None:
        raise errors.InvalidAuthorization()
    return account


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
    with sim.lock:
        account = _account(sim, headers)
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
        if not sim.directory.has_did(k_number):
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


def numbers(sim: Simulator, headers: Mapping[str, str]) -> list[DidNumber]:
    """``GET /Basic/v1/account/numbers/``: the account's DIDs, or the error."""
    with sim.lock:
        account = _account(sim, headers)
        if not sim.allow(account):
            raise errors.RateLimited()
        now = sim.now()
        listed = [e164(did) for did in sim.directory.dids]
        if sim.profile.sloppy_did_list:
            listed = listed + listed[:1] + list(_SLOPPY_EXTRA)
        return [DidNumber(number, now - _YEAR, now + _YEAR) for number in listed]
