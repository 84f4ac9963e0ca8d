"""Errors of the generic (LeadSquared "Mobile Cloud Calling" seed) dialect.

The seed texts are verbatim, typos and capitals included; those marked
``inferred`` are not in the seed (providers.md [I]) but follow its style.
Every one answers HTTP 200 with ``{"status":"error","message":...}``.
"""

from __future__ import annotations

from simulator.providers.base import ProviderError

__all__ = [
    "AgentNotAvailable",
    "AgentPhoneNumberEmpty",
    "ApiKeyEmpty",
    "BlackListedNumber",
    "CustomerInDnd",
    "GenericError",
    "InvalidAgentPhoneNumber",
    "InvalidCredentials",
    "InvalidCustomerNumber",
    "MaxLimitExceeded",
    "NoCallAtThisMoment",
    "ParameterEmpty",
    "UserNameEmpty",
]


class GenericError(ProviderError):
    """Base: ``{"status":"error","message":...}`` with HTTP 200."""

    status = "error"


class UserNameEmpty(GenericError):
    """Seed: userName missing."""

    message = "userName should not be empty"


class ApiKeyEmpty(GenericError):
    """Seed: apiKey missing."""

    message = "apiKey should not be empty"


class AgentPhoneNumberEmpty(GenericError):
    """Seed: agentPhoneNumber missing (PullAPI)."""

    message = "agentPhoneNumber should not be empty"


class InvalidCredentials(GenericError):
    """Seed: userName/apiKey do not match an account."""

    message = "userName or apiKey is Invalid"


class InvalidAgentPhoneNumber(GenericError):
    """Seed: agentPhoneNumber is not an agent's number."""

    message = "Invalid Agent Phone Number"


class MaxLimitExceeded(GenericError):
    """Seed: rate limit (lower-case, unlike Ozonetel's ``Max limit exceeded``)."""

    message = "max limit exceeded"


class NoCallAtThisMoment(GenericError):
    """Seed: PullAPI found no ringing or connected call for the agent."""

    message = "There is no call at this moment with this Agent PhoneNumber"


class CustomerInDnd(GenericError):
    """Seed: click2call to a DND-registered number."""

    message = "Customer number is in DND"


class ParameterEmpty(GenericError):
    """[I] A click2call parameter is missing (seed style)."""

    message = "{name} should not be empty"
    inferred = True


class AgentNotAvailable(GenericError):
    """[I] The agent does not exist or cannot take calls."""

    message = "Agent is not available"
    inferred = True


class InvalidCustomerNumber(GenericError):
    """[I] The customer number is not a valid Indian number."""

    message = "Invalid Customer Number"
    inferred = True


class BlackListedNumber(GenericError):
    """[I] Blacklisted number (Ozonetel's text, providers.md 2.10)."""

    message = "{number} is a black listed number"
    inferred = True
