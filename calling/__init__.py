"""The calling flows: click-to-call, the incoming pop-up behind the DID gate,
DID sync, and the call-log service that turns provider call logs into CRM
activities. They use the connector library (``connector``) to talk to the
provider and the embedded CRM (``crm``) to record what happened.
"""

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
