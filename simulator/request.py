"""The app's request class: Flask's own, carrying what the provider pipeline found out.

The pipeline around a provider route finds out, once, what the request is:
the simulator answering it, its merged parameters, its journal flags. It
keeps them on the request, so the route and the journal step read them from
the request they already hold (no ``g`` or app lookups per request).
"""

from __future__ import annotations

from functools import lru_cache

from flask import Request

from simulator.providers.params import Params
from simulator.state.runtime import Simulator

__all__ = ["SimulatorRequest"]


class SimulatorRequest(Request):
    """Flask's request, plus what the simulator's provider pipeline found out.

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
