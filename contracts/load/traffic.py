"""The requests of an API load run, and what each answer means: no Locust in here.

Every request is the one the connector sends: the config's API rendered by
``connector.render_request`` from CRM-like sample data (a lead with a name,
a city and a phone written the way people write them, the test user's record,
the agent's phone), and every answer is read and mapped as the connector's
client reads and maps it (``connector.Answer.read``, ``connector.map_answer``
with the API's rules, its timeout and the 1 MiB read limit). So a success in
a load run is a success in production: a 200 whose body a rule maps to
error, or that no rule maps, is an error, and so is a transport failure.

Against a partner (``--target``) every lead carries the fixtures'
``customer_number`` (a test number: a load run places real calls), written
in several forms; against the embedded simulator the leads have a thousand
different numbers, none of them a magic number.

Messages of failed requests are redacted (:class:`contracts.evidence.SafeText`:
secrets, keyed secrets, numbers masked unless ``--show-numbers``) and folded
(long digit runs become ``#``), so a Locust failure table groups one cause
into one row instead of one row per call id.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

import connector
from contracts.evidence import SafeText
from contracts.fixtures import Fixtures
from contracts.load.plan import LoadPlan

__all__ = [
    "MAX_BODY_BYTES",
    "ApiTraffic",
    "Judgement",
    "fold_message",
    "sample_leads",
]

MAX_BODY_BYTES = 1_048_576  # what the connector's client reads at most
_LEADS = 1000
_EMBEDDED_FIRST_NUMBER = 9820000000  # 98200 00000 ...: valid, none of them magic
_FIRST = ("Asha", "Ravi", "Zoë", "Farhan", "Meera", "Ananya", "Karthik", "Ishaan", "Noor", "Vikram")
_LAST = ("Rao", "D'Souza", "Iyer", "Khan", "Sharma & Sons", "Nair", "Gupta", "Das", "Menon", "Bose")
_CITIES = ("Pune", "Bengaluru", "Chennai", "Kolkata", "New Delhi", "Kochi", "Jaipur", "Hyderabad")
_DIGIT_RUN = re.compile(r"[*\d]{6,}")
_MESSAGE_CHARS = 200


@dataclass(frozen=True)
class Judgement:
    """What one exchange meant: ``ok``, else the redacted, folded reason."""

    ok: bool
    message: str = ""


def fold_message(text: str) -> str:
    """One line, at most 200 characters, digit runs (call ids, masked numbers) as ``#``."""
    line = " ".join(text.split())
    return _DIGIT_RUN.sub("#", line)[:_MESSAGE_CHARS]


def _written(national: str, i: int) -> str:
    """A number written the way CRM users write it, varying by lead."""
    forms = (f"+91-{national}", national, f"0{national}", f"+91 {national[:5]} {national[5:]}")
    return forms[i % len(forms)]


def sample_leads(
    fixtures: Fixtures, *, embedded: bool, count: int = _LEADS
) -> list[dict[str, str]]:
    """CRM-like leads; against a partner every one is the fixtures' ``customer_number``."""
    leads: list[dict[str, str]] = []
    base = dict(fixtures.lead)
    for i in range(count):
        if embedded:
            national = str(_EMBEDDED_FIRST_NUMBER + i)
        else:
            number = connector.parse_phone(fixtures.customer_number or "")
            national = number.national
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i // len(_FIRST)) % len(_LAST)]
        leads.append(
            {
                **base,
                "ProspectID": f"L-{i + 1:05d}",
                "FirstName": first,
                "LastName": last,
                "EmailAddress": f"lead{i + 1}@example.test",
                "Phone": _written(national, i),
                "Mobile": "",
                "mx_City": _CITIES[i % len(_CITIES)],
            }
        )
    return leads


