"""What the console's views share: ``app.extensions["mcc_console"]``.

Nothing global: two consoles in one process (tests) never share a store, a
hub or a board.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app

from calling import DidGate
from connector import Client, ConnectorConfig
from console.board import PopupBoard
from console.live import LiveHub
from console.sim_client import SimulatorClient
from console.throttle import LoginThrottle
from crm import CrmStore

__all__ = ["EXTENSION", "ConsoleSettings", "ConsoleState", "console_state", "state_of"]

EXTENSION = "mcc_console"


@dataclass(frozen=True)
class ConsoleSettings:
    """How one console runs.

    ``secret_key`` signs the session cookies and CSRF tokens (give the same
    one to keep sessions across restarts). ``token`` is the call-log token:
    ring notifications (``POST /phone/ring``) must carry it too.
    ``max_streams`` open
    live streams at most (each holds a server thread), ``streams_per_user``
    per agent; ``heartbeat_s`` between keep-alive comments.
    """

    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)
    max_streams: int = 8
    streams_per_user: int = 3
    heartbeat_s: float = 10.0
    secure_cookies: bool = False


@dataclass
class ConsoleState:
    """The console's store, flows, live hub, pop-up board and simulator panel."""

    store: CrmStore
    config: ConnectorConfig
    client: Client
    gate: DidGate
    settings: ConsoleSettings
    hub: LiveHub
    board: PopupBoard
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    simulator: SimulatorClient | None = None


def console_state() -> ConsoleState:
    """The state of the console serving this request."""
    return state_of(current_app)


def state_of(app: Flask) -> ConsoleState:
    """The state of a console app."""
    state: ConsoleState = app.extensions[EXTENSION]
    return state
