"""Calls keyed by UCID and the transitions that move them.

States: ``queued -> agent_ringing -> connected -> completed``, or a call ends in
``not_answered`` (busy, no answer) or ``failed`` (DND, blacklisted, invalid
number). Each call carries the outcome it is heading for (``planned``) and a
history of ``(state, time)``. How it moves is its ``mode``:

- ``immediate``: at creation it runs through its whole path; times are the
  clock's "now" plus the delays (ring, then talk), so a completed call has a
  30 s conversation without anyone waiting.
- ``manual``: it stays where it is until ``advance()`` (``/_sim/calls/<ucid>/advance``).
- ``timed``: ``tick(now)`` moves it once ``delays[state]`` seconds of the
  injectable clock have passed in a state; each step is stamped at its due
  time, not at the time of the tick, so results do not depend on polling.
  Timed calls wait in a heap ordered by their next due time, so a tick looks
  only at what is due: its cost does not grow with the number of live calls.

DND and blacklisted dials fail at once in every mode (nothing is dialled).
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from simulator.errors import SimulatorError
from simulator.limits import MAX_DELAY_S, checked_number

__all__ = [
    "DEFAULT_DELAYS",
    "NO_EXTRA",
    "BadCallInput",
    "Call",
    "CallBook",
    "CallState",
    "InvalidTransition",
    "Offsets",
    "first_steps",
    "parse_delays",
    "parse_state",
    "planned_steps",
]


class CallState(StrEnum):
    """Where a call is."""

    QUEUED = "queued"
    AGENT_RINGING = "agent_ringing"
    CONNECTED = "connected"
    COMPLETED = "completed"
    NOT_ANSWERED = "not_answered"
    FAILED = "failed"


TERMINAL = frozenset({CallState.COMPLETED, CallState.NOT_ANSWERED, CallState.FAILED})
MAIN_PATH = (CallState.QUEUED, CallState.AGENT_RINGING, CallState.CONNECTED, CallState.COMPLETED)
_PATH_INDEX = {state: index for index, state in enumerate(MAIN_PATH)}
#: Seconds a call spends in a state before a timed/immediate step moves it on.
DEFAULT_DELAYS: Mapping[str, float] = {"queued": 1.0, "agent_ringing": 5.0, "connected": 30.0}
_ALIASES = {"ringing": CallState.AGENT_RINGING, "answered": CallState.CONNECTED}
# Reasons that stop a dial before anyone's phone rings.
_PRE_DIAL_FAILURES = frozenset({"dnd", "blacklisted"})


class InvalidTransition(SimulatorError, ValueError):
    """A requested state change is not possible from the call's current state."""

    status = 409


class BadCallInput(SimulatorError, ValueError):
    """A state name, mode or delay is not one the simulator knows."""


def parse_state(text: str) -> CallState:
    """A state from its name (``ringing`` is accepted for ``agent_ringing``)."""
    if text in _ALIASES:
        return _ALIASES[text]
    try:
        return CallState(text)
    except ValueError:
        names = ", ".join([*(s.value for s in CallState), *_ALIASES])
        raise BadCallInput(f"unknown call state {text!r}; use one of: {names}") from None


def parse_delays(value: Mapping[str, Any]) -> dict[str, float]:
    """Validate a delays mapping (state name -> seconds, 0 to one day); aliases allowed.

    A bad delay is bad input (400), never a transition error: it is refused
    here, before it is stored, because a delay too large for a date would
    break every later request that moves calls.
    """
    result = dict(DEFAULT_DELAYS)
    for key, seconds in value.items():
        name = str(key)[:40]
        state = parse_state(name)
        if state.value not in DEFAULT_DELAYS:
            raise BadCallInput(f"delays.{name}: only {', '.join(DEFAULT_DELAYS)} have a delay")
        checked_number(
            seconds, f"delays.{name}", 0, MAX_DELAY_S, unit="seconds", error=BadCallInput
        )
        result[state.value] = float(seconds)
    return result


