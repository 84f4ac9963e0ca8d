"""Fail versus error: a partner's unusable answer fails its clause; an unreachable one errors.

Against the simulator served on 127.0.0.1, one transport fault at a time is
armed for every provider request (``POST /_sim/faults``) and three clauses
run: one that judges a success (``did_list.numbers``), one that judges an
error (``agent_popup.error.no_call``) and a latency clause. Each must *fail*
naming what the partner must fix; a partner that cannot be reached at all
makes them *errors*, and so does our own unusable fixture. The verdict is
read from the connector's typed outcome (``Outcome.reason``,
``TransportError.sent``), which the unit tests below pin reason by reason.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import connector
import contracts
import simulator
from contracts.clauses.expect import could_not_reach, partner_fault
from contracts.clauses.registry import Clause, Verdict
from contracts.clauses.signals import PartnerFault
from contracts.events import ClauseInfo, RunFinished, RunStarted, Status
from contracts.evidence import SafeText
from contracts.fixtures import EMBEDDED, EMBEDDED_CAMPAIGN, ControlPlane, arrange_simulator
from contracts.runner import _run_one
from contracts.target import embedded_env
from simulator.serve import RunningServer, start_in_thread

pytestmark = pytest.mark.conformance

ENV = {
    "GENERIC_API_KEY": "CANARYverdictKEY0000000000000000011",
    "GENERIC_USERNAME": "canary-verdict-user",
}
CLAUSES = ("did_list.numbers", "agent_popup.error.no_call", "latency.did_list")
OPTIONS = contracts.Options(latency_calls=1, only=CLAUSES)
# A hung request costs this much; a loopback answer takes a few milliseconds.
TIMEOUT_S = 0.5
R = connector.Reason


def _config() -> connector.ConnectorConfig:
    config = connector.resolve_config("generic")
    apis = {
        name: api.model_copy(update={"timeout": TIMEOUT_S}) for name, api in config.apis.items()
    }
    return config.model_copy(update={"apis": apis})


@dataclass
class Partner:
    """The simulator at a URL, arranged like a partner with the embedded fixtures."""

    server: RunningServer
    control: ControlPlane
    config: connector.ConnectorConfig
    fixtures: contracts.Fixtures

    def arrange(self) -> None:
        self.control.reset()
        _env, account = embedded_env(self.config, ENV)
        arrange_simulator(self.control, account=account, fixtures=self.fixtures)

    def verify(self, options: contracts.Options = OPTIONS) -> dict[str, contracts.ClauseResult]:
        summary = contracts.verify(
            self.config, self.server.base_url, self.fixtures, options, env=ENV
        )
        return {r.clause.id: r for r in summary.results}


def _serve() -> tuple[RunningServer, threading.Event]:
    # A hang holds its request until the test ends (no wall-clock race with the client),
    # or for the longest hang the simulator allows (60 s).
    release = threading.Event()
    app = simulator.create_app(
        {"random_seed": 7, "deliver_callbacks": False, "hang_s": 60, "sleep": release.wait}
    )
    return start_in_thread(app), release


@pytest.fixture(scope="module")
def partner() -> Iterator[Partner]:
    server, release = _serve()
    control = ControlPlane(server.base_url)
    config = _config()
    user = {**EMBEDDED.user, config.virtual_number_field: EMBEDDED_CAMPAIGN}
    try:
        yield Partner(server, control, config, EMBEDDED.model_copy(update={"user": user}))
    finally:
        release.set()
        control.close()
        server.stop()


# fault -> what the failure message must tell the partner to fix
PARTNER_FAULTS = {
    "wrong_content_type": "must answer text",
    "bad_utf8": "must answer text",
    "huge": "must answer a short document",
    "redirect_other_host": "must answer at the configured URL",
    "redirect_loop": "must answer at the configured URL",
    "hang": "must answer within the API's timeout",
    "reset": "must send its whole answer",
}


@pytest.mark.parametrize("fault", sorted(PARTNER_FAULTS))
def test_an_unusable_answer_fails_its_clauses_naming_the_fix(partner: Partner, fault: str) -> None:
    partner.arrange()
    partner.control.fault({"fault": fault})
    results = partner.verify()
    assert {cid: r.status for cid, r in results.items()} == dict.fromkeys(CLAUSES, Status.FAIL)
    for result in results.values():
        assert PARTNER_FAULTS[fault] in result.message, result.message
        assert result.evidence, result.clause.id
        assert all(secret not in result.message for secret in ENV.values())


def test_the_same_clauses_pass_without_a_fault(partner: Partner) -> None:
    partner.arrange()
    results = partner.verify()
    assert {cid: r.status for cid, r in results.items()} == dict.fromkeys(CLAUSES, Status.PASS)


def test_a_partner_that_refuses_the_connection_cannot_be_tested() -> None:
    server, release = _serve()
    config = _config()
    user = {**EMBEDDED.user, config.virtual_number_field: EMBEDDED_CAMPAIGN}
    fixtures = EMBEDDED.model_copy(update={"user": user})
    try:
        stream = contracts.run(config, server.base_url, fixtures, OPTIONS, env=ENV)
        assert isinstance(next(stream), RunStarted)
        server.stop()  # the run has started: every probe is now refused
        finished = [e for e in stream if isinstance(e, RunFinished)]
    finally:
        release.set()
        server.stop()
    results = {r.clause.id: r for r in finished[0].summary.results}
    assert {cid: r.status for cid, r in results.items()} == dict.fromkeys(CLAUSES, Status.ERROR)
    assert all("could not reach the target" in r.message for r in results.values())
    assert finished[0].summary.exit_code == 2


def test_our_own_unusable_fixture_is_could_not_test(partner: Partner) -> None:
    partner.arrange()
    fixtures = partner.fixtures.model_copy(update={"customer_number": "12"})
    summary = contracts.verify(
        partner.config,
        partner.server.base_url,
        fixtures,
        contracts.Options(only=("click_to_call.success",)),
        env=ENV,
    )
    (result,) = summary.results
    assert result.status is Status.ERROR
    assert "customer number is not usable" in result.message


# -- the rule, reason by reason ------------------------------------------------------


def _failure(reason: connector.Reason, *, sent: bool) -> connector.Outcome:
    error = connector.TransportError("127.0.0.1:9: something went wrong", sent=sent)
    return connector.Outcome.failure(f"did_list: {error}", reason=reason, error=error)


@pytest.mark.parametrize(
    ("reason", "sent"),
    [
        (R.TIMEOUT, True),  # connected and asked; no complete answer in time
        (R.TRANSPORT, True),  # the connection dropped in the middle of the answer
        (R.NOT_TEXT, True),
        (R.TOO_LARGE, True),
        (R.REDIRECT, True),
    ],
)
def test_an_answer_the_partner_spoiled_is_its_fault(reason: connector.Reason, sent: bool) -> None:
    outcome = _failure(reason, sent=sent)
    assert not could_not_reach(outcome)
    fault = partner_fault(outcome)
    assert fault is not None
    assert fault.startswith("did_list: 127.0.0.1:9: something went wrong; the partner must ")


@pytest.mark.parametrize(
    ("reason", "sent"),
    [
        (R.TRANSPORT, False),  # refused, unresolvable host, TLS failure
        (R.TIMEOUT, False),  # connecting alone outlasted the timeout
    ],
)
def test_a_partner_never_reached_cannot_be_tested(reason: connector.Reason, sent: bool) -> None:
    outcome = _failure(reason, sent=sent)
    assert could_not_reach(outcome)
    assert partner_fault(outcome) is None


def test_a_request_we_could_not_build_cannot_be_tested() -> None:
    outcome = connector.Outcome.failure("cannot render", reason=R.RENDER)
    assert could_not_reach(outcome)
    assert partner_fault(outcome) is None


@pytest.mark.parametrize("reason", [R.RULE, R.UNMAPPED, R.HTTP_STATUS])
def test_an_answer_that_came_is_judged_by_the_clause(reason: connector.Reason) -> None:
    outcome = connector.Outcome(kind="error", message="no rule", status=200, reason=reason)
    assert not could_not_reach(outcome)
    assert partner_fault(outcome) is None


def test_the_runner_turns_a_partner_fault_into_a_failure_with_its_evidence() -> None:
    def check(_ctx: object) -> Verdict:
        raise PartnerFault("did_list: the partner must answer text")

    item = Clause(ClauseInfo("test.clause", "test", "a test clause"), check)
    result = _run_one(item, ctx=None, safe=SafeText())  # type: ignore[arg-type]
    assert result.status is Status.FAIL
    assert result.message == "did_list: the partner must answer text"
