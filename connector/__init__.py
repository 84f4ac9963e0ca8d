"""The cloud-calling connector library: a provider's three APIs, as a CRM consumes them.

Configure an integration (``load_config``, ``resolve_config`` for the shipped
presets), render a request with mail-merge tokens (``render_request``), send
it and map the answer (``Client``), and read what a provider pushes back
(``parse_callback``). No database, web framework or command line lives here:
the embedded CRM (``crm``), the calling flows (``calling``) and the ``mcc``
commands build on this library, never the reverse.

The names below are the public API (docs/interfaces.md). Everything else stays
importable from its own module (``connector.templating``, ``connector.errors``...)
but may change without notice.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.calllog import CallLogFormat, CallRecord, CallStatus, Direction, parse_callback
    from connector.client import CallResult, Client
    from connector.config import (
        ApiConfig,
        BodyEncoding,
        ConnectorConfig,
        ResponseRule,
        load_config,
        parse_config,
        with_base_url,
    )
    from connector.document import Answer, visible
    from connector.errors import (
        CallLogError,
        ConfigError,
        ConnectorError,
        PhoneNumberError,
        TemplateError,
        TransportError,
    )
    from connector.extract import call_id
    from connector.mapping import Outcome, Reason, map_answer
    from connector.phone import PhoneNumber, parse_phone
    from connector.presets import resolve_config
    from connector.redaction import Redactor, mask_number
    from connector.suggest import suggest_rules
    from connector.templating import MergeContext, RenderedRequest, render_request

__all__ = [
    "Answer",
    "ApiConfig",
    "BodyEncoding",
    "CallLogError",
    "CallLogFormat",
    "CallRecord",
    "CallResult",
    "CallStatus",
    "Client",
    "ConfigError",
    "ConnectorConfig",
    "ConnectorError",
    "Direction",
    "MergeContext",
    "Outcome",
    "PhoneNumber",
    "PhoneNumberError",
    "Reason",
    "Redactor",
    "RenderedRequest",
    "ResponseRule",
    "TemplateError",
    "TransportError",
    "call_id",
    "load_config",
    "map_answer",
    "mask_number",
    "parse_callback",
    "parse_config",
    "parse_phone",
    "render_request",
    "resolve_config",
    "suggest_rules",
    "visible",
    "with_base_url",
]

# Where each public name lives; kept in step with the imports above (a test checks).
_HOMES = {
    "Answer": "connector.document",
    "ApiConfig": "connector.config",
    "BodyEncoding": "connector.config",
    "CallLogError": "connector.errors",
    "CallLogFormat": "connector.calllog",
    "CallRecord": "connector.calllog",
    "CallResult": "connector.client",
    "CallStatus": "connector.calllog",
    "Client": "connector.client",
    "ConfigError": "connector.errors",
    "ConnectorConfig": "connector.config",
    "ConnectorError": "connector.errors",
    "Direction": "connector.calllog",
    "MergeContext": "connector.templating",
    "Outcome": "connector.mapping",
    "PhoneNumber": "connector.phone",
    "PhoneNumberError": "connector.errors",
    "Reason": "connector.mapping",
    "Redactor": "connector.redaction",
    "RenderedRequest": "connector.templating",
    "ResponseRule": "connector.config",
    "TemplateError": "connector.errors",
    "TransportError": "connector.errors",
    "call_id": "connector.extract",
    "load_config": "connector.config",
    "map_answer": "connector.mapping",
    "mask_number": "connector.redaction",
    "parse_callback": "connector.calllog",
    "parse_config": "connector.config",
    "parse_phone": "connector.phone",
    "render_request": "connector.templating",
    "resolve_config": "connector.presets",
    "suggest_rules": "connector.suggest",
    "visible": "connector.document",
    "with_base_url": "connector.config",
}


def __getattr__(name: str) -> object:
    # Names resolve on first use (PEP 562): a command that needs one module
    # does not pay for importing the whole package.
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'connector' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
