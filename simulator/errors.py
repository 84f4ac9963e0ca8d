"""The root of the simulator's own errors, :class:`SimulatorError`, with an HTTP status.

They refuse what a test or an operator asked of the simulator: a config, a
seed, a control-plane request. The control plane answers every one alike,
``{"status": "error", "message": str(exc)}`` with ``exc.status``. Each class
lives beside the concept it guards; the ones that were ``ValueError`` or
``KeyError`` before the root existed still are, for callers that catch those::

    SimulatorError                     400  simulator.errors
    ├── ConfigError (ValueError)       400  simulator.config
    ├── SeedError (ValueError)         400  simulator.seed
    ├── FaultError (ValueError)        400  simulator.faults
    ├── UnknownFault (KeyError)        404  simulator.faults
    ├── CallbackModeError (ValueError) 400  simulator.callbacks
    ├── UnknownProfile (KeyError)      400  simulator.profiles
    ├── BadProfileSwitch (ValueError)  400  simulator.profiles
    ├── BadCallInput (ValueError)      400  simulator.state.calls
    ├── InvalidTransition (ValueError) 409  simulator.state.calls
    ├── UnknownCall (KeyError)         404  simulator.state.runtime
    ├── BadControlInput (ValueError)   400  simulator.control.routes
    ├── ReplayError (ValueError)       400  simulator.replay.store
    └── UnknownAgent (KeyError)        404  simulator.control.routes

Outside the tree, on purpose:

- ``ProviderError`` (:mod:`simulator.providers.base`) and the dialects' errors:
  a provider's *answer* in its own envelope (often HTTP 200, a status word such
  as ``fail``), rendered by the dialect's routes, not a refusal of the caller.
- ``SimulatedReset`` (:mod:`simulator.faults`): a ``ConnectionResetError`` that
  must reach the WSGI server so it drops the connection, never a handler.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["SimulatorError"]


class SimulatorError(Exception):
    """The simulator refuses a request of its own (not a provider answer).

    ``status`` is the HTTP status the control plane answers with; ``str(exc)``
    is the message, naming what to fix.
    """

    status: ClassVar[int] = 400

    def __str__(self) -> str:
        # KeyError subclasses would otherwise show the repr ('...' in quotes).
        return Exception.__str__(self)
