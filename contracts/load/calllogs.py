"""Call-log load: provider call logs posted to ``mcc serve``, and the ledger of what was stored.

Each delivery is one finished call in one provider's own format, the shapes
the simulator pushes (``simulator/providers/<dialect>/cdr.py``) and
``contracts/openapi/calllog.yaml`` documents:

- ``ozonetel``: a form field ``data`` holding the JSON record (``monitorUCID``,
  IST times, ``HH:MM:SS`` durations, ``CallerID`` with 91, the trunk 0 in
  ``DialedNumber``);
- ``generic``: LeadSquared's call-log JSON (``CallSessionId``, CRM-form
  numbers, UTC times, whole seconds);
- ``knowlarity``: its call webhook JSON (``callid``, E.164 numbers, UTC start
  and IST end in one event).

Call ids are this run's: ``<run id><process index><user><n>``, digits only as
Ozonetel's UCIDs are, unique across users, processes and machines. At the
set rates a delivery is sent again (a duplicate, as a provider that retries
after a lost answer does) or held back and sent after later ones (a
reorder). The :class:`Ledger` keeps every call id the service acknowledged
with a 200 and the activity ids its answers named; :mod:`contracts.load.verdict`
checks afterwards that every call became exactly one activity.

No Locust in here: the Locust user class only sends what :class:`CallLogTraffic`
hands it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import count
from typing import Any
from urllib.parse import urlencode

from contracts.load.plan import LoadPlan
from contracts.load.traffic import Judgement, fold_message

__all__ = [
    "CallLogTraffic",
    "Delivery",
    "Ledger",
    "UserCalls",
    "build_record",
]

IST = timezone(timedelta(hours=5, minutes=30), "IST")
_CUSTOMERS = 1000  # callers come back: 1,000 numbers, 97000 00000 onwards
_AGENTS = (("agent1", "9800000001"), ("agent2", "9800000002"))
_DID = "918030000001"
_MAX_HOLD = 3  # a held-back delivery goes out after at most this many later ones


@dataclass(frozen=True)
class Delivery:
    """One POST: the dialect, the call it carries, and the body as the provider sends it."""

    dialect: str
    call_id: str
    body: bytes
    content_type: str
    kind: str = "new"  # new, duplicate or reordered

    @property
    def path(self) -> str:
        """Where ``mcc serve`` takes this provider's call logs."""
        return f"/calllog/{self.dialect}"


@dataclass(frozen=True)
class _Call:
    """One finished call, before a dialect writes it down."""

    call_id: str
    customer: str  # national, 10 digits
    agent: tuple[str, str]  # agent id, agent phone
    start: datetime
    ring: int
    talk: int
    answered: bool

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.ring + self.talk)

    @property
    def inbound(self) -> bool:
        return int(self.call_id[-1]) % 2 == 0


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _ozonetel(call: _Call) -> dict[str, Any]:
    call_id, customer, agent, start = call.call_id, call.customer, call.agent, call.start
    inbound, answered, ring, talk = call.inbound, call.answered, call.ring, call.talk
    stamp = start.astimezone(IST).strftime("%Y%m%d%H%M%S")
    return {
        "monitorUCID": call_id,
        "UUI": "" if inbound else "Manual Dial",
        "Did": _DID,
        "CampaignName": "Inbound_918030000001",
        "Location": "Bangalore",
        "CallerID": f"91{customer}" if inbound else customer,
        "PhoneName": agent[0],
        "Skill": "General" if inbound else "",
        "StartTime": start.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
        "EndTime": call.end.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S"),
        "TimeToAnswer": _hms(ring),
        "CallDuration": _hms(ring + talk),
        "Duration": _hms(talk),
        "FallBackRule": "AgentDial",
        "DialedNumber": agent[1] if inbound else f"0{customer}",
        "Type": "inbound" if inbound else "Manual",
        "AgentID": agent[0],
        "AgentPhoneNumber": agent[1],
        "AgentName": agent[0].title(),
        "Disposition": "Interested" if answered else "",
        "HangupBy": "UserHangup" if answered else "AgentHangup",
        "Status": "Answered" if answered else "NotAnswered",
        "AudioFile": (
            f"http://recordings.kookoo.in/demouser/demouser_{call_id}_{stamp}.mp3"
            if answered
            else ""
        ),
        "TransferType": "No Transfers",
        "DialStatus": "answered" if answered else "not_answered",
        "AgentStatus": "answered",
        "CustomerStatus": "answered" if answered else "not_answered",
        "UserName": "demouser",
        "CampaignStatus": "ONLINE",
    }


