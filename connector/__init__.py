"""The mobile cloud calling connector: the consumer of a provider's three APIs.

Everything public is re-exported here; other parts (``contracts``) import only
``connector`` itself. ``connector.cli`` and ``connector.testapi`` are entry points,
not library API.
"""

from __future__ import annotations

from connector.client import (
    MAX_REDIRECTS,
    CallResult,
    Client,
)
from connector.config import (
    API_NAMES,
    NUMBER_FORMATS,
    ApiConfig,
    BodyEncoding,
    Claims,
    ConnectorConfig,
    Mode,
    ResponseRule,
    RuleOutcome,
    load_config,
    parse_config,
    parse_duration,
    with_base_url,
)
from connector.errors import (
    ConfigError,
    ConnectorError,
    MappingError,
    MissingSecretError,
    PhoneNumberError,
    PresetNotFoundError,
    ProviderConnectionError,
    ProviderTimeoutError,
    ResponseTooLargeError,
    TemplateError,
    TransportError,
    UnresolvedTokenError,
    UnsafeRedirectError,
)
from connector.mapping import (
    NON_JSON_KEY,
    Outcome,
    decode_body,
    fold,
    map_response,
    parse_json_document,
    resolve_path,
)
from connector.phone import (
    PhoneNumber,
    is_valid_phone,
    parse_phone,
)
from connector.presets import (
    PRESET_DIR,
    load_preset,
    preset_description,
    preset_names,
    preset_path,
    resolve_config,
)
from connector.redaction import (
    MASK,
    Redactor,
    is_secret_key,
    mask_number,
)
from connector.suggest import (
    rules_to_yaml,
    suggest_rules,
)
from connector.templating import (
    MergeContext,
    RenderedRequest,
    Token,
    find_tokens,
    render_request,
    render_text,
    tokens_in_api,
)

__all__ = [
    "API_NAMES",
    "MASK",
    "MAX_REDIRECTS",
    "NON_JSON_KEY",
    "NUMBER_FORMATS",
    "PRESET_DIR",
    "ApiConfig",
    "BodyEncoding",
    "CallResult",
    "Claims",
    "Client",
    "ConfigError",
    "ConnectorConfig",
    "ConnectorError",
    "MappingError",
    "MergeContext",
    "MissingSecretError",
    "Mode",
    "Outcome",
    "PhoneNumber",
    "PhoneNumberError",
    "PresetNotFoundError",
    "ProviderConnectionError",
    "ProviderTimeoutError",
    "Redactor",
    "RenderedRequest",
    "ResponseRule",
    "ResponseTooLargeError",
    "RuleOutcome",
    "TemplateError",
    "Token",
    "TransportError",
    "UnresolvedTokenError",
    "UnsafeRedirectError",
    "decode_body",
    "find_tokens",
    "fold",
    "is_secret_key",
    "is_valid_phone",
    "load_config",
    "load_preset",
    "map_response",
    "mask_number",
    "parse_config",
    "parse_duration",
    "parse_json_document",
    "parse_phone",
    "preset_description",
    "preset_names",
    "preset_path",
    "render_request",
    "render_text",
    "resolve_config",
    "resolve_path",
    "rules_to_yaml",
    "suggest_rules",
    "tokens_in_api",
    "with_base_url",
]
