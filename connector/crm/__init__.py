"""The embedded CRM: users, leads, call activities and DIDs in one SQLite file.

``CrmStore`` keeps them; ``import_file`` loads users and leads from YAML or
CSV; ``connector.activities`` turns provider call logs into activities.
"""

from connector.crm.importer import CrmImportError, ImportSummary, import_file, load_rows
from connector.crm.migrate import SchemaVersionError, apply_migrations
from connector.crm.models import (
    Activity,
    CallEvent,
    CallStatus,
    DidReplaceSummary,
    DidSyncStatus,
    Direction,
    Lead,
    RecordResult,
    UpsertResult,
    User,
    fold_events,
    scrub_secrets,
)
from connector.crm.store import CrmStore, CrmStoreError

__all__ = [
    "Activity",
    "CallEvent",
    "CallStatus",
    "CrmImportError",
    "CrmStore",
    "CrmStoreError",
    "DidReplaceSummary",
    "DidSyncStatus",
    "Direction",
    "ImportSummary",
    "Lead",
    "RecordResult",
    "SchemaVersionError",
    "UpsertResult",
    "User",
    "apply_migrations",
    "fold_events",
    "import_file",
    "load_rows",
    "scrub_secrets",
]
