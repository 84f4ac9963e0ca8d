"""Simulator state: plain dataclasses (no Flask) and the runtime that holds them."""

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
