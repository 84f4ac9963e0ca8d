"""Rules of the generic dialect (the seed's sample APIs); no Flask here.

``PullAPI`` and the pop-up rules live in :mod:`simulator.providers.pull`:
Ozonetel's ``LeadSquare/PullAPI.php`` shares them (the seed documents the same
texts).
"""

from __future__ import annotations

from collections.abc import Mapping

from simulator.providers.base import DialOutcome, dial_outcome, dial_params
from simulator.providers.generic import errors
from simulator.seed import SeedError, checked_url
from simulator.state.calls import Call
from simulator.state.directory import Account
from simulator.state.numbers import national
from simulator.state.runtime import Simulator

__all__ = ["click2call", "pull_did_numbers"]

DIALECT = "generic"
# What a sloppy partner's DID list adds: a duplicate and numbers no one can dial.
_SLOPPY_EXTRA = ("12345", "98XXXXXXXX", "")


def _get(values: Mapping[str, str], name: str) -> str:
    return values.get(name, "").strip()


def _check_rate(sim: Simulator, account: Account, outcome: DialOutcome | None = None) -> None:
    """Max limit exceeded: the magic number's outcome, or the account's per-minute limit."""
    if (outcome is not None and outcome.outcome == "max_limit") or not sim.allow(account):
        raise errors.MaxLimitExceeded()


def _callback_url(values: Mapping[str, str]) -> str | None:
    """The optional per-call ``callback_url``: where this call's record goes [I]."""
    url = _get(values, "callback_url")
    if not url:
        return None
    # The seed's and the control plane's URL check: an unbalanced "[" or a
    # control character is refused here (400), not met later as a 500.
    try:
        return checked_url(url, "callback_url")
    except SeedError:
        raise errors.InvalidCallbackUrl() from None


def click2call(sim: Simulator, values: Mapping[str, str]) -> Call:
    """``/click2call``: check, then place the call (it may still fail later)."""
    api_key, username, agent_id, campaign_name, customer_text = dial_params(values)
    if not api_key:
        raise errors.ApiKeyEmpty()
    if not username:
        raise errors.UserNameEmpty()
    with sim.lock:
        directory = sim.directory
        account = directory.account_by_credentials(username, api_key)
        if account is None:
            raise errors.InvalidCredentials()
        for name, text in (
            ("agentID", agent_id),
            ("campaignName", campaign_name),
            ("customerNumber", customer_text),
        ):
            if not text:
                raise errors.ParameterEmpty(name=name)
        customer = national(customer_text)
        outcome = dial_outcome(directory, customer) if customer is not None else None
        _check_rate(sim, account, outcome)
        if customer is None or outcome is None or outcome.outcome == "invalid_number":
            raise errors.InvalidCustomerNumber()
        agent = directory.agents.get(agent_id)
        if agent is None or agent.offline or outcome.outcome == "agent_unavailable":
            raise errors.AgentNotAvailable()
        if outcome.outcome == "blacklisted":
            raise errors.BlackListedNumber(number=customer)
        campaign = directory.campaigns.get(campaign_name)
        did = campaign.did if campaign else national(campaign_name)
        call = sim.place_call(
            callback_url=_callback_url(values),
            dialect=DIALECT,
            operation="generic.click2call",
            account=account,
            customer=customer,
            agent=agent,
            did=did,
            campaign=campaign.name if campaign else campaign_name,
            planned=outcome.planned,
            reason=outcome.reason,
        )
        if outcome.outcome == "dnd" and not sim.profile.dnd_answers_success:
            raise errors.CustomerInDnd()
        return call


def pull_did_numbers(sim: Simulator, values: Mapping[str, str]) -> list[str]:
    """``LeadSquare/PullDIDNumbers.php``: the account's DIDs, national 10 digits."""
    with sim.lock:
        api_key = _get(values, "apiKey")
        if not api_key:
            raise errors.ApiKeyEmpty()
        account = sim.directory.account_by_api_key(api_key)
        if account is None:
            raise errors.InvalidCredentials()
        _check_rate(sim, account)
        dids = list(sim.directory.dids)
        if sim.profile.sloppy_did_list:
            dids = dids + dids[:1] + list(_SLOPPY_EXTRA)
        return dids
