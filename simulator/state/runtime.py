"""The :class:`Simulator`: everything one app instance holds, behind one lock.

``create_app`` builds one and stores it in ``app.extensions["simulator"]``; two
apps never share one. Dialect models call the methods here (under
:attr:`Simulator.lock`) to place calls; when a call ends, the dialect's record
builder turns it into a callback payload for the outbox.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from simulator.behaviours import behaviour_for
from simulator.callbacks import CallbackMode, CallbackPayload, Outbox
from simulator.config import TRANSITION_MODES, SimulatorConfig
from simulator.errors import SimulatorError
from simulator.faults import FaultBook, HoldGate
from simulator.ids import IdSource
from simulator.journal import Journal
from simulator.profiles import Profile, get_profile
from simulator.ringer import Notification, RingNotifier
from simulator.seed import apply_seed, load_seed, prepare_seed
from simulator.state.calls import (
    NO_EXTRA,
    BadCallInput,
    Call,
    CallBook,
    CallState,
    Offsets,
    first_steps,
    parse_delays,
    parse_state,
)
from simulator.state.directory import Account, Agent, Directory
from simulator.state.numbers import e164
from simulator.state.ratelimit import RateLimiter

__all__ = ["TICK_EVERY_S", "RecordBuilder", "Simulator", "UnknownCall"]

#: How often pending timed calls are moved when no request arrives.
TICK_EVERY_S = 0.1

#: A dialect's call-log builder: the record to POST when ``call`` ends, or None
#: when the provider sends none for such a call.
RecordBuilder = Callable[[Call, Account, Directory, Profile], CallbackPayload | None]


class UnknownCall(SimulatorError, KeyError):
    """No call has the given UCID."""

    status = 404

    def __init__(self, ucid: str) -> None:
        super().__init__(f"no call {ucid}")
        self.ucid = ucid


class Simulator:
    """State, clock, ids, journal, faults and outbox of one simulator app."""

    def __init__(
        self,
        config: SimulatorConfig,
        *,
        record_builders: Mapping[str, RecordBuilder] | None = None,
    ) -> None:
        self.config = config
        self.lock = threading.RLock()
        # Runs only while a timed call is pending, so a timed call ends (and
        # its callback goes out) even when no request arrives meanwhile.
        self._ticker: threading.Thread | None = None
        self._ticker_stop = threading.Event()
        self.clock = config.clock
        self.sleep = config.sleep
        #: Latency/hang faults and the pop-up delay sleep through it (bounded).
        self.holds = HoldGate(config.max_held_requests, config.sleep)
        self.ids = IdSource(config.random_seed)
        self.journal = Journal(config.journal_size, config.journal_bytes)
        self.faults = FaultBook()
        self.outbox = Outbox(
            clock=config.clock,
            transport=config.callback_transport,
            max_attempts=config.callback_max_attempts,
            deliver=config.deliver_callbacks,
            mode=CallbackMode.from_mapping(config.callback_mode or {}),
            keep_finished=config.history_size,
            backoff_base_s=config.callback_backoff_base_s,
            backoff_cap_s=config.callback_backoff_cap_s,
        )
        self.record_builders: dict[str, RecordBuilder] = dict(record_builders or {})
        #: The agents' phones telling their app that they ring (simulator.ringer).
        self.ringer = RingNotifier(clock=config.clock, transport=config.callback_transport)
        #: Provider operation names (``<dialect>.<endpoint>``), filled by create_app.
        self.operations: set[str] = set()
        if config.seed is not None:
            self._seed_doc: Mapping[str, Any] = config.seed
        else:
            self._seed_doc = load_seed(config.seed_path)
        # Checked and read once: a reset only rebuilds the directory from it.
        self._seed = prepare_seed(self._seed_doc)
        self.directory: Directory = apply_seed(Directory(), self._seed)
        self.calls = CallBook(keep_finished=config.history_size)
        self.rate = RateLimiter()
        self.magic_hits: Counter[str] = Counter()
        self.profile: Profile = get_profile(config.profile)
        #: scheme://host:port the simulator is reached at (set by the first request):
        #: recording URLs in call records point here, where they can be played.
        self.public_url: str | None = None
        self.mode = config.transitions
        self.delays = parse_delays(config.delays or {})

    @property
    def delays(self) -> dict[str, float]:
        """Seconds a timed or immediate call spends in each state (replaced whole, not changed)."""
        return self._delays

    @delays.setter
    def delays(self, table: dict[str, float]) -> None:
        self._delays = table
        # The immediate path to each planned end under this table, worked out
        # once (placing a call walked it every time).
        self._paths: dict[CallState, Offsets] = {}

    def now(self) -> datetime:
        """The injectable clock's time."""
        return self.clock()

    # -- state -------------------------------------------------------------
    def reset(self) -> None:
        """Back to the seed: directory, calls, journal, faults, outbox, ids, profile."""
        with self.lock:
            self.directory = apply_seed(Directory(), self._seed)
            self.calls.clear()
            self.rate.clear()
            self.magic_hits.clear()
            self.journal.clear()
            self.faults.clear()
            self.outbox.clear()
            self.ringer.clear()
            self.outbox.mode = CallbackMode.from_mapping(self.config.callback_mode or {})
            self.ids.reset()
            self.profile = get_profile(self.config.profile)
            self.mode = self.config.transitions
            self.delays = parse_delays(self.config.delays or {})

    def count_magic_hit(self, number: str) -> int:
        """How many requests have dialled this magic number since the last reset."""
        with self.lock:
            self.magic_hits[number] += 1
            return self.magic_hits[number]

    def merge_seed(self, doc: Mapping[str, Any]) -> None:
        """Merge a seed document (raises ``SeedError`` and changes nothing if invalid).

        The document is checked and its numbers read before the lock is taken;
        under the lock the new directory is built in linear time and swapped in.
        """
        prepared = prepare_seed(doc)
        with self.lock:
            self.directory = apply_seed(self.directory, prepared)

    def allow(self, account: Account) -> bool:
        """Count one request against the account's per-minute limit."""
        if account.rate_limit_per_minute is None:
            return True  # no limit: nothing to count, no clock to read
        with self.lock:
            return self.rate.hit(account.name, account.rate_limit_per_minute, self.now())

    def state_dict(self) -> dict[str, Any]:
        """A JSON-ready dump for ``GET /_sim/state`` (secrets redacted)."""
        with self.lock:
            return {
                **self.directory.to_dict(),
                "profile": self.profile.name,
                "transitions": {"mode": self.mode, "delays": dict(self.delays)},
                "callback_mode": self.outbox.mode.to_dict(),
                "calls": [c.to_dict() for c in self.calls.calls.values()],
                "faults": [r.to_dict() for r in self.faults.rules()],
            }

    # -- calls -------------------------------------------------------------
    def place_call(
        self,
        *,
        dialect: str,
        operation: str,
        account: Account,
        customer: str,
        agent: Agent | None = None,
        did: str | None = None,
        campaign: str | None = None,
        uui: str = "",
        planned: CallState = CallState.COMPLETED,
        reason: str = "",
        ucid: str | None = None,
        extra: Mapping[str, Any] | None = None,
        callback_url: str | None = None,
    ) -> Call:
        """Create an outbound call and move it as the transition mode says."""
        with self.lock:
            now = self.clock()  # one reading: the call's steps and its delivery
            mode = self.mode
            # Positional, in field order: Python binds a keyword argument by
            # scanning the parameter names, and nineteen keywords cost a request
            # more than making the call itself.
            call = Call(
                ucid or self.ids.ucid(),  # ucid
                dialect,
                operation,
                "outbound",  # direction
                account.name,  # account
                customer,
                now,  # created_at
                agent.id if agent else None,  # agent_id
                agent.phone if agent else None,  # agent_phone
                did,
                campaign,
                uui,
                mode,
                None,  # delays: the simulator's
                planned,
                reason,
                # steps: the whole path at once when the call goes no further by itself
                first_steps(now, planned, reason, mode, self._delays, memo=self._paths),
                dict(extra) if extra else NO_EXTRA,  # extra
                callback_url,
                None,  # recording_url: set when it ends
                self.disposition_for(customer),  # disposition
            )
            self.calls.add(call)  # an ended call goes into the history here
            if call.is_terminal:
                self._send_record(call, now)
            elif mode == "timed":
                self.calls.schedule(call, self.delays)
                self._wake_ticker()
            return call

    def disposition_for(self, customer: str) -> str:
        """What the agent notes on a call with national ``customer``, unless told per call.

        The seed's ``dispositions`` first, then the magic number's (``9000000008``).
        """
        seeded = self.directory.dispositions.get(customer)
        if seeded is not None:
            return seeded
        behaviour = behaviour_for(customer)
        return (behaviour.disposition if behaviour else None) or ""

    def incoming(
        self,
        *,
        customer: str,
        did: str,
        agent: Agent,
        dialect: str = "ozonetel",
        disposition: str | None = None,
    ) -> Call:
        """A customer calls ``did``; the call rings at ``agent`` (stays ringing unless timed).

        ``disposition`` is what the agent will note (the call record's
        Disposition); without it, :meth:`disposition_for` the customer.
        """
        with self.lock:
            now = self.now()
            account = self.directory.default_account()
            campaign = self.directory.campaign_for_did(did)
            call = Call(
                ucid=self.ids.ucid() if dialect != "knowlarity" else self.ids.call_id(),
                dialect=dialect,
                operation="incoming",
                direction="inbound",
                account=account.name if account else "",
                customer=customer,
                created_at=now,
                agent_id=agent.id,
                agent_phone=agent.phone,
                did=did,
                campaign=campaign.name if campaign else None,
                # Immediate mode would end the call before anyone could pull it.
                mode="manual" if self.mode == "immediate" else self.mode,
                disposition=self.disposition_for(customer) if disposition is None else disposition,
            )
            call.begin(now)
            call.advance(CallState.AGENT_RINGING, now)
            self.calls.add(call)
            # The agent's phone rings showing the DID: it tells its app so.
            note = self.ring_phone(agent, caller=did)
            call.notification = note.id if note else None
            if call.mode == "timed":
                self.calls.schedule(call, self.delays)
                self._wake_ticker()
            return call

    def ring_phone(self, agent: Agent, *, caller: str) -> Notification | None:
        """Tell ``agent``'s phone app that it rings from national ``caller`` (if it listens)."""
        if not agent.notify_url:
            return None
        return self.ringer.ring(
            agent=agent.id,
            url=agent.notify_url,
            agent_phone=e164(agent.phone),
            caller=e164(caller),
        )

    def advance(
        self, ucid: str, to: str, *, reason: str | None = None, disposition: str | None = None
    ) -> Call:
        """Move a call by hand (``/_sim/calls/<ucid>/advance``).

        ``reason`` (``busy``, ``no_answer``, ``dnd``) says why a call ends
        unanswered or failed, as the call record reports it; ``disposition``
        is what the agent noted, carried by the record.
        """
        with self.lock:
            call = self.calls.get(ucid)
            if call is None:
                raise UnknownCall(ucid)
            call.advance(parse_state(to), self.now())
            if reason is not None:
                call.reason = reason
            if disposition is not None:
                call.disposition = disposition
            if call.is_terminal:
                self._ended(call)
            else:
                self.calls.schedule(call, self.delays)  # a timed call waits anew from here
            return call

    def set_transitions(
        self, mode: str, delays: Mapping[str, Any] | None = None, ucid: str | None = None
    ) -> None:
        """Set the mode (and delays) globally, or for one call."""
        if mode not in TRANSITION_MODES:
            raise BadCallInput(f"mode must be one of {', '.join(TRANSITION_MODES)}")
        parsed = parse_delays(delays) if delays is not None else None
        with self.lock:
            if ucid is None:
                self.mode = mode
                if parsed is not None:
                    self.delays = parsed
                    self.calls.reschedule(parsed)
                return
            call = self.calls.get(ucid)
            if call is None:
                raise UnknownCall(ucid)
            call.mode = mode
            if parsed is not None:
                call.delays = parsed
            if mode == "immediate" and not call.is_terminal:
                self.calls.run_to_end(call, self.delays)
                self._ended(call)
            elif not call.is_terminal:
                self.calls.schedule(call, self.delays)  # in the heap only if timed
                if mode == "timed":
                    self._wake_ticker()

    def tick(self) -> None:
        """Apply due timed transitions (called lazily on every request).

        O(1) when nothing is due: no timed call waiting costs no clock read
        and no lock; otherwise only the due calls are touched.
        """
        if not self.calls.timed_pending():
            return
        now = self.now()
        if not self.calls.due_by(now):
            return
        with self.lock:
            for call in self.calls.tick(self.now(), self.delays):
                self._ended(call)

    def _wake_ticker(self) -> None:
        """Start the ticker thread unless it runs (caller holds ``self.lock``)."""
        if self._ticker is not None or self._ticker_stop.is_set():
            return
        self._ticker = threading.Thread(target=self._tick_loop, name="mcc-sim-ticker", daemon=True)
        self._ticker.start()

    def _tick_loop(self) -> None:
        while not self._ticker_stop.wait(TICK_EVERY_S):
            with self.lock:
                self.tick()
                if not self.calls.timed_pending():
                    # Decided under the lock: a new timed call wakes a new ticker.
                    self._ticker = None
                    return

    def recording_url(self, call: Call, account: Account) -> str | None:
        """Where an answered call's recording plays (``GET /recordings/...``), if known."""
        if call.state != CallState.COMPLETED or self.public_url is None:
            return None
        return f"{self.public_url}/recordings/{account.username}/{call.ucid}.wav"

    def _ended(self, call: Call) -> None:
        self.calls.finished(call)
        self._send_record(call)

    def _send_record(self, call: Call, now: datetime | None = None) -> None:
        """Queue the record of an ended call (built later) for the outbox; ``now``: the clock's."""
        builder = self.record_builders.get(call.dialect)
        account = self.directory.accounts.get(call.account)
        if builder is None or account is None:
            return
        call.recording_url = self.recording_url(call, account)
        # A URL given with the call (the generic dialect's callback_url) wins
        # over the account's, as providers with per-call status callbacks do.
        url = call.callback_url or account.callback_url
        # The record is built when it is sent or looked at, not now: most load
        # runs have no callback URL, and building the record was a sixth of a
        # request. What it is built from cannot change meanwhile: the call has
        # ended, and a seed merge or reset makes a new directory (and accounts)
        # rather than changing these.
        self.outbox.enqueue_record(
            call.ucid, url, builder, call, account, self.directory, self.profile, now=now
        )

    def close(self) -> None:
        """Stop the callback worker and the ticker."""
        self._ticker_stop.set()
        with self.lock:
            ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.join(timeout=5)
        self.outbox.stop()
        self.ringer.stop()
