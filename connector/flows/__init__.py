"""The calling flows: click-to-call, incoming pop-up behind the DID gate, DID sync."""

from connector.flows.calling import (
    CallAttempt,
    FlowError,
    call_options,
    is_dnd,
    place_call,
    provider_call_id,
)
from connector.flows.did_sync import DidGate, DidSyncResult, did_candidates, sync_dids
from connector.flows.popup import AddContact, Popup, show_popup

__all__ = [
    "AddContact",
    "CallAttempt",
    "DidGate",
    "DidSyncResult",
    "FlowError",
    "Popup",
    "call_options",
    "did_candidates",
    "is_dnd",
    "place_call",
    "provider_call_id",
    "show_popup",
    "sync_dids",
]