def _generic(call: _Call) -> dict[str, Any]:
    call_id, answered, outbound = call.call_id, call.answered, not call.inbound
    lead, user = f"+91-{call.customer}", f"+91-{call.agent[1]}"
    return {
        "SourceNumber": user if outbound else lead,
        "DestinationNumber": lead if outbound else user,
        "DisplayNumber": "+91-8030000001",
        "StartTime": call.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "EndTime": call.end.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "CallDuration": call.talk,
        "Status": "Answered" if answered else "NotAnswered",
        "ResourceURL": (
            f"https://recordings.example.test/demouser/{call_id}.mp3" if answered else ""
        ),
        "Direction": "Outbound" if outbound else "Inbound",
        "CallSessionId": call_id,
    }


def _knowlarity(call: _Call) -> dict[str, Any]:
    call_id, answered = call.call_id, call.answered
    return {
        "dispnumber": f"+{_DID}",
        "extension": "None",
        "callid": call_id,
        "call_duration": str(call.talk if answered else 0),
        "destination": "Agent",
        "caller_id": f"+91{call.customer}",
        "agent_number": f"+91{call.agent[1]}",
        "end_time": call.end.astimezone(IST).isoformat(sep=" ", timespec="microseconds"),
        "action": "6",
        "timezone": "Asia/Kolkata",
        "resource_url": (
            f"https://recordings.example.test/demouser/{call_id}.mp3" if answered else ""
        ),
        "hangup_cause": "900" if answered else "1001",
        "type": "call",
        "start_time": call.start.astimezone(UTC).isoformat(sep=" ", timespec="microseconds"),
        "call_type": "incoming" if call.inbound else "outgoing",
        "additional_params": {},
    }


_BUILDERS = {"ozonetel": _ozonetel, "generic": _generic, "knowlarity": _knowlarity}


def build_record(dialect: str, call_id: str, rng: random.Random, now: datetime) -> Delivery:
    """One finished call's call log in ``dialect``'s format, ready to POST."""
    answered = rng.random() < 0.7
    ring = rng.randint(3, 25)
    talk = rng.randint(20, 600) if answered else 0
    call = _Call(
        call_id=call_id,
        customer=str(9700000000 + rng.randrange(_CUSTOMERS)),
        agent=_AGENTS[rng.randrange(len(_AGENTS))],
        start=now - timedelta(seconds=ring + talk + rng.randint(1, 30)),
        ring=ring,
        talk=talk,
        answered=answered,
    )
    record = _BUILDERS[dialect](call)
    if dialect == "ozonetel":
        body = urlencode({"data": json.dumps(record)}).encode()
        return Delivery(dialect, call_id, body, "application/x-www-form-urlencoded")
    return Delivery(dialect, call_id, json.dumps(record).encode(), "application/json")


@dataclass
class UserCalls:
    """One simulated provider connection: its calls, held-back and repeated deliveries."""

    prefix: str  # run id + process index + user number
    rng: random.Random
    numbers: count[int] = field(default_factory=count)
    held: list[tuple[int, Delivery]] = field(default_factory=list)
    again: Delivery | None = None
    sent: int = 0


