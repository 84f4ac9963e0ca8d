"""The simulator's control plane (``/_sim``), over HTTP only, for the console's panel.

The console never imports the simulator: everything here is an HTTP request
to the control plane documented in contracts/openapi/control.yaml, through
one ``httpx.Client`` with short timeouts. Answers are read up to
:data:`MAX_ANSWER_BYTES`; a refusal or a transport failure is a
:class:`~console.errors.SimulatorPanelError` carrying the simulator's own
message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from connector import PhoneNumber, PhoneNumberError, parse_phone
from console.errors import SimulatorPanelError

__all__ = [
    "MAX_ANSWER_BYTES",
    "OUTCOMES",
    "SimulatorAgent",
    "SimulatorClient",
    "SimulatorState",
    "is_simulator",
]

MAX_ANSWER_BYTES = 4 * 1024 * 1024
TIMEOUT = httpx.Timeout(5.0, connect=2.0)
#: The panel's outcomes -> how the call is advanced (state, reason).
OUTCOMES: Mapping[str, tuple[str, str | None]] = {
    "answered": ("completed", None),
    "no_answer": ("not_answered", "no_answer"),
    "busy": ("not_answered", "busy"),
    "dnd": ("failed", "dnd"),
}


def is_simulator(base_url: str, *, transport: httpx.BaseTransport | None = None) -> bool:
    """True when ``base_url`` answers the simulator's ``GET /_sim/behaviours``."""
    try:
        with httpx.Client(base_url=base_url, timeout=TIMEOUT, transport=transport) as http:
            answer = http.get("/_sim/behaviours")
            data = answer.json() if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("behaviours"), list)


@dataclass(frozen=True)
class SimulatorAgent:
    """A seeded agent of the simulator (its phone in E.164, when valid)."""

    id: str
    name: str
    phone: PhoneNumber | None
    notify_url: str | None


@dataclass(frozen=True)
class SimulatorState:
    """What the panel shows of the simulator: its agents, DIDs and transition mode."""

    agents: list[SimulatorAgent]
    dids: list[str]  # as the simulator lists them (national form)
    transitions: str  # how calls move now: immediate, manual or timed

    def agent_for(self, phone: PhoneNumber) -> SimulatorAgent | None:
        """The seeded agent whose phone is ``phone``."""
        return next((a for a in self.agents if a.phone == phone), None)


def _agents(state: Mapping[str, Any]) -> list[SimulatorAgent]:
    """The seeded agents of a ``/_sim/state`` answer."""
    found = []
    for agent_id, spec in dict(state.get("agents") or {}).items():
        try:
            phone: PhoneNumber | None = parse_phone(str(spec.get("phone", "")), "IN")
        except PhoneNumberError:
            phone = None
        found.append(
            SimulatorAgent(str(agent_id), str(spec.get("name", "")), phone, spec.get("notify_url"))
        )
    return found


