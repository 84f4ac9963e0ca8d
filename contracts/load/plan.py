"""The plan of one load run: what every Locust process needs to send the right requests.

``mcc load`` builds a :class:`LoadPlan` once, from its parsed options, and
hands it to Locust as JSON in the ``--mcc-plan`` argument (from the
``MCC_LOAD_PLAN`` environment variable). Locust forwards custom arguments from
the master to every worker with each spawn message, so a worker started with
nothing but ``--worker --master-host H`` sends the master's traffic.

The plan never holds a secret: the config travels with its ``${VAR}``
references, and each process reads the values from its own environment.
``env_defaults`` is the exception that proves it: against the embedded
simulator, unset variables get the simulator's demo credentials, which are
documented and published (simulator/seed/default.yaml).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["PLAN_ENV", "TOKEN_ENV", "LoadPlan"]

PLAN_ENV = "MCC_LOAD_PLAN"
TOKEN_ENV = "MCC_CALLLOG_TOKEN"  # the call-log service's shared secret (mcc serve)

Mode = Literal["api", "calllog"]
UserClass = Literal["fast", "connector"]


@dataclass(frozen=True)
class LoadPlan:
    """One run's traffic: target, config, sample data, mix and pace."""

    mode: Mode
    target: str  # scheme://host:port (api: the provider; calllog: the mcc serve service)
    target_kind: str  # "embedded" or "url"
    users: int
    spawn_rate: float
    duration_s: float
    max_rps: float
    mix: Mapping[str, float]
    run_id: str  # this run's prefix for call ids (calllog) and its summary
    config_name: str = ""
    config: Mapping[str, Any] | None = None  # api: the config, rebased on target, ${VAR}s kept
    fixtures: Mapping[str, Any] = field(default_factory=dict)
    secret_names: tuple[str, ...] = ()  # the config's ${VAR} names (their values are redacted)
    env_defaults: Mapping[str, str] = field(default_factory=dict)  # embedded demo credentials
    callback_url: str | None = None  # @CallbackUrl as configured (${VAR}s resolved per process)
    user_class: UserClass = "fast"
    show_numbers: bool = False
    duplicate_rate: float = 0.0  # calllog: share of deliveries sent again
    reorder_rate: float = 0.0  # calllog: share of deliveries held back behind later ones

    @property
    def per_user_rps(self) -> float:
        """Each user's pace, so that all users together stay at or under ``max_rps``."""
        return self.max_rps / max(1, self.users)

    def to_json(self) -> str:
        """The plan as one line of JSON."""
        data = asdict(self)
        data["secret_names"] = list(self.secret_names)
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LoadPlan:
        """Read a plan written by :meth:`to_json`."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a load plan is a JSON object")
        data["secret_names"] = tuple(data.get("secret_names") or ())
        return cls(**data)

    def environment(self, env: Mapping[str, str]) -> dict[str, str]:
        """``env`` with the embedded defaults filled in where a variable is unset."""
        merged = dict(env)
        for name, value in self.env_defaults.items():
            if not merged.get(name):
                merged[name] = value
        return merged
