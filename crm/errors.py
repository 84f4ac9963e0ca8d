"""The CRM's errors, under the connector library's root ``ConnectorError``.

::

    ConnectorError (connector.errors)
    └── CrmError                   the embedded CRM refuses or cannot do something
        ├── CrmStoreError          a write it refuses (unknown lead or user, naive
        │                          time) or cannot make now (locked, disk full)
        ├── CrmImportError         an import file is unreadable or has bad rows
        │                          (``problems`` lists them)
        └── SchemaVersionError     the database is newer than this program, or a
                                   migration file is misnamed
"""

from __future__ import annotations

from connector.errors import ConnectorError

__all__ = ["CrmError", "CrmImportError", "CrmStoreError", "SchemaVersionError"]


class CrmError(ConnectorError):
    """Root of the CRM's deliberate errors."""


class CrmStoreError(CrmError):
    """A write the store refuses (unknown lead or user, naive time) or cannot make now."""


class CrmImportError(CrmError):
    """An import file is unreadable or has bad rows; ``problems`` lists them."""


class SchemaVersionError(CrmError):
    """The database was written by a newer program, or a migration file is misnamed."""
