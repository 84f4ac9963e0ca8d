"""The embedded CRM: users, leads, call activities and DIDs in one SQLite file.

``CrmStore`` keeps them (a facade over ``crm.db``, ``crm.people``,
``crm.activities`` and ``crm.dids``); ``import_file`` loads users and leads
from YAML or CSV. The CRM uses the connector library's value types (phone
numbers, call statuses, scrubbed records) and never the calling flows, which
build on it (``calling``).
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

# Where each public name lives; kept in step with the imports above (a test checks).
_HOMES = {
    "Activity": "crm.models",
    "CallEvent": "crm.models",
    "CrmError": "crm.errors",
    "CrmImportError": "crm.errors",
    "CrmStore": "crm.store",
    "CrmStoreError": "crm.errors",
    "DidReplaceSummary": "crm.models",
    "DidSyncStatus": "crm.models",
    "ImportSummary": "crm.importer",
    "Lead": "crm.models",
    "RecordResult": "crm.models",
    "SchemaVersionError": "crm.errors",
    "UpsertResult": "crm.models",
    "User": "crm.models",
    "apply_migrations": "crm.migrate",
    "fold_events": "crm.models",
    "import_file": "crm.importer",
    "load_rows": "crm.importer",
}


def __getattr__(name: str) -> object:
    # Names resolve on first use (PEP 562): a command that needs one module
    # does not pay for importing the whole package.
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'crm' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
