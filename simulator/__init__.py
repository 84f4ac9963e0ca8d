"""Provider simulator: a Flask telephony provider speaking several dialects.

``create_app(config)`` builds an app (no global app, nothing at import time);
its state lives in ``app.extensions["simulator"]`` (:class:`Simulator`). The
simulator never imports ``connector`` or ``contracts``.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.app import create_app
    from simulator.behaviours import MAGIC_NUMBERS, Behaviour, behaviour_rows
    from simulator.clock import IST, FakeClock
    from simulator.config import ConfigError, SimulatorConfig
    from simulator.current import current_simulator, get_simulator
    from simulator.errors import SimulatorError
    from simulator.state.runtime import Simulator

__all__ = [
    "IST",
    "MAGIC_NUMBERS",
    "Behaviour",
    "ConfigError",
    "FakeClock",
    "Simulator",
    "SimulatorConfig",
    "SimulatorError",
    "behaviour_rows",
    "create_app",
    "current_simulator",
    "get_simulator",
]

# Where each public name lives; kept in step with the imports above (a test checks).
_HOMES = {
    "Behaviour": "simulator.behaviours",
    "ConfigError": "simulator.config",
    "FakeClock": "simulator.clock",
    "IST": "simulator.clock",
    "MAGIC_NUMBERS": "simulator.behaviours",
    "Simulator": "simulator.state.runtime",
    "SimulatorConfig": "simulator.config",
    "SimulatorError": "simulator.errors",
    "behaviour_rows": "simulator.behaviours",
    "create_app": "simulator.app",
    "current_simulator": "simulator.current",
    "get_simulator": "simulator.current",
}


def __getattr__(name: str) -> object:
    # Names resolve on first use (PEP 562): a command that needs one module
    # does not pay for importing the whole package.
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
