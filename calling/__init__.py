"""The calling flows: click-to-call, the incoming pop-up behind the DID gate,
DID sync, and the call-log service that turns provider call logs into CRM
activities. They use the connector library (``connector``) to talk to the
provider and the embedded CRM (``crm``) to record what happened.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from calling.activities import IngestReport, ingest, record_outbound_attempt, record_to_event
    from calling.auth import TokenGate, token_from_env
    from calling.click_to_call import CallAttempt, call_options, is_dnd, place_call
    from calling.did_sync import DidGate, DidSyncResult, did_candidates, sync_dids
    from calling.errors import FlowError
    from calling.popup import AddContact, Popup, add_contact, show_popup
    from calling.service import create_service, serve_service

__all__ = [
    "AddContact",
    "CallAttempt",
    "DidGate",
    "DidSyncResult",
    "FlowError",
    "IngestReport",
    "Popup",
    "TokenGate",
    "add_contact",
    "call_options",
    "create_service",
    "did_candidates",
    "ingest",
    "is_dnd",
    "place_call",
    "record_outbound_attempt",
    "record_to_event",
    "serve_service",
    "show_popup",
    "sync_dids",
    "token_from_env",
]

# Where each public name lives; kept in step with the imports above (a test checks).
_HOMES = {
    "AddContact": "calling.popup",
    "TokenGate": "calling.auth",
    "add_contact": "calling.popup",
    "token_from_env": "calling.auth",
    "CallAttempt": "calling.click_to_call",
    "DidGate": "calling.did_sync",
    "DidSyncResult": "calling.did_sync",
    "FlowError": "calling.errors",
    "IngestReport": "calling.activities",
    "Popup": "calling.popup",
    "call_options": "calling.click_to_call",
    "create_service": "calling.service",
    "did_candidates": "calling.did_sync",
    "ingest": "calling.activities",
    "is_dnd": "calling.click_to_call",
    "place_call": "calling.click_to_call",
    "record_outbound_attempt": "calling.activities",
    "record_to_event": "calling.activities",
    "serve_service": "calling.service",
    "show_popup": "calling.popup",
    "sync_dids": "calling.did_sync",
}


def __getattr__(name: str) -> object:
    # Names resolve on first use (PEP 562): a command that needs one module
    # does not pay for importing the whole package.
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'calling' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
