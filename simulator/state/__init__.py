"""Simulator state: plain dataclasses (no Flask) and the runtime that holds them.

Names resolve on first use (PEP 562): :mod:`simulator.seed` builds on
:mod:`simulator.state.directory`, and the runtime builds on the seed, so
importing this package must not import the runtime up front (``import
simulator.seed`` first would otherwise meet a half-initialised module).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.state.calls import Call, CallBook, CallState, InvalidTransition
    from simulator.state.directory import Account, Agent, Campaign, Directory
    from simulator.state.runtime import Simulator, UnknownCall

__all__ = [
    "Account",
    "Agent",
    "Call",
    "CallBook",
    "CallState",
    "Campaign",
    "Directory",
    "InvalidTransition",
    "Simulator",
    "UnknownCall",
]

_HOMES = {
    "Account": "simulator.state.directory",
    "Agent": "simulator.state.directory",
    "Call": "simulator.state.calls",
    "CallBook": "simulator.state.calls",
    "CallState": "simulator.state.calls",
    "Campaign": "simulator.state.directory",
    "Directory": "simulator.state.directory",
    "InvalidTransition": "simulator.state.calls",
    "Simulator": "simulator.state.runtime",
    "UnknownCall": "simulator.state.runtime",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'simulator.state' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
