"""Provider simulator: a Flask telephony provider speaking several dialects.

``create_app(config)`` builds an app (no global app, nothing at import time);
its state lives in ``app.extensions["simulator"]`` (:class:`Simulator`). The
simulator never imports ``connector`` or ``contracts``.
"""

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
