"""What every dialect shares: the provider error base and the dial outcome rules.

Each dialect's ``errors.py`` subclasses :class:`ProviderError` once per
provider error, with the exact text. :func:`dial_outcome` turns a customer
number into the outcome the magic-number table and the DND/blacklist
registries ask for, so all dialects agree on what a number does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from simulator.behaviours import behaviour_for
from simulator.state.calls import Call, CallState
from simulator.state.directory import Directory

__all__ = [
    "CallTimes",
    "DialOutcome",
    "ProviderError",
    "call_times",
    "dial_outcome",
    "dial_params",
]


class ProviderError(Exception):
    """A provider's error answer: ``status`` and ``message`` as the provider words them.

    ``message`` may hold ``{placeholders}`` filled from the constructor's
    keyword arguments. ``inferred`` marks texts that providers.md marks [I].

    Not a :class:`~simulator.errors.SimulatorError`, on purpose: it is the
    provider's answer, which the dialect's routes render in the provider's
    envelope (often HTTP 200, ``status`` a word such as ``fail``), not the
    simulator refusing its caller. Under one root ``status`` would mean two
    things (an HTTP code there, the provider's word here), and a handler for
    the root would catch answers that must be rendered, not refused.
    """

    status: ClassVar[str] = "error"
    message: ClassVar[str] = ""
    http_status: ClassVar[int] = 200
    code: ClassVar[str] = "error"
    inferred: ClassVar[bool] = False

    def __init__(self, **values: str) -> None:
        self.text = self.message.format(**values)
        super().__init__(self.text)


@dataclass(frozen=True)
class DialOutcome:
    """What dialling a customer number leads to."""

    outcome: str  # "ok" | "dnd" | "blacklisted" | "invalid_number" | "busy" | "no_answer"
    #               | "agent_unavailable" | "max_limit"
    planned: CallState = CallState.COMPLETED

    @property
    def reason(self) -> str:
        """The call's ``reason`` field ("" for an ordinary call)."""
        return "" if self.outcome == "ok" else self.outcome


def dial_outcome(directory: Directory, customer: str) -> DialOutcome:
    """The outcome for ``customer`` (national): registries first, then magic numbers."""
    if customer in directory.blacklist:
        return DialOutcome("blacklisted", CallState.FAILED)
    if customer in directory.dnd:
        return DialOutcome("dnd", CallState.FAILED)
    behaviour = behaviour_for(customer)
    # A fault is the transport's; a disposition is noted on an ordinary call.
    if behaviour is None or behaviour.fault is not None or behaviour.disposition is not None:
        return _ORDINARY
    return DialOutcome(behaviour.outcome, _PLANNED.get(behaviour.outcome, CallState.COMPLETED))


_PLANNED = {
    "dnd": CallState.FAILED,
    "blacklisted": CallState.FAILED,
    "invalid_number": CallState.FAILED,
    "busy": CallState.NOT_ANSWERED,
    "no_answer": CallState.NOT_ANSWERED,
}
_ORDINARY = DialOutcome("ok")  # frozen: one object serves every ordinary number


@dataclass(frozen=True)
class CallTimes:
    """Seconds of a finished call, from its history."""

    time_to_answer: float  # ringing until connected (0 if never connected)
    total: float  # start until end
    talk: float  # connected until end (0 if never connected)


def call_times(call: Call) -> CallTimes:
    """Durations used by every dialect's call record."""
    end = call.ended_at or call.steps[-1][1]
    ringing = call.entered(CallState.AGENT_RINGING)
    connected = call.entered(CallState.CONNECTED)
    total = (end - call.started_at).total_seconds()
    if connected is None:
        return CallTimes(0.0, total, 0.0)
    answer = (connected - (ringing or call.started_at)).total_seconds()
    return CallTimes(answer, total, (end - connected).total_seconds())


def dial_params(values: Mapping[str, str]) -> tuple[str, str, str, str, str]:
    """Ozonetel's AgentManualDial and the generic click2call's five parameters, stripped.

    ``(api_key, username, agentID, campaignName, customerNumber)``, empty
    when absent; each read once (this runs on every dial).
    """
    get = values.get
    return (
        get("api_key", "").strip(),
        get("username", "").strip(),
        get("agentID", "").strip(),
        get("campaignName", "").strip(),
        get("customerNumber", "").strip(),
    )
