"""Errors of the Knowlarity "Basic" dialect: ``{"error":{"code":...,"message":...}}``.

Knowlarity's exact error texts were not found (providers.md 3.1, [I]): every
class here is ``inferred``; the HTTP statuses (401 auth, 400 bad input, 429
rate) follow the brief.
"""

from __future__ import annotations

from simulator.providers.base import ProviderError

__all__ = [
    "AgentNotAvailable",
    "AgentNotVerified",
    "AuthenticationMissing",
    "BadBody",
    "CustomerBlacklisted",
    "CustomerDnd",
    "InvalidAppKey",
    "InvalidAuthorization",
    "InvalidCustomerNumber",
    "InvalidKNumber",
    "InvalidNumberFormat",
    "KnowlarityError",
    "MissingField",
    "RateLimited",
]


class KnowlarityError(ProviderError):
    """[I] Base: HTTP 400 with the nested ``error`` object."""

    status = "error"
    http_status = 400
    code = "bad_request"
    inferred = True


class AuthenticationMissing(KnowlarityError):
    """[I] No ``x-api-key`` or ``authorization`` header."""

    http_status = 401
    code = "authentication_failed"
    message = "Authentication credentials were not provided."


class InvalidAppKey(KnowlarityError):
    """[I] ``x-api-key`` is not an application key of any account."""

    http_status = 401
    code = "authentication_failed"
    message = "Invalid x-api-key"


class InvalidAuthorization(KnowlarityError):
    """[I] ``authorization`` is not the bare SR API key (``Bearer <key>`` included)."""

    http_status = 401
    code = "authentication_failed"
    message = "Invalid authorization key"


class BadBody(KnowlarityError):
    """[I] The body is not a JSON object."""

    message = "Request body must be a JSON object"


class MissingField(KnowlarityError):
    """[I] A required body field is missing."""

    code = "missing_field"
    message = "{field} is required"


class InvalidNumberFormat(KnowlarityError):
    """[I] A number is not ``+91`` E.164."""

    code = "invalid_number"
    message = "{field} must be an E.164 number like +919876543210"


class InvalidKNumber(KnowlarityError):
    """[I] ``k_number`` is not an SR number of the account."""

    code = "invalid_k_number"
    message = "k_number is not an SR number of this account"


class AgentNotVerified(KnowlarityError):
    """[I] ``agent_number`` is not a verified agent ("unverified agent")."""

    code = "agent_not_verified"
    message = "agent_number is not a verified agent"


class AgentNotAvailable(KnowlarityError):
    """[I] The agent cannot take a call."""

    code = "agent_unavailable"
    message = "Agent is not available"


class CustomerDnd(KnowlarityError):
    """[I] The customer is in the DND registry."""

    code = "dnd"
    message = "Customer number is in DND"


class CustomerBlacklisted(KnowlarityError):
    """[I] The customer number is blacklisted."""

    code = "blacklisted"
    message = "Customer number is blacklisted"


class InvalidCustomerNumber(KnowlarityError):
    """[I] The customer number cannot be dialled ("bad number")."""

    code = "invalid_number"
    message = "Invalid customer_number"


class RateLimited(KnowlarityError):
    """[I] Too many requests for this key."""

    http_status = 429
    code = "rate_limited"
    message = "Max limit exceeded"
