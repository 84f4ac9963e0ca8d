"""What a check works with: the config, the client, fixtures, options, and a log.

Every answer a check receives goes through :meth:`Context.call` or
:meth:`Context.send`, which records it; the answers clauses and the mapping
coverage judge that log at the end of the run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import connector
from contracts.clauses.signals import CannotTest, SkipClause
from contracts.events import Evidence
from contracts.evidence import build_evidence
from contracts.fixtures import ControlPlane, Fixtures
from contracts.receiver import CallLogReceiver

__all__ = ["DEFAULT_BUDGETS_MS", "Context", "Options", "Seen"]

# p95 budgets per API; the pop-up is strictest because the phone is ringing.
DEFAULT_BUDGETS_MS: Mapping[str, float] = {
    "click_to_call": 3000.0,
    "did_list": 5000.0,
    "agent_popup": 1000.0,
}


@dataclass(frozen=True)
class Options:
    """How to run: latency sample size, budgets, fuzzing, what to show."""

    latency_calls: int = 20
    budgets_ms: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_BUDGETS_MS))
    fuzz: bool = False
    fuzz_examples: int = 10
    show_numbers: bool = False
    only: tuple[str, ...] = ()  # clause id prefixes to run; empty runs all
    # The call-log receiver: where it listens (HOST:PORT) and the URL the partner
    # reaches it at (for NAT or a tunnel); None: a free loopback port, its own URL.
    callback_listen: str | None = None
    callback_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """For the report's run metadata."""
        return {
            "latency_calls": self.latency_calls,
            "budgets_p95_ms": dict(self.budgets_ms),
            "fuzz": self.fuzz,
            "fuzz_examples": self.fuzz_examples,
            "show_numbers": self.show_numbers,
            "only": list(self.only),
            "callback_listen": self.callback_listen,
        }


@dataclass(frozen=True)
class Seen:
    """One answer seen during the run, for the answers clauses."""

    api: str
    label: str
    result: connector.CallResult


class Context:
    """The run's shared state, handed to every check."""

    def __init__(
        self,
        *,
        config: connector.ConnectorConfig,
        client: connector.Client,
        fixtures: Fixtures,
        options: Options,
        env: Mapping[str, str],
        base_url: str,
        control: ControlPlane | None = None,
        dialect: str | None = None,
        rearm: Callable[[], None] | None = None,
        limit_rate: Callable[[str], AbstractContextManager[None]] | None = None,
        receiver: CallLogReceiver | None = None,
        secrets: Mapping[str, str] | None = None,
        tap: Callable[[Seen], None] | None = None,
    ) -> None:
        self.config = config
        self.client = client
        self.fixtures = fixtures
        self.options = options
        self.env = env
        self.base_url = base_url
        self.control = control
        self.dialect = dialect
        # Embedded only: ring the test agent again; rate-limit one API for a block.
        self.rearm = rearm
        self.limit_rate = limit_rate
        # The call logs the partner pushes during the run (None: no call_log in the config).
        self.receiver = receiver
        # The config's secrets, variable name -> value: never in a report.
        self.secrets: Mapping[str, str] = dict(secrets or {})
        self.seen: list[Seen] = []
        # Told of every exchange as it is recorded (``mcc record``, ``mcc drift``).
        self.tap = tap
        self.metadata: dict[str, Any] = {}
        # Results a clause module computes once and its clauses share (the call-log
        # probes of contracts.clauses.callback), by key.
        self.shared: dict[str, object] = {}

    @property
    def embedded(self) -> bool:
        """True when the target is the embedded simulator (its control plane is ours)."""
        return self.control is not None

    def skip_if_not_offered(self, name: str) -> None:
        """Skip the clause, with the config's reason, when API ``name`` is ``not_offered``."""
        reason = self.config.not_offered.get(name)
        if reason is not None:
            raise SkipClause(f"the provider does not offer the {name} API: {reason}")

    def api(self, name: str) -> connector.ApiConfig:
        """The config's API ``name``; skips the clause when it is not configured.

        The skip gives the config's reason when it lists the API as not offered.
        """
        api = self.config.apis.get(name)
        if api is None:
            self.skip_if_not_offered(name)
            raise SkipClause(f"the config does not configure the {name} API")
        return api

    def fixture(self, name: str) -> str:
        """A fixture value; skips the clause, naming the fixture, when it is missing."""
        value = getattr(self.fixtures, name, None)
        if not value:
            raise SkipClause(f"fixture {name!r} is missing ({Fixtures.describe(name)})")
        return str(value)

    def number(self, text: str | None, what: str) -> connector.PhoneNumber | None:
        """A fixture's number, parsed once for the probe; ``CannotTest`` when it is not a number."""
        if not text:
            return None
        try:
            return connector.parse_phone(text, self.config.default_region)
        except connector.PhoneNumberError as exc:
            raise CannotTest(f"the fixtures' {what} is not usable: {exc}") from None

    def merge(
        self, *, customer: str | None = None, agent_phone: str | None = None
    ) -> connector.MergeContext:
        """The mail-merge context for a probe, from the fixtures."""
        user = dict(self.fixtures.user)
        if agent_phone:
            # @AssociatedPhoneNumber... and {{Agent_Number}} follow the probed agent.
            user["PhoneMobile"] = agent_phone
        return connector.MergeContext(
            lead=dict(self.fixtures.lead),
            user=user,
            owner={},
            customer_number=self.number(customer, "customer number"),
            agent_phone=self.number(agent_phone, "agent phone"),
            virtual_number_field=self.config.virtual_number_field,
            region=self.config.default_region,
            env=self.env,
            # @CallbackUrl: this run's call-log receiver (per_call delivery).
            callback_url=self.receiver.url if self.receiver is not None else None,
        )

    def render(
        self,
        name: str,
        *,
        customer: str | None = None,
        agent_phone: str | None = None,
        api: connector.ApiConfig | None = None,
        env: Mapping[str, str] | None = None,
    ) -> connector.RenderedRequest:
        """Render API ``name`` (or the given variant of it) into a request."""
        ctx = self.merge(customer=customer, agent_phone=agent_phone)
        if env is not None:
            ctx = dataclasses.replace(ctx, env=env)
        try:
            return connector.render_request(api or self.api(name), ctx)
        except connector.TemplateError as exc:
            raise CannotTest(f"cannot build the {name} request: {exc}") from None

    def send(
        self,
        name: str,
        request: connector.RenderedRequest,
        label: str,
        *,
        api: connector.ApiConfig | None = None,
    ) -> connector.CallResult:
        """Send a rendered request for API ``name``, record and return the result."""
        result = self.client.send(request, api or self.api(name), name=name)
        seen = Seen(name, label, result)
        self.seen.append(seen)
        if self.tap is not None:
            self.tap(seen)
        return result

    def call(
        self,
        name: str,
        label: str,
        *,
        customer: str | None = None,
        agent_phone: str | None = None,
        api: connector.ApiConfig | None = None,
        edit: Callable[[connector.RenderedRequest], connector.RenderedRequest] | None = None,
    ) -> connector.CallResult:
        """Render, optionally edit, send and record one probe."""
        request = self.render(name, customer=customer, agent_phone=agent_phone, api=api)
        if edit is not None:
            request = edit(request)
        return self.send(name, request, label, api=api)

    def evidence(self, result: connector.CallResult, label: str) -> Evidence:
        """Redacted evidence of ``result`` (numbers masked unless asked otherwise)."""
        return build_evidence(result, label, show_numbers=self.options.show_numbers)

    def mask(self, number: str) -> str:
        """A number as reports may show it."""
        return number if self.options.show_numbers else connector.mask_number(number)
