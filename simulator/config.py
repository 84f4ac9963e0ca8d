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
from simulator.limits import (
    MAX_BODY_BYTES,
    MAX_HELD_REQUESTS,
    MAX_HOLD_S,
    MAX_JOURNAL_BYTES,
    checked_number,
)

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
    - ``journal_bytes``: how much text the journal keeps in all (oldest
      dropped); each stored value is cut at 2 KB on the way in.
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
    - ``hang_s``: how long the ``hang`` fault holds a request (at most 60 s).
    - ``max_held_requests``: how many requests latency and hang faults (and
      the pop-up delay) may hold at once; past it they answer at once, so
      the control plane and other clients always find a free thread.
    - ``max_body_bytes``: request bodies larger than this are refused (413).
    - ``profile``: ``compliant`` (default) or ``sloppy``.
    - ``worker_processes``: how many server processes serve this app (each
      builds its own, with its own state). Above 1 the control plane refuses
      every stateful route (409), since it could only answer for the one
      process the request happened to reach; provider routes work as usual.

    Every number is range-checked (``ConfigError`` names the field and range).
    """

    seed: Mapping[str, Any] | None = None
    seed_path: str | Path | None = None
    random_seed: int | None = None
    clock: Clock = utc_now
    journal_size: int = 1000
    journal_bytes: int = 8 * 1024 * 1024
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
    max_held_requests: int = MAX_HELD_REQUESTS
    max_body_bytes: int = MAX_BODY_BYTES
    profile: str = "compliant"
    worker_processes: int = 1

    def __post_init__(self) -> None:
        if self.transitions not in TRANSITION_MODES:
            raise ConfigError(
                f"transitions must be one of {', '.join(TRANSITION_MODES)}, "
                f"not {self.transitions!r}"
            )

        def check(name: str, low: float, high: float, *, whole: bool = True) -> None:
            checked_number(getattr(self, name), name, low, high, whole=whole, error=ConfigError)

        check("journal_size", 1, 100_000)
        check("journal_bytes", 64 * 1024, MAX_JOURNAL_BYTES)
        check("history_size", 1, 1_000_000)
        check("callback_max_attempts", 1, 1000)
        check("callback_backoff_base_s", 0.001, 3600, whole=False)
        check("callback_backoff_cap_s", 0.001, 3600, whole=False)
        if self.callback_backoff_base_s > self.callback_backoff_cap_s:
            raise ConfigError("callback_backoff_base_s must be at most callback_backoff_cap_s")
        check("hang_s", 0, MAX_HOLD_S, whole=False)
        check("max_held_requests", 1, 256)
        check("max_body_bytes", 1024, 64 * 1024 * 1024)
        check("worker_processes", 1, 64)
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
