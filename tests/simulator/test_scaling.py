"""What keeps a request's cost flat: the timed-call heap, compact history, lazy records.

These check behaviour and structure (which calls a tick touches, what a kept
call holds, when a record is built), never timings: the speed itself is
measured by ``python -m benchmarks simulator``.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from flask import Flask

from simulator import FakeClock, create_app, get_simulator
from simulator.callbacks import CallbackPayload
from simulator.journal import Journal
from simulator.state.calls import Call, CallBook, CallState

from .demo import AMD_JSON, KEY

pytestmark = pytest.mark.simulator

AMD = dict(AMD_JSON)  # a copy: a test may change it
START = datetime(2024, 1, 15, 4, 30, tzinfo=UTC)
DELAYS = {"queued": 1.0, "agent_ringing": 5.0, "connected": 30.0}


def _timed_call(ucid: str, at: datetime = START, **fields: Any) -> Call:
    call = Call(
        ucid=ucid,
        dialect="ozonetel",
        operation="ozonetel.agent_manual_dial",
        direction="outbound",
        account="demo",
        customer="9876543210",
        created_at=at,
        mode="timed",
        **fields,
    )
    call.begin(at)
    return call


class CountingTicks:
    """A CallBook that counts how many calls its tick steps."""

    def __init__(self, book: CallBook) -> None:
        self.book = book
        self.stepped: list[str] = []
        original = Call.planned_after

        def spy(call: Call, state: CallState) -> CallState | None:
            self.stepped.append(call.ucid)
            return original(call, state)

        self._patch = pytest.MonkeyPatch()
        self._patch.setattr(Call, "planned_after", spy)

    def close(self) -> None:
        self._patch.undo()


def test_a_tick_touches_only_the_calls_that_are_due() -> None:
    book = CallBook()
    for n in range(1000):  # live and far from due: one a day later each
        call = _timed_call(f"later{n}", at=START + timedelta(days=1 + n))
        book.add(call)
        book.schedule(call, DELAYS)
    due = _timed_call("due")
    book.add(due)
    book.schedule(due, DELAYS)
    counter = CountingTicks(book)
    try:
        ended = book.tick(START + timedelta(seconds=40), DELAYS)
    finally:
        counter.close()
    assert [c.ucid for c in ended] == ["due"]
    assert set(counter.stepped) == {"due"}  # the 1,000 others were not looked at
    assert due.state == CallState.COMPLETED
    assert not book.due_by(START + timedelta(seconds=40))
    assert book.timed_pending()  # the later calls still wait


def test_nothing_due_means_no_tick_work() -> None:
    book = CallBook()
    call = _timed_call("u1")
    book.add(call)
    book.schedule(call, DELAYS)
    assert not book.due_by(START)
    assert book.due_by(START + timedelta(seconds=1))
    assert book.tick(START, DELAYS) == []
    assert call.state == CallState.QUEUED


def test_a_call_moved_by_hand_waits_anew_from_where_it_is() -> None:
    app = create_app({"clock": (clock := FakeClock()), "transitions": "timed"})
    client = app.test_client()
    ucid = client.get("/CAServices/AgentManualDial.php", query_string=AMD).get_json()["ucid"]
    clock.advance(0.5)
    client.post(f"/_sim/calls/{ucid}/advance", json={"to": "connected"})
    clock.advance(29)  # its old due time (ringing at +1 s) has long passed
    assert client.get(f"/_sim/calls/{ucid}").get_json()["state"] == "connected"
    clock.advance(2)  # 30 s after it connected
    assert client.get(f"/_sim/calls/{ucid}").get_json()["state"] == "completed"
    get_simulator(app).close()


def test_new_delays_move_every_waiting_call() -> None:
    app = create_app({"clock": (clock := FakeClock()), "transitions": "timed"})
    client = app.test_client()
    ucids = [
        client.get("/CAServices/AgentManualDial.php", query_string=AMD).get_json()["ucid"]
        for _ in range(3)
    ]
    client.post("/_sim/transitions", json={"mode": "timed", "delays": {"queued": 100}})
    clock.advance(50)
    states = {client.get(f"/_sim/calls/{u}").get_json()["state"] for u in ucids}
    assert states == {"queued"}
    clock.advance(51)
    states = {client.get(f"/_sim/calls/{u}").get_json()["state"] for u in ucids}
    assert states == {"agent_ringing"}
    get_simulator(app).close()


def test_a_timed_call_switched_to_manual_leaves_the_heap() -> None:
    app = create_app({"clock": (clock := FakeClock()), "transitions": "timed"})
    client = app.test_client()
    ucid = client.get("/CAServices/AgentManualDial.php", query_string=AMD).get_json()["ucid"]
    client.post("/_sim/transitions", json={"mode": "manual", "ucid": ucid})
    assert not get_simulator(app).calls.timed_pending()
    clock.advance(1000)
    assert client.get(f"/_sim/calls/{ucid}").get_json()["state"] == "queued"
    get_simulator(app).close()


def test_an_ended_call_keeps_nothing_the_collector_must_walk() -> None:
    app = create_app({"clock": FakeClock(), "deliver_callbacks": False})
    client = app.test_client()
    ucid = client.get("/CAServices/AgentManualDial.php", query_string=AMD).get_json()["ucid"]
    call = get_simulator(app).calls.get(ucid)
    assert call is not None
    assert call.is_terminal
    gc.collect()
    gc.collect()  # the pairs are untracked on one pass, the tuple holding them on the next
    assert isinstance(call.steps, tuple)
    assert not gc.is_tracked(call.steps)  # plain (name, time) pairs
    assert not hasattr(call, "__dict__")  # slots
    assert [t.state for t in call.history] == [
        CallState.QUEUED,
        CallState.AGENT_RINGING,
        CallState.CONNECTED,
        CallState.COMPLETED,
    ]


def test_history_drops_the_calls_that_ended_first_and_keeps_live_ones() -> None:
    app = create_app({"clock": FakeClock(), "transitions": "manual", "history_size": 10})
    client = app.test_client()
    live = [
        client.get("/CAServices/AgentManualDial.php", query_string=AMD).get_json()["ucid"]
        for _ in range(15)
    ]
    # End them newest first: the first to end are the first to go.
    for ucid in reversed(live):
        client.post(f"/_sim/calls/{ucid}/advance", json={"to": "completed"})
    kept = set(get_simulator(app).calls.calls)
    assert len(kept) <= 10 + 1
    assert live[0] in kept  # ended last
    assert live[-1] not in kept  # ended first


def _counting_builder(app: Flask, dialect: str) -> list[str]:
    sim = get_simulator(app)
    built: list[str] = []
    original = sim.record_builders[dialect]

    def builder(*args: Any) -> CallbackPayload | None:
        built.append(args[0].ucid)
        return original(*args)

    sim.record_builders[dialect] = builder
    return built


def test_no_record_is_built_for_an_account_without_a_callback_url() -> None:
    app = create_app({"clock": FakeClock(), "deliver_callbacks": False})
    client = app.test_client()
    built = _counting_builder(app, "ozonetel")
    for _ in range(5):
        client.get("/CAServices/AgentManualDial.php", query_string=AMD)
    assert built == []  # no request paid for a record
    deliveries = client.get("/_sim/callbacks").get_json()["deliveries"]
    assert [d["state"] for d in deliveries] == ["no_url"] * 5
    assert deliveries[0]["record"]["Apikey"] == "***"  # built when looked at
    assert len(built) == 5
    client.get("/_sim/callbacks")
    assert len(built) == 5  # and only once


def test_a_record_is_built_when_it_is_sent() -> None:
    sent: list[bytes] = []

    def receiver(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        sent.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    app = create_app(
        {
            "clock": FakeClock(),
            "deliver_callbacks": False,
            "callback_transport": httpx.WSGITransport(app=receiver),
        }
    )
    client = app.test_client()
    client.post("/_sim/seed", json={"accounts": {"demo": {"callback_url": "http://crm.test/c"}}})
    built = _counting_builder(app, "ozonetel")
    ucid = client.get("/CAServices/AgentManualDial.php", query_string=AMD).get_json()["ucid"]
    assert built == []
    client.post("/_sim/callbacks/flush")
    assert built == [ucid]
    assert ucid.encode() in sent[0]


def test_a_knowlarity_pre_dial_failure_has_no_delivery() -> None:
    # Knowlarity sends no webhook for a dial refused before anything rang: the
    # builder says so (None) when asked, and such a delivery is never listed.
    app = create_app({"clock": FakeClock(), "deliver_callbacks": False})
    client = app.test_client()
    answer = client.post(
        "/Basic/v1/account/call/makecall",
        json={
            "k_number": "+918030000001",
            "agent_number": "+919800000001",
            "customer_number": "+919000000001",  # DND (magic number): placed, then failed
        },
        headers={
            "x-api-key": "knowlarity-app-key-demo",
            "authorization": "00000000-0000-4000-8000-000000000001",
        },
    )
    ended = [c for c in get_simulator(app).calls.calls.values() if c.is_terminal]
    assert ended, answer.get_json()  # the call was recorded, and failed before dialling
    assert client.get("/_sim/callbacks").get_json()["deliveries"] == []
    assert client.post("/_sim/callbacks/flush").get_json()["count"] == 0


def test_the_journal_rebuilds_a_query_kept_as_names() -> None:
    journal = Journal()
    journal.record(
        time=START,
        method="GET",
        path="/click2call",
        operation="generic.click2call",
        query={},
        query_names=["api_key", "agentID"],
        params={"api_key": KEY, "agentID": "agent1", "campaignName": "c1"},
        headers=[("User-Agent", "qa")],
        status=200,
    )
    (entry,) = journal.entries()
    assert entry.query == {"api_key": "***", "agentID": "agent1"}
    assert entry.params == {"api_key": "***", "agentID": "agent1", "campaignName": "c1"}
    assert entry.headers == {"user-agent": "qa"}
    assert KEY not in repr(journal._entries)  # redacted when recorded, not when read


def test_a_get_entry_keeps_its_query_as_its_params_and_a_post_keeps_them_apart() -> None:
    app = create_app({"clock": FakeClock(), "deliver_callbacks": False})
    client = app.test_client()
    client.get("/CAServices/AgentManualDial.php", query_string=AMD)
    client.post(
        "/CAServices/AgentManualDial.php?format=json",
        data={key: value for key, value in AMD.items() if key != "format"},
    )
    client.post("/CAServices/AgentManualDial.php", data={"format": "json"})
    got, posted, bare = client.get("/_sim/journal").get_json()["entries"]
    assert got["query"] == got["params"] == {**AMD, "api_key": "***"}
    assert posted["query"] == {"format": "json"}
    assert posted["params"] == {**AMD, "api_key": "***"}
    assert bare["query"] == {}
    assert bare["params"] == {"format": "json"}
    assert KEY not in repr(get_simulator(app).journal._entries)


def test_ist_text_matches_the_clock_at_every_instant() -> None:
    from simulator.clock import IST, ist_text

    for at in (
        START,
        START + timedelta(microseconds=999_999),
        START + timedelta(seconds=59, microseconds=500_000),
        datetime(1969, 12, 31, 23, 59, 59, 250_000, tzinfo=UTC),  # before the epoch
    ):
        assert ist_text(at) == at.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("planned", "reason", "path"),
    [
        (CallState.COMPLETED, "", ["agent_ringing", "connected", "completed"]),
        (CallState.NOT_ANSWERED, "busy", ["agent_ringing", "not_answered"]),
        (CallState.FAILED, "dnd", ["failed"]),
    ],
)
def test_immediate_calls_walk_the_planned_path_with_its_delays(
    planned: CallState, reason: str, path: list[str]
) -> None:
    call = _timed_call("u1", planned=planned, reason=reason)
    CallBook().run_to_end(call, DELAYS)
    assert [t.state.value for t in call.history] == ["queued", *path]
    offsets = [(t.at - START).total_seconds() for t in call.history]
    if reason == "dnd":  # refused before anything rang: no delay at all
        assert offsets == [0.0, 0.0]
    else:
        assert offsets == [0.0, 1.0, 6.0, 36.0][: len(offsets)]
