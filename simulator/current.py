"""Where a request finds its simulator: ``app.extensions["simulator"]``.

A leaf for the web layer: it imports no blueprint and not the app factory, so
every blueprint (dialects, control plane) can reach the state through
:func:`current_simulator` while ``simulator.app`` imports the blueprints at
module level, with no import cycle.

:class:`SimulatorRequest` is the app's request class: Flask's own, carrying
what the before-request hook found out about a provider request (the
simulator, the parameters, the journal flags), so that the route and the
after-request hook read them from the request they already hold.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from flask import Flask, Request, current_app

from simulator.state.runtime import Simulator

if TYPE_CHECKING:  # providers.params imports this module (through the blueprints)
    from simulator.providers.params import Params

__all__ = ["EXTENSION", "SimulatorRequest", "current_simulator", "get_simulator"]

#: The key of the :class:`Simulator` in ``app.extensions``.
EXTENSION = "simulator"


def get_simulator(app: Flask) -> Simulator:
    """The simulator state of ``app``."""
    sim: Simulator = app.extensions[EXTENSION]
    return sim


def current_simulator() -> Simulator:
    """The simulator state of the app handling the current request."""
    return get_simulator(current_app)


class SimulatorRequest(Request):
    """Flask's request, plus what the simulator's before-request hook found out.

    The three attributes are set on provider routes only; elsewhere they keep
    their class defaults.
    """

    #: The simulator answering this request.
    simulator: Simulator | None = None
    #: The merged parameters (query, form, JSON), read once.
    sim_params: Params | None = None
    #: Journal flags: what a provider would have choked on, and which fault answered.
    sim_flags: list[str] | tuple[str, ...] = ()

    @property
    def blueprints(self) -> list[str]:
        """Flask's answer (the blueprint and its parents), worked out once per endpoint.

        Flask asks for it three times per request (before-request hooks,
        after-request hooks, teardown), each time splitting the endpoint
        again; for a given endpoint the answer never changes.
        """
        rule = self.url_rule
        if rule is None:
            return []
        return _blueprints_of(rule.endpoint)


@lru_cache(maxsize=1024)
def _blueprints_of(endpoint: str) -> list[str]:
    # As flask.wrappers.Request.blueprints: "a.b.view" -> ["a.b", "a"].
    # Shared and never changed by Flask, like the list its own cache hands out.
    names: list[str] = []
    name = endpoint.rpartition(".")[0]
    while name:
        names.append(name)
        name = name.rpartition(".")[0]
    return names
