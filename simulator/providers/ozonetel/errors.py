"""Errors of the Ozonetel CloudAgent dialect, with Ozonetel's exact texts.

Spelling, capitals and punctuation are the provider's (``fail``/``fails``/
``Fail``; ``Authentication failed.`` with its period): connectors must match
them case-insensitively. All answer HTTP 200, as Ozonetel does. Texts marked
``inferred`` are providers.md [I].
"""

from __future__ import annotations

from simulator.providers.base import ProviderError

__all__ = [
    "AgentBusy",
    "AgentNotAvailable",
    "AuthenticationFailed",
    "BlackListedNumber",
    "CampaignInvalid",
    "CampaignNotOffline",
    "CustNumberEmpty",
    "DidInvalid",
    "Dnd",
    "InvalidCredentials",
    "InvalidCustomerNumber",
    "MaxLimitExceeded",
    "OnlineAgentLoggedIn",
    "OzonetelError",
    "ParametersMandatory",
    "PhoneBlackListedNumber",
    "PhoneDnd",
    "PhoneNameNotFound",
]


class OzonetelError(ProviderError):
    """Base of Ozonetel's error answers (HTTP 200)."""


# -- AgentManualDial.php (providers.md 2.2) ---------------------------------
class InvalidCredentials(OzonetelError):
    """Invalid api_key or username (lower-case ``fail``)."""

    status = "fail"
    message = "please provide proper user credentials"


class CampaignInvalid(OzonetelError):
    """Unknown campaign (``fails``, sic)."""

    status = "fails"
    message = "Campaign is invalid"


class AgentNotAvailable(OzonetelError):
    """Agent unknown, not logged in, not ready, or not in manual/blended mode."""

    status = "Fail"
    message = "Agent is not available"


class ParametersMandatory(OzonetelError):
    """A required parameter is missing."""

    status = "Fail"
    message = "All parameters are mandatory"


class Dnd(OzonetelError):
    """[I] DND number on a campaign with DND check (Ozonetel toolbar's text)."""

    status = "Fail"
    message = "DND"
    inferred = True


class BlackListedNumber(OzonetelError):
    """Blacklisted customer number (Ozonetel toolbar's text, providers.md 2.10)."""

    status = "Fail"
    message = "{number} is a black listed number"


class InvalidCustomerNumber(OzonetelError):
    """[I] customerNumber is not a phone number at all."""

    status = "Fail"
    message = "Invalid Customer Number"
    inferred = True


class MaxLimitExceeded(OzonetelError):
    """Rate limit (agent-details API's text and capital M, providers.md 2.8)."""

    status = "error"
    message = "Max limit exceeded"


# -- PhoneManualDial.php (providers.md 2.4) ---------------------------------
class AuthenticationFailed(OzonetelError):
    """Invalid apiKey or userName (with the trailing period)."""

    message = "Authentication failed."


class PhoneNameNotFound(OzonetelError):
    """No offline phone entry with this phoneName."""

    message = "Phone name not found."


class DidInvalid(OzonetelError):
    """The did is not one of the account's DIDs."""

    message = "Something went wrong. Please contact admin!"


class OnlineAgentLoggedIn(OzonetelError):
    """The phone's agent is logged in to the toolbar."""

    message = "Online agent logged in with same phone number"


class CampaignNotOffline(OzonetelError):
    """The did does not belong to an offline campaign."""

    message = "campaign IS NOT offline"


class CustNumberEmpty(OzonetelError):
    """[I] custNumber missing."""

    message = "custNumber should not be empty"
    inferred = True


class AgentBusy(OzonetelError):
    """[I] checkStatus=true and the agent is on another call (or unavailable)."""

    message = "Agent is busy"
    inferred = True


class PhoneDnd(OzonetelError):
    """[I] DND on PhoneManualDial."""

    message = "DND"
    inferred = True


class PhoneBlackListedNumber(OzonetelError):
    """Blacklisted number on PhoneManualDial."""

    message = "{number} is a black listed number"
