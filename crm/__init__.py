"""The embedded CRM: users, leads, call activities and DIDs in one SQLite file.

``CrmStore`` keeps them (a facade over ``crm.db``, ``crm.people``,
``crm.activities`` and ``crm.dids``); ``import_file`` loads users and leads
from YAML or CSV. The CRM uses the connector library's value types (phone
numbers, call statuses, scrubbed records) and never the calling flows, which
build on it (``calling``).
"""

from crm.errors import CrmError, CrmImportError, CrmStoreError, SchemaVersionError
from crm.importer import ImportSummary, import_file, load_rows
from crm.migrate import apply_migrations
from crm.models import (
    Activity,
    CallEvent,
    DidReplaceSummary,
    DidSyncStatus,
    Lead,
    RecordResult,
    UpsertResult,
    User,
    fold_events,
)
from crm.store import CrmStore

__all__ = [
    "Activity",
    "CallEvent",
    "CrmError",
    "CrmImportError",
    "CrmStore",
    "CrmStoreError",
    "DidReplaceSummary",
    "DidSyncStatus",
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
]
