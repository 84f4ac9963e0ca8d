"""Named sets of partner behaviours (``POST /_sim/profile``).

``compliant`` answers as the seed and providers.md say. ``sloppy`` imitates a
careless partner, to prove a connector's rules catch it:

- DND is answered with HTTP 200 and a success body (the call then fails);
- pop-up (PullAPI) errors come back as an HTML page;
- the DID list holds duplicates and invalid numbers;
- the pop-up API answers 1.5 s late (``popup_delay_s``, 0 to 60 s; it holds
  a request like a latency fault, through the same bounded gate).

Each switch can also be set on its own: ``{"name": "compliant",
"echo_api_key": false}``. ``echo_api_key`` (on in both profiles) is Ozonetel's
real habit of echoing the account's API key in every call-log callback
(providers.md 2.7); ``mcc verify``'s ``callback.secrets`` clause fails it, and
the conformance run's embedded simulator turns it off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from simulator.errors import SimulatorError
from simulator.limits import MAX_HOLD_S, checked_number

__all__ = ["PROFILES", "BadProfileSwitch", "Profile", "UnknownProfile", "get_profile"]


class UnknownProfile(SimulatorError, KeyError):
    """No profile has the given name; the message lists the known ones."""


class BadProfileSwitch(SimulatorError, ValueError):
    """A switch that no profile has, or a value of the wrong type."""


@dataclass(frozen=True)
class Profile:
    """Switches read by the dialect models and routes."""

    name: str
    dnd_answers_success: bool = False
    pull_errors_as_html: bool = False
    sloppy_did_list: bool = False
    popup_delay_s: float = 0.0
    echo_api_key: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def with_switches(self, switches: Mapping[str, Any]) -> Profile:
        """This profile with some switches set (``BadProfileSwitch`` names a bad one)."""
        known = {f.name: f.type for f in fields(self) if f.name != "name"}
        changes: dict[str, Any] = {}
        for key, value in switches.items():
            if key not in known:
                raise BadProfileSwitch(
                    f"unknown profile switch {key!r}; valid: {', '.join(sorted(known))}"
                )
            if known[key] == "bool":
                if not isinstance(value, bool):
                    raise BadProfileSwitch(f"{key} must be true or false")
            else:
                checked_number(value, key, 0, MAX_HOLD_S, unit="seconds", error=BadProfileSwitch)
            changes[key] = value
        return replace(self, **changes)


PROFILES: dict[str, Profile] = {
    "compliant": Profile("compliant"),
    "sloppy": Profile(
        "sloppy",
        dnd_answers_success=True,
        pull_errors_as_html=True,
        sloppy_did_list=True,
        popup_delay_s=1.5,
    ),
}


def get_profile(name: str) -> Profile:
    """The profile called ``name``; the error lists the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfile(
            f"unknown profile {name!r}; use one of: {', '.join(sorted(PROFILES))}"
        ) from None
