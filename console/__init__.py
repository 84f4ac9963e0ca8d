"""The agent console: the app's calling screens in a browser.

A small Flask app on top of the connector's public API (``connector``,
``crm``, ``calling``): log in as a CRM user, find leads by name or by any
written form of a number, place a Cloud Call and watch its activity change
live, get the incoming pop-up (DID gate, pop-up API, lead lookup) with Add
Contact for an unknown caller, see the synced DIDs, and, pointed at the
provider simulator, a panel that plays the rest of the world. It runs in
the call-log service's process (``mcc console``), so a call log landing in
the store shows at once (Server-Sent Events). It reaches the simulator only
over HTTP and imports neither ``simulator`` nor ``contracts``. See
docs/console.md.
"""

from console.app import create_console
from console.errors import ConsoleError, SimulatorPanelError
from console.live import LiveHub
from console.server import ConsoleServer, build, serve
from console.sim_client import SimulatorClient, is_simulator
from console.state import ConsoleSettings

__all__ = [
    "ConsoleError",
    "ConsoleServer",
    "ConsoleSettings",
    "LiveHub",
    "SimulatorClient",
    "SimulatorPanelError",
    "build",
    "create_console",
    "is_simulator",
    "serve",
]
