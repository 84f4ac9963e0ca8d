"""The calling flows' errors, under the connector library's root ``ConnectorError``.

::

    ConnectorError (connector.errors)
    └── FlowError      a flow cannot start: an unknown lead or user, a lead
                       without the number asked for
"""

from __future__ import annotations

from connector.errors import ConnectorError

__all__ = ["FlowError"]


class FlowError(ConnectorError):
    """A flow cannot start: unknown lead or user, or a lead without that number."""
