"""Simulator configuration: a dataclass, also accepted as a plain mapping.

``create_app`` takes either a :class:`SimulatorConfig` or a mapping with the
same keys (``docs/interfaces.md``); unknown keys are refused with the list of
valid ones, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import httpx

from simulator.callbacks import BACKOFF_BASE_S, BACKOFF_CAP_S
from simulator.clock import Clock, utc_now
from simulator.errors import SimulatorError

__all__ = ["TRANSITION_MODES", "ConfigError", "SimulatorConfig"]

TRANSITION_MODES = ("immediate", "manual", "timed")


class ConfigError(SimulatorError, ValueError):
    """The simulator configuration is invalid; the message says what to fix."""


@dataclass
class SimulatorConfig:
    """Everything a simulator instance needs; all of it is optional.

    - ``seed`` / ``seed_path``: the seed document (default: ``seed/default.yaml``).
    - ``random_seed``: seed of the id source (same seed, same UCIDs).
    - ``clock``: callable returning an aware datetime (default: real UTC now).
    - ``journal_size``: how many requests the journal keeps (oldest dropped).
    - ``history_size``: how many finished calls and finished callback
      deliveries are kept for inspection (oldest dropped; live calls and
      pending deliveries are always kept), so memory stays flat under load.
    - ``transitions`` / ``delays``: how calls move (immediate, manual, timed).
    - ``callback_mode``: ``{"duplicate", "delay_ms", "reorder", "drop"}``.
    - ``deliver_callbacks``: False keeps callbacks in the outbox until
      ``flush()``; True starts a background delivery thread on demand.
    - ``callback_transport``: an httpx transport for deliveries (tests pass
      ``httpx.WSGITransport`` or a mock transport).
    - ``callback_max_attempts``: attempts before a delivery is given up.
    - ``callback_backoff_base_s`` / ``callback_backoff_cap_s``: retry backoff
      (doubling from the base, capped); tests and soak runs shorten them.
    - ``sleep``: how latency/hang faults wait (tests pass a recorder).
    - ``hang_s``: how long the ``hang`` fault holds a request, at most.
    - ``profile``: ``compliant`` (default) or ``sloppy``.
    """

    seed: Mapping[str, Any] | None = None
    seed_path: str | Path | None = None
    random_seed: int | None = None
    clock: Clock = utc_now
    journal_size: int = 1000
    history_size: int = 10_000
    transitions: str = "immediate"
    delays: Mapping[str, float] | None = None
    callback_mode: Mapping[str, Any] | None = None
    deliver_callbacks: bool = True
    callback_transport: httpx.BaseTransport | None = None
    callback_max_attempts: int = 12
    callback_backoff_base_s: float = BACKOFF_BASE_S
    callback_backoff_cap_s: float = BACKOFF_CAP_S
    sleep: Callable[[float], None] = field(default=time.sleep)
    hang_s: float = 30.0
    profile: str = "compliant"

    def __post_init__(self) -> None:
        if self.transitions not in TRANSITION_MODES:
            raise ConfigError(
                f"transitions must be one of {', '.join(TRANSITION_MODES)}, "
                f"not {self.transitions!r}"
            )
        if self.journal_size < 1:
            raise ConfigError("journal_size must be at least 1")
        if self.history_size < 1:
            raise ConfigError("history_size must be at least 1")
        if self.callback_max_attempts < 1:
            raise ConfigError("callback_max_attempts must be at least 1")
        if not 0 < self.callback_backoff_base_s <= self.callback_backoff_cap_s:
            raise ConfigError(
                "callback_backoff_base_s must be more than 0 and at most callback_backoff_cap_s"
            )
        if self.hang_s < 0:
            raise ConfigError("hang_s must not be negative")
        if not callable(self.clock):
            raise ConfigError("clock must be a callable returning an aware datetime")

    @classmethod
    def from_value(cls, value: SimulatorConfig | Mapping[str, Any] | None) -> SimulatorConfig:
        """Accept a config object, a mapping of the same keys, or None."""
        if value is None:
            return cls()
        if isinstance(value, SimulatorConfig):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(
                f"simulator config must be a SimulatorConfig or a mapping, "
                f"not {type(value).__name__}"
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ConfigError(
                f"unknown simulator config key(s): {', '.join(unknown)}; "
                f"valid keys: {', '.join(sorted(known))}"
            )
        return cls(**dict(value))