class CallLogTraffic:
    """The call-log deliveries of one Locust process, and how their answers are judged."""

    def __init__(self, plan: LoadPlan, process_index: int = 0) -> None:
        self.plan = plan
        self.dialects: tuple[str, ...] = tuple(plan.mix)
        self.weights: tuple[float, ...] = tuple(plan.mix.values())
        self.process_index = process_index
        self._users = count()

    def user(self, seed: int | None = None) -> UserCalls:
        """A new user's state; its call ids share a prefix no other user has."""
        number = next(self._users)
        prefix = f"{self.plan.run_id}{self.process_index % 1000:03d}{number % 100_000:05d}"
        return UserCalls(prefix=prefix, rng=random.Random(seed if seed is not None else prefix))

    def next_delivery(self, calls: UserCalls, now: datetime | None = None) -> Delivery:
        """What this user sends next: a due held-back one, a duplicate, or a new call."""
        calls.sent += 1
        for index, (due, held) in enumerate(calls.held):
            if due <= calls.sent:
                del calls.held[index]
                return replace(held, kind="reordered")
        if calls.again is not None:
            again, calls.again = calls.again, None
            return replace(again, kind="duplicate")
        delivery = self._new(calls, now)
        if calls.rng.random() < self.plan.reorder_rate:
            calls.held.append((calls.sent + calls.rng.randint(1, _MAX_HOLD), delivery))
            delivery = self._new(calls, now)
        if calls.rng.random() < self.plan.duplicate_rate:
            calls.again = delivery
        return delivery

    def _new(self, calls: UserCalls, now: datetime | None) -> Delivery:
        dialect = calls.rng.choices(self.dialects, self.weights)[0]
        call_id = f"{calls.prefix}{next(calls.numbers):08d}"
        return build_record(dialect, call_id, calls.rng, now or datetime.now(UTC))

    @staticmethod
    def judge(delivery: Delivery, status: int, body: bytes) -> tuple[Judgement, int | None]:
        """A 200 naming the call is stored; anything else failed. Also the activity id."""
        name = delivery.dialect
        try:
            answer = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            answer = None
        if status != 200 or not isinstance(answer, Mapping) or answer.get("status") != "ok":
            message = answer.get("message") if isinstance(answer, Mapping) else None
            text = str(message) if message else body[:120].decode("utf-8", "replace")
            return Judgement(False, fold_message(f"{name}: HTTP {status}: {text}")), None
        call_ids = answer.get("call_ids")
        activity_ids = answer.get("activity_ids")
        if not isinstance(call_ids, list) or delivery.call_id not in call_ids:
            return Judgement(False, f"{name}: a 200 that does not name the call it stored"), None
        where = call_ids.index(delivery.call_id)
        activity = (
            activity_ids[where]
            if isinstance(activity_ids, list)
            and where < len(activity_ids)
            and isinstance(activity_ids[where], int)
            else None
        )
        return Judgement(True), activity


@dataclass
class Ledger:
    """Every call id the service acknowledged, its family and the activity ids it named.

    On a Locust worker, :meth:`drain` hands what is new since the last report
    to the master (with each stats report); the master :meth:`merge`\\ s it.
    """

    acked: dict[str, tuple[str, set[int]]] = field(default_factory=dict)
    deliveries: dict[str, int] = field(
        default_factory=lambda: {"new": 0, "duplicate": 0, "reordered": 0}
    )
    _fresh: list[tuple[str, str, int | None]] = field(default_factory=list)
    _fresh_kinds: dict[str, int] = field(default_factory=dict)

    def sent(self, delivery: Delivery) -> None:
        """Count a delivery by kind (new, duplicate, reordered)."""
        self.deliveries[delivery.kind] = self.deliveries.get(delivery.kind, 0) + 1
        self._fresh_kinds[delivery.kind] = self._fresh_kinds.get(delivery.kind, 0) + 1

    def ack(self, call_id: str, family: str, activity: int | None) -> None:
        """The service answered 200 for ``call_id``, naming ``activity``."""
        self._add(call_id, family, activity)
        self._fresh.append((call_id, family, activity))

    def _add(self, call_id: str, family: str, activity: int | None) -> None:
        _, ids = self.acked.setdefault(call_id, (family, set()))
        if activity is not None:
            ids.add(activity)

    def drain(self) -> dict[str, Any]:
        """What is new since the last drain, as plain data for a worker's report."""
        fresh, kinds = self._fresh, self._fresh_kinds
        self._fresh, self._fresh_kinds = [], {}
        return {"acked": [list(item) for item in fresh], "deliveries": kinds}

    def merge(self, data: Mapping[str, Any]) -> None:
        """Add what a worker drained."""
        for call_id, family, activity in data.get("acked", ()):
            self._add(str(call_id), str(family), activity if isinstance(activity, int) else None)
        for kind, number in dict(data.get("deliveries", {})).items():
            self.deliveries[str(kind)] = self.deliveries.get(str(kind), 0) + int(number)

    def to_dict(self) -> dict[str, Any]:
        """The whole ledger as JSON-ready data."""
        return {
            "deliveries": dict(self.deliveries),
            "acked": {
                call_id: [family, sorted(ids)]
                for call_id, (family, ids) in sorted(self.acked.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ledger:
        """Read :meth:`to_dict`'s output."""
        ledger = cls()
        ledger.deliveries = {str(k): int(v) for k, v in dict(data.get("deliveries", {})).items()}
        for call_id, (family, ids) in dict(data.get("acked", {})).items():
            ledger.acked[str(call_id)] = (str(family), {int(i) for i in ids})
        return ledger