class SimulatorClient:
    """Requests to one simulator's control plane."""

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url, timeout=TIMEOUT, transport=transport, follow_redirects=False
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        try:
            with self._http.stream(method, path, json=body) as answer:
                raw = bytearray()
                for chunk in answer.iter_bytes():
                    raw.extend(chunk)
                    if len(raw) > MAX_ANSWER_BYTES:
                        raise SimulatorPanelError(
                            f"the simulator's answer to {path} is larger than"
                            f" {MAX_ANSWER_BYTES // 1024 // 1024} MiB; reset it (POST /_sim/reset)"
                        )
        except httpx.HTTPError as exc:
            raise SimulatorPanelError(
                f"the simulator at {self.base_url} did not answer {method} {path}:"
                f" {type(exc).__name__}"
            ) from None
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise SimulatorPanelError(f"the simulator answered {path} with no JSON object")
        if answer.status_code >= 400:
            message = str(data.get("message") or f"HTTP {answer.status_code}")
            raise SimulatorPanelError(f"the simulator refused: {message[:300]}")
        return data

    # -- reading -------------------------------------------------------------

    def state(self) -> SimulatorState:
        """Its agents, DIDs and transition mode, from one ``GET /_sim/state``."""
        data = self._call("GET", "/_sim/state")
        return SimulatorState(
            agents=_agents(data),
            dids=[str(d) for d in data.get("dids") or []],
            transitions=str((data.get("transitions") or {}).get("mode", "")),
        )

    def agent_for(self, phone: PhoneNumber) -> SimulatorAgent | None:
        """The seeded agent whose phone is ``phone``."""
        return self.state().agent_for(phone)

    def calls_of(self, phone: PhoneNumber) -> list[dict[str, Any]]:
        """Calls that ring or rang ``phone``, newest first."""
        calls = self._call("GET", "/_sim/calls").get("calls") or []
        mine = [c for c in calls if _same(c.get("agent_phone"), phone)]
        return list(reversed(mine))

    def deliveries_for(self, ucids: Iterable[str]) -> list[dict[str, Any]]:
        """Callback deliveries of these calls, newest first."""
        wanted = set(ucids)
        deliveries = self._call("GET", "/_sim/callbacks").get("deliveries") or []
        return [d for d in reversed(deliveries) if d.get("ucid") in wanted]

    def notifications_for(self, agent_id: str) -> list[dict[str, Any]]:
        """Ring notifications sent to this agent's phone app, newest first."""
        notes = self._call("GET", "/_sim/notifications").get("notifications") or []
        return [n for n in reversed(notes) if n.get("agent") == agent_id]

    # -- acting --------------------------------------------------------------

    def ring(self, agent_id: str, customer: str, did: str) -> dict[str, Any]:
        """A customer calls ``did`` and it rings at the agent (``POST /_sim/incoming``)."""
        result: dict[str, Any] = self._call(
            "POST", "/_sim/incoming", {"customer": customer, "did": did, "agent": agent_id}
        )
        return result

    def ring_direct(self, agent_id: str, caller: str) -> dict[str, Any]:
        """A call straight to the agent's phone, not through the provider."""
        result: dict[str, Any] = self._call(
            "POST", f"/_sim/agents/{quote(agent_id, safe='')}/ring", {"caller": caller}
        )
        return result

    def end_call(self, ucid: str, outcome: str, disposition: str = "") -> dict[str, Any]:
        """End a call as ``outcome`` (``OUTCOMES``), with the agent's disposition."""
        if outcome not in OUTCOMES:
            raise SimulatorPanelError(f"outcome must be one of {', '.join(OUTCOMES)}")
        state, reason = OUTCOMES[outcome]
        body: dict[str, Any] = {"to": state, "reason": reason}
        if disposition:
            body["disposition"] = disposition
        result: dict[str, Any] = self._call(
            "POST", f"/_sim/calls/{quote(ucid, safe='')}/advance", body
        )
        return result

    def set_transitions(self, mode: str) -> None:
        """``immediate`` (calls run to their end at once) or ``manual`` (they wait)."""
        self._call("POST", "/_sim/transitions", {"mode": mode})

    def wire(self, console_url: str, token: str | None, phones: Iterable[PhoneNumber]) -> list[str]:
        """Point the simulator at this console: call logs, and the phones of ``phones``.

        Every account's callback URL becomes the console's ``/calllog`` and
        every agent whose phone is one of ``phones`` notifies ``/phone/ring``
        (both with ``?token=`` when there is a token). Returns what was done.
        """
        suffix = f"?token={quote(token, safe='')}" if token else ""
        state = self._call("GET", "/_sim/state")
        accounts = dict(state.get("accounts") or {})
        calllog = f"{console_url}/calllog{suffix}"
        if accounts:
            self._call(
                "POST",
                "/_sim/seed",
                {"accounts": {name: {"callback_url": calllog} for name in accounts}},
            )
        done = [f"call logs of {len(accounts)} account(s) go to {console_url}/calllog"]
        wanted = set(phones)
        ring = f"{console_url}/phone/ring{suffix}"
        for agent in _agents(state):
            if agent.phone is not None and agent.phone in wanted:
                self._call("POST", f"/_sim/agents/{quote(agent.id, safe='')}/notify", {"url": ring})
                done.append(f"agent {agent.id}'s phone notifies {console_url}/phone/ring")
        return done


def _same(text: Any, phone: PhoneNumber) -> bool:
    try:
        return parse_phone(str(text or ""), "IN") == phone
    except PhoneNumberError:
        return False