class ApiTraffic:
    """Renders the plan's requests and judges their answers (one per Locust process)."""

    def __init__(self, plan: LoadPlan, env: Mapping[str, str]) -> None:
        if plan.config is None:
            raise ValueError("an API load plan carries the config")
        self.plan = plan
        self.config = connector.parse_config(dict(plan.config), source=plan.config_name)
        self.fixtures = Fixtures.model_validate(dict(plan.fixtures))
        self.env = plan.environment(env)
        secrets = [self.env[name] for name in plan.secret_names if self.env.get(name)]
        self.safe = SafeText(secrets, show_numbers=plan.show_numbers)
        self.apis: tuple[str, ...] = tuple(plan.mix)
        self.weights: tuple[float, ...] = tuple(plan.mix.values())
        self.region = self.config.default_region
        self.leads = sample_leads(self.fixtures, embedded=plan.target_kind == "embedded")
        self.customers = [connector.parse_phone(lead["Phone"], self.region) for lead in self.leads]
        popup = self.fixtures.ringing_agent_phone
        self.agent_phone = connector.parse_phone(popup, self.region) if popup else None

    def api(self, name: str) -> connector.ApiConfig:
        """The config's API ``name``."""
        return self.config.apis[name]

    def pick(self, rng: random.Random) -> str:
        """The next API to call, by the mix's weights."""
        return rng.choices(self.apis, self.weights)[0]

    def context(self, name: str, n: int) -> connector.MergeContext:
        """The merge context of request ``n`` to API ``name``: a lead, the user, the agent."""
        user = dict(self.fixtures.user)
        agent_phone = None
        if name == "agent_popup" and self.agent_phone is not None:
            # The pop-up asks for the agent whose phone is ringing.
            user["PhoneMobile"] = self.agent_phone.national
            agent_phone = self.agent_phone
        i = n % len(self.leads)
        customer = self.customers[i] if name == "click_to_call" else None
        return connector.MergeContext(
            lead=self.leads[i],
            user=user,
            owner={},
            customer_number=customer,
            agent_phone=agent_phone,
            virtual_number_field=self.config.virtual_number_field,
            region=self.region,
            env=self.env,
            callback_url=self.plan.callback_url,
        )

    def render(self, name: str, n: int) -> connector.RenderedRequest:
        """Request ``n`` to API ``name``, as the connector renders it (``TemplateError``)."""
        return connector.render_request(self.api(name), self.context(name, n))

    def _failed(self, name: str, text: str) -> Judgement:
        return Judgement(False, fold_message(self.safe.text(f"{name}: {text}")))

    def judge(
        self,
        name: str,
        *,
        status: int,
        content_type: str | None,
        body: bytes,
        elapsed_s: float,
    ) -> Judgement:
        """An answer read and mapped as the connector's client reads and maps it."""
        api = self.api(name)
        if elapsed_s > api.timeout:
            return self._failed(
                name, f"no complete answer within the API's timeout ({api.timeout:g} s)"
            )
        if 300 <= status < 400:
            return self._failed(
                name,
                f"answered a redirect (HTTP {status}); this user class follows none:"
                " run with --user-class connector to follow it as the connector does",
            )
        if len(body) > MAX_BODY_BYTES:
            return self._failed(
                name, "answered more than 1 MiB; the connector reads no more than that"
            )
        answer = connector.Answer.read(body, content_type, status)
        if answer.problem is not None:
            return self._failed(name, f"answered HTTP {status} with {answer.problem}")
        return self.outcome(name, connector.map_answer(api.response, answer, elapsed=elapsed_s))

    def outcome(self, name: str, outcome: connector.Outcome) -> Judgement:
        """A mapped outcome: success, else its message (the rule's, or why none matched)."""
        if outcome.ok:
            return Judgement(True)
        return Judgement(False, fold_message(self.safe.text(outcome.message)))

    def transport(self, name: str, error: BaseException) -> Judgement:
        """No answer came (refused, reset, timed out)."""
        return self._failed(name, f"no answer ({type(error).__name__}: {error})")

    def render_failure(self, name: str, error: Exception) -> Judgement:
        """The request could not be built (a template token without a value)."""
        return self._failed(name, f"cannot build the request: {error}")
