"""Step definitions for features/simulator, driven through the Flask test client.

``{KEY}`` in a feature stands for the demo account's api key and ``{AMD}`` for
a valid AgentManualDial query, so that scenarios stay readable. Callbacks go
to an in-memory receiver (an ``httpx.MockTransport``): nothing leaves the
process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_bdd import given, parsers, scenarios, then, when
from werkzeug.test import TestResponse

from simulator import FakeClock, create_app

scenarios(
    "simulator/dialects.feature",
    "simulator/request_hygiene.feature",
    "simulator/state.feature",
    "simulator/callbacks.feature",
    "simulator/faults.feature",
)

DEMO_KEY = "KKdemo0000000000000000000000000001"
AMD = (
    "api_key={KEY}&username=demouser&agentID=agent1"
    "&campaignName=Inbound_918030000001&customerNumber=9876543210"
)
CALLBACK_URL = "http://crm.invalid/ozonetel/callback"


@dataclass
class Sim:
    """One simulator under test and what the scenario has seen so far."""

    app: Flask
    client: FlaskClient
    clock: FakeClock
    slept: list[float] = field(default_factory=list)
    received: list[httpx.Request] = field(default_factory=list)
    receiver_statuses: list[int] = field(default_factory=list)
    answers: list[TestResponse] = field(default_factory=list)

    @property
    def answer(self) -> TestResponse:
        return self.answers[-1]


def _build(**config: Any) -> Sim:
    clock = FakeClock()
    slept: list[float] = []
    received: list[httpx.Request] = []
    statuses: list[int] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(statuses.pop(0) if statuses else 200)

    app = create_app(
        {
            "random_seed": config.pop("random_seed", 1),
            "clock": clock,
            "sleep": slept.append,
            "hang_s": 0,
            "deliver_callbacks": False,
            "callback_transport": httpx.MockTransport(receiver),
            **config,
        }
    )
    return Sim(app, app.test_client(), clock, slept, received, statuses)


def _expand(text: str) -> str:
    return text.replace("{AMD}", AMD).replace("{KEY}", DEMO_KEY)


def _field(body: Any, path: str) -> Any:
    for part in path.split("."):
        body = body[part]
    return body


def _newest_call(sim: Sim) -> dict[str, Any]:
    calls = sim.client.get("/_sim/calls").json["calls"]  # type: ignore[index]
    assert calls, "no call was placed"
    newest: dict[str, Any] = calls[-1]
    return newest


# -- Given -------------------------------------------------------------------
@given("a fresh simulator", target_fixture="sim")
def _fresh() -> Sim:
    return _build()


@given(parsers.parse("a simulator with random seed {seed:d}"), target_fixture="sim")
def _seeded(seed: int) -> Sim:
    return _build(random_seed=seed)


@given("a second fresh simulator", target_fixture="other")
def _second() -> Sim:
    return _build()


@given(parsers.parse("a second simulator with random seed {seed:d}"), target_fixture="other")
def _second_seeded(seed: int) -> Sim:
    return _build(random_seed=seed)


@given(parsers.parse('a fresh simulator with transitions "{mode}"'), target_fixture="sim")
def _with_mode(mode: str) -> Sim:
    return _build(transitions=mode)


@given(parsers.parse("a simulator with a journal of {size:d} entries"), target_fixture="sim")
def _small_journal(size: int) -> Sim:
    return _build(journal_size=size)


@given("a fresh simulator whose callbacks go to a recording receiver", target_fixture="sim")
def _with_receiver() -> Sim:
    sim = _build()
    seeded = sim.client.post(
        "/_sim/seed", json={"accounts": {"demo": {"callback_url": CALLBACK_URL}}}
    )
    assert seeded.status_code == 200, seeded.text
    return sim


@given(parsers.parse("the receiver answers {status:d} first"))
def _receiver_fails(sim: Sim, status: int) -> None:
    sim.receiver_statuses.append(status)


@given(parsers.parse("the control plane accepts POST \"{path}\" with '{body}'"))
def _control(sim: Sim, path: str, body: str) -> None:
    answer = sim.client.post(path, json=json.loads(body))
    assert answer.status_code in (200, 201), answer.text


# -- When --------------------------------------------------------------------
def _get(sim: Sim, path: str, query: str) -> TestResponse:
    answer = sim.client.get(path, query_string=_expand(query))
    sim.answers.append(answer)
    return answer


@when(parsers.parse('I GET "{path}" with "{query}"'))
def _when_get(sim: Sim, path: str, query: str) -> None:
    _get(sim, path, query)


@when(parsers.parse('I GET "{path}" with "{query}" {times:d} times'))
def _when_get_times(sim: Sim, path: str, query: str, times: int) -> None:
    for _ in range(times):
        _get(sim, path, query)


@when(parsers.parse('I send {how} "{path}" with "{query}"'))
def _when_send(sim: Sim, how: str, path: str, query: str) -> None:
    values = dict(parse_qsl(_expand(query)))
    if how == "GET":
        answer = sim.client.get(path, query_string=values)
    elif how == "POST query":
        answer = sim.client.post(path, query_string=values)
    elif how == "POST form":
        answer = sim.client.post(path, data=values)
    elif how == "POST JSON":
        answer = sim.client.post(path, json=values)
    else:
        raise ValueError(f"unknown way to send: {how}")
    sim.answers.append(answer)


_MAKECALL = (
    'I post a Knowlarity makecall with authorization "{authorization}" for customer "{customer}"'
)


@when(parsers.parse(_MAKECALL))
def _when_makecall(sim: Sim, authorization: str, customer: str) -> None:
    answer = sim.client.post(
        "/Basic/v1/account/call/makecall",
        headers={"x-api-key": "knowlarity-app-key-demo", "authorization": authorization},
        json={
            "k_number": "+918030000001",
            "agent_number": "+919800000001",
            "customer_number": customer,
        },
    )
    sim.answers.append(answer)


@when(parsers.parse("the first simulator gets POST \"{path}\" with '{body}'"))
def _when_first_posts(sim: Sim, path: str, body: str) -> None:
    assert sim.client.post(path, json=json.loads(body)).status_code == 200


@when("both simulators place the same AgentManualDial call")
def _when_both_dial(sim: Sim, other: Sim) -> None:
    _get(sim, "/CAServices/AgentManualDial.php", "{AMD}&format=json")
    _get(other, "/CAServices/AgentManualDial.php", "{AMD}&format=json")


@when("nothing else happens")
def _when_nothing() -> None:
    """The call moves (or not) by its transition mode alone."""


@when(parsers.parse('the newest call is advanced to "{state}"'))
def _when_advance(sim: Sim, state: str) -> None:
    ucid = _newest_call(sim)["ucid"]
    answer = sim.client.post(f"/_sim/calls/{ucid}/advance", json={"to": state})
    assert answer.status_code == 200, answer.text


@when(parsers.parse("the clock moves {seconds:d} seconds"))
def _when_clock(sim: Sim, seconds: int) -> None:
    sim.clock.advance(seconds)


@when("the callbacks are flushed")
def _when_flush(sim: Sim) -> None:
    assert sim.client.post("/_sim/callbacks/flush").status_code == 200


# -- Then --------------------------------------------------------------------
@then(parsers.parse('the answer is HTTP {status:d} with content type "{content_type}"'))
def _then_status(sim: Sim, status: int, content_type: str) -> None:
    assert sim.answer.status_code == status, sim.answer.text
    assert sim.answer.mimetype == content_type


@then(parsers.parse("the answer is HTTP {status:d} with an empty body"))
def _then_empty(sim: Sim, status: int) -> None:
    assert sim.answer.status_code == status
    assert sim.answer.data == b""


@then(parsers.parse('the JSON field "{path}" is "{value}"'))
def _then_field(sim: Sim, path: str, value: str) -> None:
    assert _field(sim.answer.json, path) == value


@then(parsers.parse("the JSON field \"{path}\" is '{value}'"))
def _then_field_json(sim: Sim, path: str, value: str) -> None:
    assert _field(sim.answer.json, path) == json.loads(value)


@then(parsers.parse('the JSON field "{path}" is the UCID of the newest call'))
def _then_field_ucid(sim: Sim, path: str) -> None:
    assert _field(sim.answer.json, path) == _newest_call(sim)["ucid"]


@then(parsers.parse('the body contains "{text}"'))
def _then_body(sim: Sim, text: str) -> None:
    assert text in sim.answer.get_data(as_text=True)


@then(parsers.parse('the newest journal entry is flagged "{flag}"'))
def _then_flagged(sim: Sim, flag: str) -> None:
    entries = sim.client.get("/_sim/journal", query_string={"flagged": "true"}).json["entries"]  # type: ignore[index]
    assert flag in entries[-1]["flags"]


@then(parsers.parse('the newest journal entry shows "{name}" as "{value}"'))
def _then_journal_value(sim: Sim, name: str, value: str) -> None:
    entry = sim.client.get("/_sim/journal").json["entries"][-1]  # type: ignore[index]
    assert entry["params"][name] == value
    assert DEMO_KEY not in json.dumps(entry)


@then("no call was placed")
def _then_no_call(sim: Sim) -> None:
    assert sim.client.get("/_sim/calls").json["calls"] == []  # type: ignore[index]


@then("the second simulator's DND list is empty")
def _then_other_empty(sim: Sim, other: Sim) -> None:
    assert sim.client.get("/_sim/state").json["dnd"] == ["9876543210"]  # type: ignore[index]
    assert other.client.get("/_sim/state").json["dnd"] == []  # type: ignore[index]


@then("both answers carry the same UCID")
def _then_same_ucid(sim: Sim, other: Sim) -> None:
    assert sim.answer.json["status"] == "queued successfully"  # type: ignore[index]
    assert sim.answer.json == other.answer.json


@then(parsers.parse('the newest call is "{state}" with history "{history}"'))
def _then_call_state(sim: Sim, state: str, history: str) -> None:
    call = _newest_call(sim)
    assert call["state"] == state
    assert [step["state"] for step in call["history"]] == [s.strip() for s in history.split(",")]


@then(parsers.parse('the receiver got {count:d} form post with field "{name}"'))
@then(parsers.parse('the receiver got {count:d} form posts with field "{name}"'))
def _then_received(sim: Sim, count: int, name: str) -> None:
    assert len(sim.received) == count
    for request in sim.received:
        assert request.url == CALLBACK_URL
        assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
        assert name in parse_qs(request.content.decode())


def _record(sim: Sim) -> dict[str, Any]:
    form = parse_qs(sim.received[-1].content.decode())
    record: dict[str, Any] = json.loads(form["data"][0])
    return record


@then(parsers.parse('the record\'s "{name}" is the UCID of the newest call'))
def _then_record_ucid(sim: Sim, name: str) -> None:
    assert _record(sim)[name] == _newest_call(sim)["ucid"]


@then(parsers.parse('the record\'s "{name}" is "{value}"'))
def _then_record_value(sim: Sim, name: str, value: str) -> None:
    assert _record(sim)[name] == value


@then(parsers.parse("the record's \"{name}\" is the account's api key"))
def _then_record_key(sim: Sim, name: str) -> None:
    # Ozonetel echoes the key in its callbacks; the receiver must redact it.
    assert _record(sim)[name] == DEMO_KEY


@then(parsers.parse('the delivery is "{state}" after {attempts:d} attempts'))
def _then_delivery(sim: Sim, state: str, attempts: int) -> None:
    deliveries = sim.client.get("/_sim/callbacks").json["deliveries"]  # type: ignore[index]
    assert [(d["state"], len(d["attempts"])) for d in deliveries] == [(state, attempts)]


@then(parsers.parse("the simulator slept {seconds:f} seconds"))
def _then_slept(sim: Sim, seconds: float) -> None:
    assert seconds in sim.slept


@then(parsers.parse("the statuses were {statuses}"))
def _then_statuses(sim: Sim, statuses: str) -> None:
    assert [a.status_code for a in sim.answers] == [int(s) for s in statuses.split(",")]


@then(parsers.parse("the journal holds {count:d} entries"))
def _then_journal_size(sim: Sim, count: int) -> None:
    assert sim.client.get("/_sim/journal").json["count"] == count  # type: ignore[index]


@pytest.fixture
def other() -> Sim:
    """Replaced by the Given steps that build a second simulator."""
    raise pytest.UsageError("this scenario needs a second simulator Given step")
