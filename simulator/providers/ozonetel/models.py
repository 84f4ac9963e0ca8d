"""Rules of the Ozonetel CloudAgent dialect (providers.md 2.2-2.6, 2.10); no Flask.

- AgentManualDial works only for an agent logged in to the toolbar, ready,
  in manual or blended mode. DND is checked only on campaigns with
  ``dnd_check``; DND and blacklisted dials are recorded as failed calls (their
  callback has ``Status`` ``Fail``, ``AudioFile`` ``-1``).
- PhoneManualDial is for offline phone agents: camelCase parameters, the UCID
  comes back in ``message``, and an agent who is online in the toolbar is
  refused, unless already busy on a call, which is ``queued`` with a warning.
- ``LeadSquare/PullAPI.php`` [I] shares the generic PullAPI rules
  (:mod:`simulator.providers.pull`).
- ``DID/RunningDIDs.php`` [I] lists the DIDs as ``91XXXXXXXXXX``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from simulator.providers.base import DialOutcome, dial_outcome, dial_params
from simulator.providers.ozonetel import errors
from simulator.providers.pull import authenticate_pull
from simulator.state.calls import Call, CallState
from simulator.state.directory import Account, Agent, Campaign
from simulator.state.numbers import national, with_country_code
from simulator.state.runtime import Simulator

__all__ = ["PhoneDialResult", "agent_manual_dial", "phone_manual_dial", "running_dids"]

DIALECT = "ozonetel"
_SLOPPY_EXTRA = ("9180300000", "12345", "")


def _get(values: Mapping[str, str], name: str) -> str:
    return values.get(name, "").strip()


@dataclass(frozen=True)
class PhoneDialResult:
    """PhoneManualDial's answer: ``status`` ``queued`` and the UCID (or a warning)."""

    status: str
    message: str
    call: Call


def _outcome(sim: Simulator, customer: str, campaign: Campaign | None) -> DialOutcome:
    outcome = dial_outcome(sim.directory, customer)
    if outcome.outcome == "dnd" and not (campaign and campaign.dnd_check):
        return DialOutcome("ok")  # no DND check on this campaign: the call goes out
    return outcome


def _rate(sim: Simulator, account: Account, outcome: DialOutcome | None = None) -> None:
    if (outcome and outcome.outcome == "max_limit") or not sim.allow(account):
        raise errors.MaxLimitExceeded()


def _place(
    sim: Simulator,
    *,
    operation: str,
    account: Account,
    customer: str,
    agent: Agent,
    campaign: Campaign | None,
    did: str | None,
    outcome: DialOutcome,
    uui: str,
) -> Call:
    return sim.place_call(
        dialect=DIALECT,
        operation=operation,
        account=account,
        customer=customer,
        agent=agent,
        did=did,
        campaign=campaign.name if campaign else None,
        uui=uui,
        planned=outcome.planned,
        reason=outcome.reason,
    )


def agent_manual_dial(sim: Simulator, values: Mapping[str, str]) -> Call:
    """``CAServices/AgentManualDial.php``: the call, or the Ozonetel error."""
    api_key, username, agent_id, campaign_name, customer_text = dial_params(values)
    if not (api_key and username and agent_id and campaign_name and customer_text):
        raise errors.ParametersMandatory()
    with sim.lock:
        directory = sim.directory
        account = directory.account_by_credentials(username, api_key)
        if account is None:
            raise errors.InvalidCredentials()
        customer = national(customer_text)
        campaign = directory.campaigns.get(campaign_name)
        outcome = _outcome(sim, customer, campaign) if customer else None
        _rate(sim, account, outcome)
        if campaign is None:
            raise errors.CampaignInvalid()
        agent = directory.agents.get(agent_id)
        unavailable = outcome is not None and outcome.outcome == "agent_unavailable"
        if agent is None or agent.offline or not agent.can_manual_dial or unavailable:
            raise errors.AgentNotAvailable()
        if customer is None or outcome is None:
            raise errors.InvalidCustomerNumber()
        call = _place(
            sim,
            operation="ozonetel.agent_manual_dial",
            account=account,
            customer=customer,
            agent=agent,
            campaign=campaign,
            did=campaign.did,
            outcome=outcome,
            uui=_get(values, "uui"),
        )
        if outcome.outcome == "blacklisted":
            raise errors.BlackListedNumber(number=customer)
        if outcome.outcome == "dnd" and not sim.profile.dnd_answers_success:
            raise errors.Dnd()
        return call


def phone_manual_dial(sim: Simulator, values: Mapping[str, str]) -> PhoneDialResult:
    """``CAServices/PhoneManualDial.php``: queued with the UCID, or the error."""
    with sim.lock:
        account = sim.directory.account_by_credentials(
            _get(values, "userName"), _get(values, "apiKey")
        )
        if account is None:
            raise errors.AuthenticationFailed()
        customer = national(_get(values, "custNumber"))
        did = national(_get(values, "did"))
        campaign = sim.directory.campaign_for_did(did) if did else None
        outcome = _outcome(sim, customer, campaign) if customer else None
        _rate(sim, account, outcome)
        agent = sim.directory.agent_by_phone_name(_get(values, "phoneName"))
        if agent is None:
            raise errors.PhoneNameNotFound()
        if did is None or not sim.directory.has_did(did):
            raise errors.DidInvalid()
        if campaign is None or not campaign.offline:
            raise errors.CampaignNotOffline()
        if not _get(values, "custNumber"):
            raise errors.CustNumberEmpty()
        if customer is None or outcome is None or outcome.outcome == "invalid_number":
            # PhoneManualDial has no documented text for a bad number: it dials and fails.
            outcome = DialOutcome("invalid_number", CallState.FAILED)
        busy = sim.calls.agent_busy(agent.id)
        if agent.logged_in and not busy:
            raise errors.OnlineAgentLoggedIn()
        check_status = _get(values, "checkStatus").lower() == "true"
        if outcome.outcome == "agent_unavailable" or (check_status and busy):
            raise errors.AgentBusy()
        call = _place(
            sim,
            operation="ozonetel.phone_manual_dial",
            account=account,
            customer=customer or _get(values, "custNumber"),
            agent=agent,
            campaign=campaign,
            did=did,
            outcome=outcome,
            uui=_get(values, "uui"),
        )
        if outcome.outcome == "blacklisted":
            raise errors.PhoneBlackListedNumber(number=call.customer)
        if outcome.outcome == "dnd" and not sim.profile.dnd_answers_success:
            raise errors.PhoneDnd()
        if agent.logged_in:
            # The documented oddity: queued, with the warning instead of the UCID.
            return PhoneDialResult("queued", errors.OnlineAgentLoggedIn.message, call)
        return PhoneDialResult("queued", call.ucid, call)


def running_dids(sim: Simulator, values: Mapping[str, str]) -> list[str]:
    """[I] ``CAServices/DID/RunningDIDs.php``: DIDs as ``91XXXXXXXXXX``."""
    with sim.lock:
        account = authenticate_pull(sim, values)
        _rate(sim, account)
        dids = [with_country_code(d) for d in sim.directory.dids]
        if sim.profile.sloppy_did_list:
            dids = dids + dids[:1] + list(_SLOPPY_EXTRA)
        return dids
