"""Named sets of partner behaviours (``POST /_sim/profile``).

``compliant`` answers as the seed and providers.md say. ``sloppy`` imitates a
careless partner, to prove a connector's rules catch it:

- DND is answered with HTTP 200 and a success body (the call then fails);
- pop-up (PullAPI) errors come back as an HTML page;
- the DID list holds duplicates and invalid numbers;
- the pop-up API answers 1.5 s late.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from simulator.errors import SimulatorError

__all__ = ["PROFILES", "Profile", "UnknownProfile", "get_profile"]


class UnknownProfile(SimulatorError, KeyError):
    """No profile has the given name; the message lists the known ones."""


@dataclass(frozen=True)
class Profile:
    """Switches read by the dialect models and routes."""

    name: str
    dnd_answers_success: bool = False
    pull_errors_as_html: bool = False
    sloppy_did_list: bool = False
    popup_delay_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


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
