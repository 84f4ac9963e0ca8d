"""Errors of the generic (LeadSquared "Mobile Cloud Calling" seed) dialect.

The seed texts are verbatim, typos and capitals included; those marked
``inferred`` are not in the seed (providers.md [I]) but follow its style.
Every one answers HTTP 200 with ``{"status":"error","message":...}``.

The PullAPI texts (also click2call's credential and rate texts) are defined in
:mod:`simulator.providers.pull`, which Ozonetel's PullAPI shares, and
re-exported here so this module still lists every error the dialect answers.
"""

from __future__ import annotations

from simulator.providers.base import ProviderError
from simulator.providers.pull import (
    AgentPhoneNumberEmpty,
    ApiKeyEmpty,
    InvalidAgentPhoneNumber,
    InvalidCredentials,
    MaxLimitExceeded,
    NoCallAtThisMoment,
    UserNameEmpty,
)

__all__ = [
    "AgentNotAvailable",
    "AgentPhoneNumberEmpty",
    "ApiKeyEmpty",
    "BlackListedNumber",
    "CustomerInDnd",
    "GenericError",
    "InvalidAgentPhoneNumber",
    "InvalidCallbackUrl",
    "InvalidCredentials",
    "InvalidCustomerNumber",
    "MaxLimitExceeded",
    "NoCallAtThisMoment",
    "ParameterEmpty",
    "UserNameEmpty",
]


class GenericError(ProviderError):
    """Base of the texts only click2call answers: ``{"status":"error",...}``, HTTP 200."""

    status = "error"


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


class InvalidCallbackUrl(GenericError):
    """[I] The optional per-call ``callback_url`` is not an http(s) URL."""

    message = "callback_url should be an http or https URL"
    inferred = True
