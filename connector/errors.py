"""The connector library's error tree.

Every error the library raises on purpose derives from ``ConnectorError`` and
carries a message that tells the user what to fix; ``problems`` holds one line
per problem when there are several. No message ever contains a secret: values
that came from ``${ENV_VAR}`` references are shown by name only.

::

    ConnectorError
    ├── ConfigError                 a configuration file or value is wrong
    │   └── PresetNotFoundError     an unknown preset name
    ├── TemplateError               a mail-merge template cannot be rendered
    │   ├── UnresolvedTokenError    a token has no value and no default
    │   └── MissingSecretError      a ``${ENV_VAR}`` is not set
    ├── PhoneNumberError            a phone number cannot be parsed
    ├── CallLogError                a provider's call log cannot be read (``field``)
    └── TransportError              no usable answer came (``sent``: the request may
        │                           have reached the provider)
        ├── ProviderConnectionError refused, reset, DNS or TLS failure
        ├── ProviderTimeoutError    no complete answer before the API's deadline
        ├── ResponseTooLargeError   the body exceeded the read limit
        ├── UnreadableAnswerError   the body is not text, or breaks its charset
        └── UnsafeRedirectError     a redirect to another host, a loop, too many

``TransportError`` never escapes ``Client.call``: the client puts it on an
error outcome (``Outcome.error``), so callers tell "could not connect" from "the
provider answered badly" by type. Template, phone and configuration errors are
raised before anything is sent. The CRM (``crm.errors``) and the calling flows
(``calling.errors``) hang their own errors under ``ConnectorError``, so one
``except ConnectorError`` at an edge catches every deliberate error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Self

__all__ = [
    "CallLogError",
    "ConfigError",
    "ConnectorError",
    "MissingSecretError",
    "PhoneNumberError",
    "PresetNotFoundError",
    "ProviderConnectionError",
    "ProviderTimeoutError",
    "ResponseTooLargeError",
    "TemplateError",
    "TransportError",
    "UnreadableAnswerError",
    "UnresolvedTokenError",
    "UnsafeRedirectError",
]


class ConnectorError(Exception):
    """Root of every error raised on purpose; ``problems`` lists details, one per line."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        super().__init__("\n".join([message, *(f"  {p}" for p in self.problems)]))


class ConfigError(ConnectorError):
    """A configuration is invalid; ``problems`` lists ``path: message`` lines."""


class PresetNotFoundError(ConfigError):
    """A preset name that the package does not ship."""


class CallLogError(ConnectorError):
    """A call log that cannot be read; ``field`` names the culprit."""

    def __init__(self, field: str, problem: str, *, index: int | None = None) -> None:
        self.field = field
        self.problem = problem
        self.index = index
        where = f"record {index}: " if index is not None else ""
        super().__init__(f"{where}{field}: {problem}")


class TemplateError(ConnectorError):
    """A mail-merge template cannot be rendered."""


class UnresolvedTokenError(TemplateError):
    """A token resolved to nothing and has no default."""

    def __init__(self, token: str, position: int, where: str, reason: str) -> None:
        self.token = token
        self.position = position
        self.where = where
        super().__init__(
            f"{where}: token {token} at position {position} cannot be resolved: {reason}"
        )


class MissingSecretError(TemplateError):
    """A ``${ENV_VAR}`` reference names a variable that is not set."""

    def __init__(self, variable: str, where: str) -> None:
        self.variable = variable
        super().__init__(
            f"{where}: environment variable {variable} is not set; export it before running"
        )


class PhoneNumberError(ConnectorError):
    """A phone number cannot be parsed or is not a valid number."""


class TransportError(ConnectorError):
    """No usable answer came from the provider.

    ``sent`` is False only when nothing can have reached the provider (the
    connection was never made): such a call may be tried again. When it is
    True the provider may have acted (queued the call), so a retry could dial
    the customer twice. ``cause`` is the type of the underlying exception
    (``httpx.ConnectTimeout``...), when there was one; ``status`` the HTTP
    status seen before the failure (0 when none).
    """

    def __init__(
        self,
        message: str,
        *,
        sent: bool = True,
        cause: type[BaseException] | None = None,
        status: int = 0,
    ) -> None:
        super().__init__(message)
        self.sent = sent
        self.cause = cause
        self.status = status

    def redacted(self, scrub: Callable[[str], str]) -> Self:
        """The same error with its message passed through ``scrub`` (hiding secrets)."""
        return type(self)(scrub(str(self)), sent=self.sent, cause=self.cause, status=self.status)


class ProviderTimeoutError(TransportError):
    """No complete answer before the API's deadline (connect, redirects and body together)."""


class ProviderConnectionError(TransportError):
    """Connection refused or reset, DNS or TLS failure."""


class ResponseTooLargeError(TransportError):
    """The provider's body is larger than the connector will read."""


class UnreadableAnswerError(TransportError):
    """The answer is not text (an image, octets) or breaks its declared charset."""


class UnsafeRedirectError(TransportError):
    """A redirect to another host, a downgrade to http, a loop, or too many redirects."""
