"""The console's errors, under the connector library's root ``ConnectorError``.

::

    ConnectorError (connector.errors)
    └── ConsoleError               the console cannot start or do what was asked
        └── SimulatorPanelError    the simulator's control plane refused or did
                                   not answer (the panel shows the message)
"""

from __future__ import annotations

from connector import ConnectorError

__all__ = ["ConsoleError", "SimulatorPanelError"]


class ConsoleError(ConnectorError):
    """Root of the console's deliberate errors; the message says what to fix."""


class SimulatorPanelError(ConsoleError):
    """The simulator's control plane refused a request or could not be reached."""
