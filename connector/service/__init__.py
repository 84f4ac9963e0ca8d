"""The connector's own HTTP service: call logs in, DID sync on a schedule."""

from connector.service.app import (
    DEFAULT_MAX_BODY_BYTES,
    ServiceState,
    create_service,
    serve_service,
    service_state,
)
from connector.service.auth import TOKEN_ENV, presented_token, token_matches
from connector.service.scheduler import DidSyncScheduler

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "TOKEN_ENV",
    "DidSyncScheduler",
    "ServiceState",
    "create_service",
    "presented_token",
    "serve_service",
    "service_state",
    "token_matches",
]
