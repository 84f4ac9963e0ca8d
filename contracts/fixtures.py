"""Partner fixtures: the numbers and fields a conformance run needs.

Against a partner (``--target``) they come from a YAML file the partner
writes (see docs/conformance.md); a clause whose fixture is missing is
skipped with that reason, never passed. Against the embedded simulator they
are arranged through its control plane (``/_sim``): reset, seed the account
whose credentials the config uses, and inject a ringing call for the test
agent.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.errors import ControlPlaneError, FixturesError

__all__ = [
    "EMBEDDED",
    "MAX_FIXTURES_BYTES",
    "ControlPlane",
    "Fixtures",
    "FixturesError",
    "arrange_simulator",
    "load_fixtures",
]

_FIELDS_HELP = {
    "customer_number": "a customer number to call that should be answered with success",
    "dnd_number": "a number on the DND registry (click-to-call must answer an error)",
    "ringing_agent_phone": "the test agent's phone, with an incoming call ringing",
    "ringing_customer_number": "the caller of that ringing call (checked when given)",
    "idle_agent_phone": "an agent phone with no call at this moment",
    "invalid_agent_number": "an agent phone number the partner does not know",
    "rate_limited_agent_phone": "an agent phone the partner answers 'max limit exceeded' for",
    "answering_number": (
        "a customer number whose call is answered, with a recording (default: customer_number)"
    ),
    "no_answer_number": "a customer number that rings out unanswered (a missed call)",
    "callback_budget_s": "seconds to wait for a call log after a call ends (default 120)",
    "callback_timing_budget_s": (
        "p95 seconds from a call's end to its call log's arrival (default 60)"
    ),
    "callback_quiet_s": (
        "seconds to wait for a call log that may rightly never come, the refused DND dial's"
        " (default 15)"
    ),
    "recordings": "false when the account records no calls (callback.recording skips)",
}


class Fixtures(BaseModel):
    """What the partner provides for the run; every field optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_number: str | None = None
    dnd_number: str | None = None
    ringing_agent_phone: str | None = None
    ringing_customer_number: str | None = None
    idle_agent_phone: str | None = None
    invalid_agent_number: str | None = None
    rate_limited_agent_phone: str | None = None
    # Call logs (callback clauses): the numbers that end a call each way, and budgets.
    answering_number: str | None = None
    no_answer_number: str | None = None
    callback_budget_s: float = Field(default=120.0, gt=0, le=3600)
    callback_timing_budget_s: float = Field(default=60.0, gt=0, le=3600)
    callback_quiet_s: float = Field(default=15.0, ge=0, le=600)
    recordings: bool = True
    # Values for mail-merge tokens: @{User:TelephonyAgentId,}, @VirtualNumber
    # (the config's virtual_number_field), @{User:mx_Custom_10,} (PhoneManualDial's
    # phoneName), @{Lead:Phone,} ...
    user: dict[str, str] = Field(default_factory=dict)
    lead: dict[str, str] = Field(default_factory=dict)

    @staticmethod
    def describe(name: str) -> str:
        """What the fixture ``name`` is, for skip reasons and the docs."""
        return _FIELDS_HELP.get(name, name)


MAX_FIXTURES_BYTES = 1_048_576
_MAX_DEPTH = 10


