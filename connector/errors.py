"""The connector's error tree.

Every error the connector raises on purpose derives from ``ConnectorError`` and
carries a message that tells the user what to fix. No message ever contains a
secret: values that came from ``${ENV_VAR}`` references are shown by name only.

::

    ConnectorError
    ├── ConfigError                 a configuration file or value is wrong
    │   └── PresetNotFoundError     an unknown preset name
    ├── CrmImportError              a CRM import file has bad rows (``problems``)
    ├── CrmStoreError               the CRM store refuses a write or cannot write now
    ├── SchemaVersionError          the CRM database is newer than this program
    ├── CallLogError                a provider's call log cannot be read (``field``)
    ├── FlowError                   a flow cannot start (unknown lead, no number)
    ├── TemplateError               a mail-merge template cannot be rendered
    │   ├── UnresolvedTokenError    a token has no value and no default
    │   └── MissingSecretError      a ``${ENV_VAR}`` is not set
    ├── PhoneNumberError            a phone number cannot be parsed
    ├── MappingError                a response cannot be mapped to an outcome
    └── TransportError              the provider could not be reached or read
        ├── ProviderTimeoutError    no answer within the API's timeout
        ├── ProviderConnectionError refused, reset, DNS or TLS failure
        ├── ResponseTooLargeError   the body exceeded the read limit
        └── UnsafeRedirectError     a redirect to another host (would leak keys)

``TransportError`` and ``MappingError`` never escape ``Client.call``: the client
turns them into error outcomes. Template, phone and configuration errors are
raised before anything is sent.
"""

from __future__ import annotations

__all__ = [
    "CallLogError",
    "ConfigError",
    "ConnectorError",
    "CrmImportError",
    "CrmStoreError",
    "FlowError",
    "MappingError",
    "MissingSecretError",
    "PhoneNumberError",
    "PresetNotFoundError",
    "ProviderConnectionError",
    "ProviderTimeoutError",
    "ResponseTooLargeError",
    "SchemaVersionError",
    "TemplateError",
    "TransportError",
    "UnresolvedTokenError",
    "UnsafeRedirectError",
]


class ConnectorError(Exception):
    """Root of every error the connector raises on purpose."""


class _ProblemList(ConnectorError):
    """An error with one line per problem found (``problems``), shown indented."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__("\n".join([message, *(f"  {p}" for p in self.problems)]))


class ConfigError(_ProblemList):
    """A configuration is invalid; ``problems`` lists ``path: message`` lines."""


class PresetNotFoundError(ConfigError):
    """A preset name that the package does not ship."""


class CrmImportError(_ProblemList):
    """An import file is unreadable or has bad rows; ``problems`` lists them."""


class CrmStoreError(ConnectorError):
    """A write the store refuses (unknown lead or user, naive time) or cannot make now."""


class SchemaVersionError(ConnectorError):
    """The database was written by a newer program, or a migration file is misnamed."""


class CallLogError(ConnectorError):
    """A call log that cannot be read; ``field`` names the culprit."""

    def __init__(self, field: str, problem: str, *, index: int | None = None) -> None:
        self.field = field
        self.problem = problem
        self.index = index
        where = f"record {index}: " if index is not None else ""
        super().__init__(f"{where}{field}: {problem}")


class FlowError(ConnectorError):
    """A flow cannot start: unknown lead or user, or a lead without that number."""


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


class MappingError(ConnectorError):
    """A response matched no rule, or the rules themselves are inconsistent."""


class TransportError(ConnectorError):
    """The provider could not be reached, or its answer could not be read."""


class ProviderTimeoutError(TransportError):
    """No complete answer within the API's timeout."""


class ProviderConnectionError(TransportError):
    """Connection refused or reset, DNS or TLS failure."""


class ResponseTooLargeError(TransportError):
    """The provider's body is larger than the connector will read."""


class UnsafeRedirectError(TransportError):
    """A redirect to another host, or a redirect loop."""
