"""Where a request finds its simulator: ``app.extensions["simulator"]``.

A leaf for the web layer: it imports no blueprint and not the app factory, so
every blueprint (dialects, control plane) can reach the state through
:func:`current_simulator` while ``simulator.app`` imports the blueprints at
module level, with no import cycle.
"""

from __future__ import annotations

from flask import Flask, current_app

from simulator.state.runtime import Simulator

__all__ = ["EXTENSION", "current_simulator", "get_simulator"]

#: The key of the :class:`Simulator` in ``app.extensions``.
EXTENSION = "simulator"


def get_simulator(app: Flask) -> Simulator:
    """The simulator state of ``app``."""
    sim: Simulator = app.extensions[EXTENSION]
    return sim


def current_simulator() -> Simulator:
    """The simulator state of the app handling the current request."""
    return get_simulator(current_app)