class _Refused(yaml.YAMLError):
    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _FixturesLoader(yaml.SafeLoader):
    """``SafeLoader`` without aliases and with a depth limit.

    Fixtures are a flat mapping of numbers and two small mappings of fields:
    an alias has nothing to share there, and nine levels of nine ("billion
    laughs") stand for 387 million values. PyYAML composes recursively, so
    deep nesting would end in a ``RecursionError`` traceback.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _Refused(
                "YAML aliases (*name) are not used in fixtures; write the value out",
                self.current_event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise _Refused(
                    f"nested more than {_MAX_DEPTH} levels deep", self.current_event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _read_yaml(file: Path) -> object:
    """The document in ``file``: at most 1 MiB, no alias, not deeply nested."""
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_FIXTURES_BYTES + 1)
    except FileNotFoundError:
        raise FixturesError(f"{file}: no such fixtures file") from None
    except OSError as exc:
        raise FixturesError(f"{file}: cannot be read ({type(exc).__name__})") from None
    if len(raw) > MAX_FIXTURES_BYTES:
        raise FixturesError(f"{file}: larger than 1 MiB; fixtures are a few lines")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FixturesError(f"{file}: cannot be read (UnicodeDecodeError)") from None
    loader: _FixturesLoader | None = None
    try:
        loader = _FixturesLoader(text)  # the reader checks the characters here
        return loader.get_single_data()
    except _Refused as exc:
        where = f" (line {exc.mark.line + 1}, column {exc.mark.column + 1})" if exc.mark else ""
        raise FixturesError(f"{file}: {exc.message}{where}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FixturesError(f"{file}: not valid YAML{where}") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_fixtures(path: str | Path) -> Fixtures:
    """Read a fixtures YAML file; ``FixturesError`` names each bad field.

    The file is bounded: at most 1 MiB, nested at most 10 deep, and no YAML
    alias (``*name``); each is refused in one line.
    """
    file = Path(path)
    data = _read_yaml(file)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise FixturesError(f"{file}: expected a mapping of fixture names to values")
    # Numbers written bare in YAML arrive as int: accept them as text.
    cleaned = {
        key: str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for key, value in data.items()
    }
    try:
        return Fixtures.model_validate(cleaned)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: "
            + ("is not a known fixture" if err["type"] == "extra_forbidden" else err["msg"])
            for err in exc.errors(include_url=False)
        )
        raise FixturesError(f"{file}: {problems}") from None


# The embedded simulator's default seed (simulator/seed/default.yaml) and
# magic numbers (README): agent1 is logged in and ready, agent2 is idle,
# agent3 is an offline phone agent (phoneName agent3).
EMBEDDED_ACCOUNT = "demo"
EMBEDDED_USERNAME = "demouser"
EMBEDDED_API_KEY = "KKdemo0000000000000000000000000001"
EMBEDDED_DID = "918030000001"
EMBEDDED_CAMPAIGN = "Inbound_918030000001"
# The DID of the seed's offline campaign (Offline_918030000002): PhoneManualDial
# dials out only on an offline campaign's DID; Knowlarity takes any DID as k_number.
EMBEDDED_OFFLINE_DID = "918030000002"
# The test user's record, one field per thing a shipped preset reads
# (docs/conformance.md, "The embedded run"); the config's virtual_number_field
# gets the campaign name when the record has no such field.
EMBEDDED_USER = {
    "TelephonyAgentId": "agent1",  # @{User:TelephonyAgentId,}: AgentManualDial's agentID
    "PhoneMobile": "9800000001",  # the agent tokens ({{Agent_Number}}...): agent1's phone
    "mx_Custom_8": EMBEDDED_CAMPAIGN,  # @VirtualNumber of generic, ozonetel: a campaign name
    "mx_Custom_10": "agent3",  # @{User:mx_Custom_10,}: PhoneManualDial's phoneName
    "mx_Custom_11": EMBEDDED_OFFLINE_DID,  # @VirtualNumber of ozonetel_phone_manual_dial,
    # knowlarity: a DID of the account (a phone number, not a campaign name)
}
EMBEDDED = Fixtures(
    customer_number="9812345678",
    dnd_number="9000000001",
    ringing_agent_phone="9800000001",
    ringing_customer_number="9876501234",
    idle_agent_phone="9800000002",
    invalid_agent_number="9811111119",
    # The simulator's max-limit magic number as the agent's phone (docs/simulator.md):
    # a number of its own, so a recording of the run replays this probe too.
    rate_limited_agent_phone="9000000007",
    answering_number="9812345678",
    no_answer_number="9000000005",  # the simulator's "no answer" magic number
    # The simulator delivers at once and retries after 0.5 s: short waits suffice.
    callback_budget_s=20.0,
    callback_quiet_s=0.5,
    user=EMBEDDED_USER,
)
_LIVE_STATES = ("agent_ringing", "ringing", "connected")


class ControlPlane:
    """The simulator's test controls (``/_sim``), over HTTP."""

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/") + "/_sim", timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _post(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        response = self._http.post(path, json=dict(body or {}))
        if response.status_code >= 400:
            raise ControlPlaneError(
                f"simulator control plane {path} answered HTTP {response.status_code}: "
                f"{response.text[:200]}"
            )
        return response.json() if response.content else None

    def reset(self) -> None:
        """Back to the seed; clears faults, calls and profile."""
        self._post("/reset")

    def seed(self, document: Mapping[str, Any]) -> None:
        """Merge a seed document (accounts, agents, dids, dnd, rate_limits)."""
        self._post("/seed", document)

    def profile(self, name: str, **switches: Any) -> None:
        """Switch to a named behaviour set (``compliant`` or ``sloppy``), switches overridden."""
        self._post("/profile", {"name": name, **switches})

    def incoming(self, customer: str, agent_phone: str, did: str) -> str:
        """Start a ringing incoming call to ``agent_phone``; returns its UCID."""
        answer = self._post(
            "/incoming", {"customer": customer, "agent_phone": agent_phone, "did": did}
        )
        return str(answer.get("ucid", "")) if isinstance(answer, Mapping) else ""

    def has_live_call(self, agent_phone: str) -> bool:
        """True when an inbound call is ringing or connected at ``agent_phone``."""
        response = self._http.get("/calls")
        if response.status_code >= 400:
            return False
        answer = response.json()
        calls = answer.get("calls", []) if isinstance(answer, Mapping) else answer
        return any(
            isinstance(call, Mapping)
            and call.get("direction") == "inbound"
            and call.get("agent_phone") == agent_phone
            and call.get("state") in _LIVE_STATES
            for call in calls or []
        )

    def fault(self, spec: Mapping[str, Any]) -> str:
        """Add a fault; returns its id."""
        answer = self._post("/faults", spec)
        return str(answer.get("id", "")) if isinstance(answer, Mapping) else ""

    def clear_fault(self, fault_id: str) -> None:
        """Remove one fault."""
        self._http.delete(f"/faults/{fault_id}")


def arrange_simulator(
    control: ControlPlane, *, account: Mapping[str, Any], fixtures: Fixtures
) -> None:
    """Seed ``account`` as the simulator's demo account and ring ``fixtures``' test agent.

    Used for the embedded target, and by anyone running the simulator as a
    stand-in partner at a URL (the conformance tests do).
    """
    control.seed({"accounts": {EMBEDDED_ACCOUNT: dict(account)}})
    if fixtures.ringing_agent_phone:
        control.incoming(
            customer=fixtures.ringing_customer_number or "9876501234",
            agent_phone=fixtures.ringing_agent_phone,
            did=EMBEDDED_DID,
        )