@dataclass(slots=True)
class Transition:
    """One step in a call's history (made when read: calls keep ``steps``)."""

    state: CallState
    at: datetime


#: A step as a call keeps it: (state name, time). A tuple of a plain string and a
#: datetime holds nothing the garbage collector must follow, so it stops
#: tracking it: the 10,000 finished calls a simulator keeps cost a full
#: collection one object each (the call) instead of seven.
Step = tuple[str, datetime]
_STATE_OF = {state.value: state for state in CallState}
_TERMINAL_NAMES = frozenset(state.value for state in TERMINAL)
_QUEUED = CallState.QUEUED.value
_FAILED = CallState.FAILED.value
#: A call's ``extra`` when it has none (shared, read-only).
NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


# slots: no per-call __dict__ for the collector to walk, and smaller records.
@dataclass(slots=True)
class Call:
    """A call placed through a provider route or injected as incoming."""

    # Simulator.place_call passes every field positionally, in this order:
    # a new field goes last, or is added there too.

    ucid: str
    dialect: str
    operation: str
    direction: str  # "outbound" | "inbound"
    account: str
    customer: str  # national 10 digits
    created_at: datetime
    agent_id: str | None = None
    agent_phone: str | None = None
    did: str | None = None
    campaign: str | None = None
    uui: str = ""
    mode: str = "immediate"
    delays: dict[str, float] | None = None
    planned: CallState = CallState.COMPLETED
    reason: str = ""
    # A list while the call moves; a tuple once it has ended (CallBook.finished).
    steps: list[Step] | tuple[Step, ...] = field(default_factory=list)
    extra: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA)  # shared, read-only
    callback_url: str | None = None  # where this call's record goes, when given per call
    recording_url: str | None = None  # set when an answered call ends
    disposition: str = ""  # what the agent noted (``advance`` may set it)
    notification: str | None = None  # the ring notification sent to the agent's phone

    @property
    def history(self) -> tuple[Transition, ...]:
        """The steps so far, oldest first (a read-only copy; :meth:`advance` moves a call)."""
        return tuple(Transition(_STATE_OF[name], at) for name, at in self.steps)

    def begin(self, at: datetime) -> None:
        """The first step: queued at ``at``."""
        self._add((_QUEUED, at))

    def _add(self, *steps: Step) -> None:
        """Append steps (an ended call's tuple becomes a list again if it must)."""
        current = self.steps
        if isinstance(current, tuple):
            current = self.steps = list(current)
        current.extend(steps)

    def freeze(self) -> None:
        """Keep the steps of an ended call as a tuple (nothing for the collector to track)."""
        self.steps = tuple(self.steps)

    @property
    def state(self) -> CallState:
        """The current state (the last step)."""
        return _STATE_OF[self.steps[-1][0]]

    @property
    def is_terminal(self) -> bool:
        """True once the call has ended."""
        return self.steps[-1][0] in _TERMINAL_NAMES

    def entered(self, state: CallState) -> datetime | None:
        """When the call entered ``state``, if it did."""
        return next((at for name, at in self.steps if name == state.value), None)

    @property
    def started_at(self) -> datetime:
        """When the call started (first step)."""
        return self.steps[0][1]

    @property
    def ended_at(self) -> datetime | None:
        """When the call ended, if it has."""
        return self.steps[-1][1] if self.is_terminal else None

    def next_planned(self) -> CallState | None:
        """The next state on the way to ``planned``; None once terminal."""
        return self.planned_after(self.state)

    def planned_after(self, state: CallState) -> CallState | None:
        """The state that follows ``state`` on the way to ``planned``; None after an end."""
        return _after(state, self.planned, self.reason in _PRE_DIAL_FAILURES)

    def advance(self, to: CallState, at: datetime) -> None:
        """Move to ``to`` now, filling the main-path states in between."""
        state = self.state
        if state in TERMINAL:
            raise InvalidTransition(f"call {self.ucid} has already ended ({state.value})")
        if to in (CallState.NOT_ANSWERED, CallState.FAILED):
            if to == CallState.NOT_ANSWERED and state == CallState.CONNECTED:
                raise InvalidTransition(
                    f"call {self.ucid} is connected; it can go to completed or failed"
                )
            self._add((to.value, at))
            return
        here, there = _PATH_INDEX[state], _PATH_INDEX[to]
        if there == here + 1:  # the usual single step
            self._add((to.value, at))
            return
        if there <= here:
            raise InvalidTransition(
                f"call {self.ucid} is {state.value}; it can only move forward "
                f"({', '.join(s.value for s in MAIN_PATH[here + 1 :])}, not_answered, failed)"
            )
        self._add(*((s.value, at) for s in MAIN_PATH[here + 1 : there + 1]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``/_sim/calls``."""
        return {
            "ucid": self.ucid,
            "dialect": self.dialect,
            "operation": self.operation,
            "direction": self.direction,
            "account": self.account,
            "customer": self.customer,
            "agent_id": self.agent_id,
            "agent_phone": self.agent_phone,
            "did": self.did,
            "campaign": self.campaign,
            "uui": self.uui,
            "mode": self.mode,
            "planned": self.planned.value,
            "reason": self.reason,
            "state": self.state.value,
            "history": [{"state": name, "at": at.isoformat()} for name, at in self.steps],
            "recording_url": self.recording_url,
            "disposition": self.disposition,
        }


class CallBook:
    """The calls of one simulator, in creation order.

    Live calls are always kept; finished ones only up to ``keep_finished``
    (those that finished first are dropped first), so a long load run does not
    grow memory or slow the pop-up lookup. Callers hold the simulator's lock.

    Timed calls wait in a heap of ``(due, seq, ucid)``: :meth:`tick` pops only
    what is due, and :meth:`due_by` answers "anything due?" in O(1). An entry
    goes stale when its call is moved by hand, switched to another mode or
    rescheduled; ``_scheduled`` names each call's current entry, and a stale
    one is skipped when it comes up.

    Which agents are on a live call is kept as calls start and end
    (:meth:`agent_busy`), so asking never walks the history: in the default
    immediate mode every kept call has ended, and PhoneManualDial asks on
    every request.
    """

    def __init__(self, keep_finished: int = 10_000) -> None:
        self.calls: dict[str, Call] = {}
        self._keep_finished = keep_finished
        # Pruned in batches (10 % slack): past this many calls, the oldest finished go.
        self._prune_above = keep_finished + max(1, keep_finished // 10)
        # Inbound calls are few (injected by the control plane); PullAPI scans only these.
        self._inbound: dict[str, Call] = {}
        # UCIDs of finished calls in the order they finished (a deque: no hashing
        # into another table of ten thousand on every call).
        self._finished: deque[str] = deque()
        self._live_by_agent: dict[str, set[str]] = {}  # agent id -> UCIDs of its live calls
        self._due: list[tuple[datetime, int, str]] = []
        self._scheduled: dict[str, int] = {}  # ucid -> seq of its current heap entry
        self._seq = itertools.count()

    def add(self, call: Call) -> None:
        """Keep ``call`` under its UCID (a finished one counts against the history)."""
        self.calls[call.ucid] = call
        if call.direction == "inbound":
            self._inbound[call.ucid] = call
        if call.is_terminal:
            self.finished(call)
        elif call.agent_id is not None:
            self._live_by_agent.setdefault(call.agent_id, set()).add(call.ucid)

    def finished(self, call: Call) -> None:
        """Note that ``call`` has ended; drop the oldest finished calls past the limit.

        Pruned in batches (10 % slack), each batch O(its size): a steady load
        pays O(1) per call, however many calls are live.
        """
        finished = self._finished
        finished.append(call.ucid)
        call.freeze()
        if self._live_by_agent and call.agent_id is not None:
            live = self._live_by_agent.get(call.agent_id)
            if live is not None:
                live.discard(call.ucid)
                if not live:
                    del self._live_by_agent[call.agent_id]
        if len(self.calls) > self._prune_above:
            for _ in range(min(len(self.calls) - self._keep_finished, len(finished))):
                ucid = finished.popleft()
                self.calls.pop(ucid, None)
                self._inbound.pop(ucid, None)

    def agent_busy(self, agent_id: str) -> bool:
        """Whether the agent has a live call (O(1): the history is not walked)."""
        return agent_id in self._live_by_agent

    def get(self, ucid: str) -> Call | None:
        """The call with this UCID, if any."""
        return self.calls.get(ucid)

    def clear(self) -> None:
        """Forget every call."""
        self.calls.clear()
        self._inbound.clear()
        self._finished.clear()
        self._live_by_agent.clear()
        self._due.clear()
        self._scheduled.clear()

    def run_to_end(self, call: Call, delays: Mapping[str, float]) -> None:
        """Immediate mode: walk the planned path, stamping clock time + delays."""
        # The planned path is valid by construction: the steps are appended
        # at once, without advance()'s checks (this runs on every immediate call).
        steps = planned_steps(
            call.state,
            call.steps[-1][1],
            call.planned,
            call.reason,
            call.delays if call.delays is not None else delays,
        )
        if steps:
            call._add(*steps)

    def schedule(self, call: Call, delays: Mapping[str, float]) -> None:
        """Put a live timed call in the heap at its next due time (replacing any entry)."""
        if call.is_terminal or call.mode != "timed":
            self._scheduled.pop(call.ucid, None)
            return
        seq = next(self._seq)
        self._scheduled[call.ucid] = seq
        heapq.heappush(self._due, (_next_due(call, delays), seq, call.ucid))

    def reschedule(self, delays: Mapping[str, float]) -> None:
        """The delays changed: every timed call's due time is computed again."""
        waiting = [self.calls[u] for u in self._scheduled if u in self.calls]
        self._due.clear()
        self._scheduled.clear()
        for call in waiting:
            self.schedule(call, delays)

    def due_by(self, now: datetime) -> bool:
        """Whether a timed call may be due at ``now`` (O(1); no lock needed to ask)."""
        due = self._due
        return bool(due) and due[0][0] <= now

    def tick(self, now: datetime, delays: Mapping[str, float]) -> list[Call]:
        """Timed mode: move every due call; return the calls that ended."""
        ended: list[Call] = []
        heap = self._due
        while heap and heap[0][0] <= now:
            _, seq, ucid = heapq.heappop(heap)
            if self._scheduled.get(ucid) != seq:
                continue  # stale: moved, switched or rescheduled since
            del self._scheduled[ucid]
            call = self.calls.get(ucid)
            if call is None or call.is_terminal or call.mode != "timed":
                continue
            while (step := call.next_planned()) is not None:
                due = _next_due(call, delays)
                if due > now:
                    break
                call.advance(step, due)
            if call.is_terminal:
                ended.append(call)
            else:
                self.schedule(call, delays)
        return ended

    def timed_pending(self) -> bool:
        """Whether a live call still waits for a timed transition."""
        return bool(self._scheduled)

    def active_inbound_for_agent(self, phone: str) -> Call | None:
        """The newest inbound call ringing or connected at this agent phone."""
        live = (CallState.AGENT_RINGING, CallState.CONNECTED)
        for ucid in [u for u, c in self._inbound.items() if c.is_terminal]:
            del self._inbound[ucid]  # finished: never live again
        matches = [c for c in self._inbound.values() if c.agent_phone == phone and c.state in live]
        return matches[-1] if matches else None


def _after(state: CallState, planned: CallState, pre_dial: bool) -> CallState | None:
    """The state after ``state`` on the way to ``planned`` (see :meth:`Call.planned_after`)."""
    if state in TERMINAL:
        return None
    if planned == CallState.FAILED and pre_dial:
        return CallState.FAILED
    if state == CallState.QUEUED:
        return CallState.AGENT_RINGING
    if state == CallState.AGENT_RINGING:
        return CallState.CONNECTED if planned == CallState.COMPLETED else planned
    return CallState.COMPLETED


#: The states a call enters on its way to its planned end, each with the time
#: since it entered the state it started from.
Offsets = tuple[tuple[str, timedelta], ...]


def first_steps(
    at: datetime,
    planned: CallState,
    reason: str,
    mode: str,
    delays: Mapping[str, float],
    *,
    memo: dict[CallState, Offsets] | None = None,
) -> list[Step]:
    """What a new outbound call goes through at once, from queued at ``at``.

    A pre-dial failure (DND, blacklisted) fails at once in every mode; in
    immediate mode the call runs its whole planned path (see :func:`planned_steps`);
    otherwise it stays queued. ``memo`` is the caller's store of immediate paths
    worked out under ``delays`` (one per planned end; emptied when the delays change).
    """
    if reason in _PRE_DIAL_FAILURES:
        return [(_QUEUED, at), (_FAILED, at)]
    if mode != "immediate":
        return [(_QUEUED, at)]
    offsets = memo.get(planned) if memo is not None else None
    if offsets is None:
        offsets = _offsets(CallState.QUEUED, planned, False, tuple(delays.items()))
        if memo is not None:
            memo[planned] = offsets
    steps: list[Step] = [(_QUEUED, at)]
    for entering, since in offsets:
        steps.append((entering, at + since))
    return steps


def planned_steps(
    start: CallState,
    at: datetime,
    planned: CallState,
    reason: str,
    delays: Mapping[str, float],
) -> list[Step]:
    """The steps from ``start`` (entered at ``at``) to the planned end, each at its delay.

    A pre-dial failure (DND, blacklisted) is decided before anything rings: no delay.
    """
    pre_dial = reason in _PRE_DIAL_FAILURES
    offsets = _offsets(start, planned, pre_dial, tuple(delays.items()))
    return [(entering, at + offset) for entering, offset in offsets]


@lru_cache(maxsize=256)
def _offsets(
    start: CallState, planned: CallState, pre_dial: bool, delays: tuple[tuple[str, float], ...]
) -> Offsets:
    """Each state entered on the way from ``start`` to ``planned``, and when: the time
    since ``start`` was entered (the delays of the states left so far).

    A few paths and delay tables serve every call, so each is worked out once
    (exact: times add in whole microseconds, whatever the grouping).
    """
    table = dict(delays)
    since = timedelta(0)
    steps = []
    for leaving, entering in _path(start, planned, pre_dial):
        seconds = 0.0 if pre_dial else float(table.get(leaving, 0.0))
        if seconds:
            since += _seconds(seconds)
        steps.append((entering, since))
    return tuple(steps)


@lru_cache(maxsize=64)
def _path(start: CallState, planned: CallState, pre_dial: bool) -> tuple[tuple[str, str], ...]:
    """Each step from ``start`` to the planned end: (state left, state entered) names.

    A few paths serve every call, so each is worked out once.
    """
    steps = []
    state: CallState | None = start
    while state is not None and (step := _after(state, planned, pre_dial)) is not None:
        steps.append((state.value, step.value))
        state = step
    return tuple(steps)


def _next_due(call: Call, delays: Mapping[str, float]) -> datetime:
    """When a timed call leaves its current state."""
    name, at = call.steps[-1]
    return at + timedelta(seconds=_delay(call, delays, _STATE_OF[name]))


@lru_cache(maxsize=256)
def _seconds(seconds: float) -> timedelta:
    # The few delays in use, made once each.
    return timedelta(seconds=seconds)


def _delay(call: Call, delays: Mapping[str, float], state: CallState) -> float:
    table = call.delays if call.delays is not None else delays
    # Pre-dial failures are decided before anything rings: no delay.
    if call.reason in _PRE_DIAL_FAILURES:
        return 0.0
    return float(table.get(state.value, 0.0))
