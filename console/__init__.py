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

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

# Where each public name lives; kept in step with the imports above (a test checks).
_HOMES = {
    "ConsoleError": "console.errors",
    "ConsoleServer": "console.server",
    "ConsoleSettings": "console.state",
    "LiveHub": "console.live",
    "SimulatorClient": "console.sim_client",
    "SimulatorPanelError": "console.errors",
    "build": "console.server",
    "create_console": "console.app",
    "is_simulator": "console.sim_client",
    "serve": "console.server",
}


def __getattr__(name: str) -> object:
    # Names resolve on first use (PEP 562): a command that needs one module
    # does not pay for importing the whole package.
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'console' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
