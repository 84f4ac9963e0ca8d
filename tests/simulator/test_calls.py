"""Call state: transitions in immediate, manual and timed mode; incoming calls."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator import FakeClock, create_app, get_simulator

from .demo import AMD_JSON, AMD_PARAMS, KEY

pytestmark = pytest.mark.simulator

AMD = dict(AMD_JSON)  # a copy: a test may change it


def _app(mode: str = "immediate", **config: Any) -> tuple[Flask, FakeClock]:
    clock = FakeClock()
    app = create_app({"clock": clock, "transitions": mode, "deliver_callbacks": False, **config})
    return app, clock


def _dial(client: FlaskClient, number: str = "9876543210") -> str:
    body = client.get(
        "/CAServices/AgentManualDial.php", query_string={**AMD, "customerNumber": number}
    ).get_json()
    ucid: str = body["ucid"]
    return ucid


def _history(client: FlaskClient, ucid: str) -> list[tuple[str, str]]:
    call = client.get(f"/_sim/calls/{ucid}").get_json()
    return [(h["state"], h["at"][11:19]) for h in call["history"]]


def test_immediate_mode_runs_to_completed_with_clock_times() -> None:
    app, _ = _app()
    client = app.test_client()
    ucid = _dial(client)
    assert _history(client, ucid) == [
        ("queued", "04:30:00"),
        ("agent_ringing", "04:30:01"),
        ("connected", "04:30:06"),
        ("completed", "04:30:36"),
    ]


@pytest.mark.parametrize(
    ("number", "final", "reason", "states"),
    [
        ("9000000004", "not_answered", "busy", ["queued", "agent_ringing", "not_answered"]),
        ("9000000005", "not_answered", "no_answer", ["queued", "agent_ringing", "not_answered"]),
        ("9000000003", "failed", "invalid_number", ["queued", "agent_ringing", "failed"]),
    ],
)
def test_magic_outcomes(number: str, final: str, reason: str, states: list[str]) -> None:
    app, _ = _app()
    client = app.test_client()
    call = client.get(f"/_sim/calls/{_dial(client, number)}").get_json()
    assert (call["state"], call["reason"]) == (final, reason)
    assert [h["state"] for h in call["history"]] == states


def test_manual_mode_waits_for_advance() -> None:
    app, clock = _app("manual")
    client = app.test_client()
    ucid = _dial(client)
    clock.advance(3600)
    assert client.get(f"/_sim/calls/{ucid}").get_json()["state"] == "queued"
    assert client.post(f"/_sim/calls/{ucid}/advance", json={"to": "ringing"}).status_code == 200
    clock.advance(4)
    client.post(f"/_sim/calls/{ucid}/advance", json={"to": "completed"})
    assert _history(client, ucid) == [
        ("queued", "04:30:00"),
        ("agent_ringing", "05:30:00"),
        ("connected", "05:30:04"),
        ("completed", "05:30:04"),
    ]


@pytest.mark.parametrize(
    ("steps", "status", "fragment"),
    [
        (["completed", "connected"], 409, "has already ended (completed)"),
        (["connected", "queued"], 409, "can only move forward"),
        (["connected", "not_answered"], 409, "it can go to completed or failed"),
        (["sideways"], 400, "unknown call state 'sideways'"),
    ],
)
def test_invalid_advances_are_refused(steps: list[str], status: int, fragment: str) -> None:
    app, _ = _app("manual")
    client = app.test_client()
    ucid = _dial(client)
    for step in steps[:-1]:
        client.post(f"/_sim/calls/{ucid}/advance", json={"to": step})
    response = client.post(f"/_sim/calls/{ucid}/advance", json={"to": steps[-1]})
    assert response.status_code == status
    assert fragment in response.get_json()["message"]


def test_advance_unknown_call_and_bad_body() -> None:
    client = _app("manual")[0].test_client()
    assert client.post("/_sim/calls/123/advance", json={"to": "completed"}).status_code == 404
    assert client.get("/_sim/calls/123").status_code == 404
    assert client.post("/_sim/calls/123/advance", json={}).status_code == 400


def test_timed_mode_moves_on_the_fake_clock() -> None:
    app, clock = _app("timed")
    client = app.test_client()
    ucid = _dial(client)
    assert client.get(f"/_sim/calls/{ucid}").get_json()["state"] == "queued"
    clock.advance(1)
    assert client.get(f"/_sim/calls/{ucid}").get_json()["state"] == "agent_ringing"
    clock.advance(5)
    assert client.get(f"/_sim/calls/{ucid}").get_json()["state"] == "connected"
    clock.advance(100)  # steps are stamped at their due time, not at the tick
    assert _history(client, ucid)[-1] == ("completed", "04:30:36")


def test_a_timed_call_ends_without_another_request() -> None:
    # A developer places one call and waits for its callback: nothing else
    # reaches the simulator, yet the call must end and its record go out.
    app, clock = _app("timed")
    sim = get_simulator(app)
    ucid = _dial(app.test_client())
    call = sim.calls.get(ucid)
    assert call is not None
    clock.advance(100)
    deadline = time.monotonic() + 5
    while not call.is_terminal and time.monotonic() < deadline:
        time.sleep(0.05)  # no request: only the ticker can move the call
    assert call.state.value == "completed"
    assert [d.ucid for d in sim.outbox.deliveries()] == [ucid]
    deadline = time.monotonic() + 5
    while sim._ticker is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sim._ticker is None  # it stops once no timed call is pending
    sim.close()


def test_closing_the_simulator_stops_its_ticker() -> None:
    app, _ = _app("timed")
    sim = get_simulator(app)
    _dial(app.test_client())
    ticker = sim._ticker
    assert ticker is not None
    assert ticker.is_alive()
    sim.close()
    assert not ticker.is_alive()


def test_timed_delays_can_be_set() -> None:
    app, clock = _app("manual")
    client = app.test_client()
    response = client.post(
        "/_sim/transitions", json={"mode": "timed", "delays": {"ringing": 2, "connected": 10}}
    )
    assert response.get_json()["delays"] == {
        "queued": 1.0,
        "agent_ringing": 2.0,
        "connected": 10.0,
    }
    ucid = _dial(client)
    clock.advance(13)
    assert _history(client, ucid)[-1] == ("completed", "04:30:13")


def test_per_call_mode() -> None:
    app, clock = _app("manual")
    client = app.test_client()
    first, second = _dial(client), _dial(client)
    client.post("/_sim/transitions", json={"mode": "timed", "ucid": first})
    clock.advance(60)
    assert client.get(f"/_sim/calls/{first}").get_json()["state"] == "completed"
    assert client.get(f"/_sim/calls/{second}").get_json()["state"] == "queued"
    client.post("/_sim/transitions", json={"mode": "immediate", "ucid": second})
    assert client.get(f"/_sim/calls/{second}").get_json()["state"] == "completed"


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "slow"},
        {},
        {"mode": "timed", "delays": {"queued": -1}},
        {"mode": "timed", "delays": 3},
    ],
)
def test_bad_transition_settings(body: dict[str, Any]) -> None:
    client = _app()[0].test_client()
    response = client.post("/_sim/transitions", json=body)
    assert response.status_code == 400
    assert response.get_json()["status"] == "error"


def test_dnd_fails_at_once_even_in_manual_mode() -> None:
    app, _ = _app("manual")
    client = app.test_client()
    client.get(
        "/CAServices/AgentManualDial.php", query_string={**AMD, "customerNumber": "9000000001"}
    )
    (call,) = client.get("/_sim/calls").get_json()["calls"]
    assert [h["state"] for h in call["history"]] == ["queued", "failed"]


def test_incoming_call_rings_until_advanced() -> None:
    app, clock = _app()
    client = app.test_client()
    response = client.post(
        "/_sim/incoming",
        json={"customer": "09876543210", "did": "+918030000001", "agent": "agent1"},
    )
    assert response.status_code == 201
    ucid = response.get_json()["ucid"]
    clock.advance(600)
    call = client.get(f"/_sim/calls/{ucid}").get_json()
    assert (call["state"], call["direction"], call["campaign"]) == (
        "agent_ringing",
        "inbound",
        "Inbound_918030000001",
    )
    client.post(f"/_sim/calls/{ucid}/advance", json={"to": "completed"})
    sim = get_simulator(app)
    (delivery,) = sim.outbox.deliveries()
    assert delivery.payload.record["Type"] == "inbound"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"customer": "x", "did": "918030000001", "agent": "agent1"}, "customer must be"),
        ({"customer": "9876543210", "did": "918099999999", "agent": "agent1"}, "did must be"),
        ({"customer": "9876543210", "did": "918030000001", "agent": "zed"}, "name a seeded agent"),
        ({"customer": "9876543210", "did": "918030000001", "agent_phone": "9811111111"},
         "name a seeded agent"),
        ({"customer": "9876543210", "did": "918030000001", "agent": "agent1", "dialect": "x"},
         "dialect must be"),
    ],
)  # fmt: skip
def test_incoming_bad_input(body: dict[str, Any], fragment: str) -> None:
    response = _app()[0].test_client().post("/_sim/incoming", json=body)
    assert response.status_code == 400
    assert fragment in response.get_json()["message"]


def test_finished_calls_and_deliveries_are_bounded_but_live_ones_kept() -> None:
    from simulator import create_app, get_simulator

    app = create_app({"history_size": 10, "deliver_callbacks": False})
    client = app.test_client()
    ringing = client.post(
        "/_sim/incoming", json={"customer": "9876500000", "did": "918030000001", "agent": "agent1"}
    ).get_json()["ucid"]
    for i in range(40):
        answer = client.get(
            "/click2call",
            query_string={**AMD_PARAMS, "customerNumber": f"98765{i:05d}"},
        ).get_json()
        assert answer["status"] == "success"
    sim = get_simulator(app)
    assert len(sim.calls.calls) <= 10 + 1 + 1  # the limit, its slack, and the live call
    assert ringing in sim.calls.calls
    assert len(sim.outbox.deliveries()) <= 10 + 1
    pulled = client.get(
        "/PullAPI",
        query_string={
            "apiKey": KEY,
            "userName": "demouser",
            "agentPhoneNumber": "9800000001",
        },
    ).get_json()
    assert pulled["customerNumber"].endswith("9876500000")


def test_an_agent_is_busy_exactly_while_one_of_its_calls_is_live() -> None:
    # The book keeps which agents are on a live call as calls start and end,
    # so PhoneManualDial's busy check never walks the history; every way a
    # call ends must clear it, and a call that ends at once never sets it.
    from simulator.state.calls import CallBook

    app, clock = _app("manual")
    client = app.test_client()
    book: CallBook = get_simulator(app).calls
    first, second = _dial(client), _dial(client)
    assert book.agent_busy("agent1")
    assert not book.agent_busy("agent3")
    client.post(f"/_sim/calls/{first}/advance", json={"to": "completed"})
    assert book.agent_busy("agent1")  # the second call is still live
    client.post("/_sim/transitions", json={"mode": "immediate", "ucid": second})
    assert not book.agent_busy("agent1")
    client.post("/_sim/transitions", json={"mode": "timed"})
    third = _dial(client)
    assert book.agent_busy("agent1")
    clock.advance(60)
    assert client.get(f"/_sim/calls/{third}").get_json()["state"] == "completed"
    assert not book.agent_busy("agent1")
    client.post("/_sim/transitions", json={"mode": "immediate"})
    _dial(client)  # ends at once
    assert not book.agent_busy("agent1")
    client.post("/_sim/transitions", json={"mode": "manual"})
    dnd = {**AMD, "customerNumber": "9000000001"}
    client.get("/CAServices/AgentManualDial.php", query_string=dnd)  # fails at once
    assert [c.state for c in book.calls.values()][-1] == "failed"
    assert not book.agent_busy("agent1")
    _dial(client)
    client.post("/_sim/reset")
    assert not book.agent_busy("agent1")
