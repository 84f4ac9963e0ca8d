"""Accounts, agents, campaigns, DIDs, the DND registry and the blacklist.

Plain dataclasses, no Flask. Numbers are stored as 10-digit national strings
(see :mod:`simulator.state.numbers`); each dialect renders its own forms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from simulator.redaction import redacted_url

__all__ = ["AGENT_MODES", "Account", "Agent", "Campaign", "Directory"]

AGENT_MODES = ("manual", "blended", "inbound", "progressive", "preview")
_REDACTED = "***"


@dataclass
class Account:
    """A provider account and its credentials (all dialects share it)."""

    name: str
    username: str
    api_key: str
    knowlarity_api_key: str = ""
    knowlarity_authorization: str = ""
    callback_url: str | None = None
    rate_limit_per_minute: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """State dump form: secrets (and a ``?token=`` in the callback URL) as ``***``."""
        data = asdict(self)
        for key in ("api_key", "knowlarity_api_key", "knowlarity_authorization"):
            data[key] = _REDACTED if data[key] else ""
        data["callback_url"] = redacted_url(self.callback_url)
        return data


@dataclass
class Agent:
    """A CloudAgent agent (toolbar) or an offline phone agent (``phone_name``)."""

    id: str
    phone: str
    phone_name: str | None = None
    name: str = ""
    logged_in: bool = False
    ready: bool = False
    mode: str = "manual"
    offline: bool = False
    #: Where the phone tells its app that it rings (simulator.ringer); None: nowhere.
    notify_url: str | None = None

    @property
    def can_manual_dial(self) -> bool:
        """AgentManualDial works only when logged in, ready and manual/blended."""
        return self.logged_in and self.ready and self.mode in ("manual", "blended")

    def to_dict(self) -> dict[str, Any]:
        """State dump form (a ``?token=`` in the notify URL as ``***``)."""
        data = asdict(self)
        data["notify_url"] = redacted_url(self.notify_url)
        return data


@dataclass
class Campaign:
    """An Ozonetel campaign (``Inbound_<DID>`` is the usual name)."""

    name: str
    did: str
    dnd_check: bool = True
    offline: bool = False

    def to_dict(self) -> dict[str, Any]:
        """State dump form."""
        return asdict(self)


@dataclass
class Directory:
    """Everything the providers look up; seeded from YAML or the control plane."""

    accounts: dict[str, Account] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    dids: list[str] = field(default_factory=list)
    dnd: set[str] = field(default_factory=set)
    blacklist: set[str] = field(default_factory=set)
    # ``dids`` keeps the seed's order; this set answers membership in O(1).
    _did_index: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    def has_did(self, did: str) -> bool:
        """Whether national ``did`` is one of the DIDs (O(1), whatever their number)."""
        if len(self._did_index) != len(self.dids):
            self._did_index = set(self.dids)
        return did in self._did_index

    def account_by_credentials(self, username: str, api_key: str) -> Account | None:
        """The account whose username and api key both match."""
        for account in self.accounts.values():
            if account.username == username and account.api_key == api_key:
                return account
        return None

    def account_by_api_key(self, api_key: str) -> Account | None:
        """The account with this api key (PullDIDNumbers sends only the key)."""
        for account in self.accounts.values():
            if account.api_key == api_key:
                return account
        return None

    def account_by_knowlarity(self, app_key: str, authorization: str) -> Account | None:
        """The account matching Knowlarity's ``x-api-key`` and ``authorization``."""
        for account in self.accounts.values():
            if (
                account.knowlarity_api_key
                and account.knowlarity_api_key == app_key
                and account.knowlarity_authorization == authorization
            ):
                return account
        return None

    def default_account(self) -> Account | None:
        """The first account (used for injected incoming calls)."""
        return next(iter(self.accounts.values()), None)

    def agent_by_phone(self, phone: str) -> Agent | None:
        """The agent whose national phone number is ``phone``."""
        return next((a for a in self.agents.values() if a.phone == phone), None)

    def agent_by_phone_name(self, phone_name: str) -> Agent | None:
        """The offline phone entry called ``phone_name`` (PhoneManualDial)."""
        return next((a for a in self.agents.values() if a.phone_name == phone_name), None)

    def campaign_for_did(self, did: str) -> Campaign | None:
        """The campaign that owns national DID ``did``."""
        return next((c for c in self.campaigns.values() if c.did == did), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dump (secrets redacted)."""
        return {
            "accounts": {k: v.to_dict() for k, v in self.accounts.items()},
            "agents": {k: v.to_dict() for k, v in self.agents.items()},
            "campaigns": {k: v.to_dict() for k, v in self.campaigns.items()},
            "dids": list(self.dids),
            "dnd": sorted(self.dnd),
            "blacklist": sorted(self.blacklist),
        }
