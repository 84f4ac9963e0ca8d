"""Live updates: the hub's bounds, and real Server-Sent Events streams over waitress.

The streams are served the way ``mcc console`` serves them
(``console.server.serve``: waitress with the service's limits and one extra
thread per stream), against a simulator on a real loopback port. Timeouts
are hang guards only (seconds where the work takes milliseconds).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector import Client, resolve_config, with_base_url
from console import ConsoleSettings, SimulatorClient, build, serve
from console.live import Event, LiveHub
from crm import CrmStore, User
from simulator import create_app
from simulator.serve import start_in_thread

pytestmark = pytest.mark.console

TOKEN = "live-token-0123456789abcdef"
SECRET = "live-secret-0123456789abcdef-0123456789abc"
PASSWORD = "agent-password-1"
ENV = {"OZONETEL_API_KEY": "KKdemo0000000000000000000000000001", "OZONETEL_USERNAME": "demouser"}
HANG_GUARD_S = 30.0


# -- the hub ---------------------------------------------------------------------------


def test_an_event_for_one_agent_reaches_only_that_agents_streams() -> None:
    hub = LiveHub()
    mine, theirs = hub.open("a1"), hub.open("a2")
    assert mine is not None
    assert theirs is not None
    hub.publish("popup", "p1", user_id="a1")
    hub.publish("activity", "7")
    assert [e.ref for e in _drain(mine)] == ["p1", "7"]
    assert [e.ref for e in _drain(theirs)] == ["7"]


def test_past_the_cap_a_stream_is_refused() -> None:
    hub = LiveHub(max_streams=2, per_user=2)
    assert hub.open("a1") is not None
    assert hub.open("a2") is not None
    assert hub.open("a3") is None
    assert hub.open_streams == 2


def test_an_agents_oldest_tab_is_told_bye_past_the_per_agent_cap() -> None:
    hub = LiveHub(max_streams=8, per_user=2)
    first, second, third = hub.open("a1"), hub.open("a1"), hub.open("a1")
    assert first is not None
    assert second is not None
    assert third is not None
    assert [e.kind for e in _drain(first)] == ["bye"]
    with pytest.raises(EOFError):
        first.next(0)
    assert hub.open_streams == 2


def test_a_reconnecting_stream_gets_what_it_missed_or_a_reload() -> None:
    hub = LiveHub(backlog=3)
    hub.publish("activity", "1")
    seen = hub.seq
    hub.publish("popup", "p", user_id="other")
    hub.publish("activity", "2")
    back = hub.open("a1", after=seen)
    assert back is not None
    assert [e.ref for e in _drain(back)] == ["2"]
    for ref in "345":
        hub.publish("activity", ref)
    gone = hub.open("a1", after=seen)  # its gap left the backlog
    assert gone is not None
    assert [e.kind for e in _drain(gone)] == ["reload"]


def test_a_stream_that_falls_behind_ends_with_a_reload_instead_of_growing() -> None:
    hub = LiveHub(queue_size=3)
    slow = hub.open("a1")
    assert slow is not None
    for ref in range(10):
        hub.publish("activity", str(ref))
    assert [e.kind for e in _drain(slow)] == ["reload"]
    with pytest.raises(EOFError):
        slow.next(0)


def test_closing_the_hub_ends_every_stream_and_refuses_new_ones() -> None:
    hub = LiveHub()
    stream = hub.open("a1")
    assert stream is not None
    hub.close()
    with pytest.raises(EOFError):
        stream.next(HANG_GUARD_S)
    assert hub.open("a1") is None


def _drain(stream: Any) -> list[Event]:
    """What the stream holds now (up to its end, if it ended)."""
    events = []
    try:
        while (event := stream.next(0)) is not None:
            events.append(event)
    except EOFError:
        pass
    return events


# -- real streams over waitress ------------------------------------------------------------


@dataclass
class Running:
    url: str
    sim_url: str
    stop: threading.Event
    thread: threading.Thread
    hub: LiveHub

    def login(self) -> httpx.Client:
        http = httpx.Client(base_url=self.url, timeout=HANG_GUARD_S)
        page = http.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        answer = http.post(
            "/login", data={"user_id": "agent1", "password": PASSWORD, "csrf_token": token[1]}
        )
        assert answer.status_code == 302
        return http


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    store = CrmStore(tmp_path / "live.sqlite3")
    store.upsert_user(User("agent1", "Agent One", phone="9800000001"))
    store.set_password("agent1", PASSWORD)
    sim = start_in_thread(create_app({"transitions": "manual"}))
    config = with_base_url(resolve_config("ozonetel"), sim.base_url)
    client = Client(env=ENV)
    simulator = SimulatorClient(sim.base_url)
    settings = ConsoleSettings(
        secret_key=SECRET,
        token=TOKEN,
        max_streams=2,
        streams_per_user=2,
        heartbeat_s=0.2,
    )
    server = build(store, config, client, settings=settings, simulator=simulator)
    ready = threading.Event()
    urls: list[str] = []
    stop = threading.Event()

    def on_ready(url: str) -> None:
        urls.append(url)
        simulator.wire(url, TOKEN, [p for p in [store.people.number("9800000001")] if p])
        ready.set()

    thread = threading.Thread(
        target=serve, args=(server, "127.0.0.1", 0), kwargs={"on_ready": on_ready, "stop": stop}
    )
    thread.start()
    assert ready.wait(HANG_GUARD_S)
    try:
        yield Running(urls[0], sim.base_url, stop, thread, server.hub)
    finally:
        stop.set()
        thread.join(HANG_GUARD_S)
        sim.stop()
        simulator.close()
        client.close()
        store.close()


def _lines(stream: httpx.Response) -> Iterator[str]:
    yield from stream.iter_lines()


def test_a_ring_reaches_the_agents_open_stream(running: Running) -> None:
    http = running.login()
    sync = http.get("/dids").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', sync)
    assert token
    http.post("/dids/sync", data={"csrf_token": token[1]})
    with http.stream("GET", "/events?after=0&page=/leads") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = _lines(stream)
        assert next(lines).startswith("retry: ")
        ring = {"customer": "9876543210", "did": "918030000001", "agent": "agent1"}
        httpx.post(f"{running.sim_url}/_sim/incoming", json=ring, timeout=HANG_GUARD_S)
        for line in lines:
            if line.startswith("data: ") and "popup" in line:
                break
        data = line.removeprefix("data: ")
        assert "is not present" in data or "+91-9876543210" in data


def test_a_quiet_stream_gets_heartbeats(running: Running) -> None:
    http = running.login()
    with http.stream("GET", "/events") as stream:
        lines = _lines(stream)
        assert next(lines).startswith("retry: ")
        assert ": keep-alive" in [next(lines) for _ in range(6)]


def test_past_the_stream_cap_the_console_answers_503_and_call_logs_still_land(
    running: Running,
) -> None:
    first, second, third = running.login(), running.login(), running.login()
    with first.stream("GET", "/events") as one, second.stream("GET", "/events") as two:
        next(_lines(one))
        next(_lines(two))
        refused = third.get("/events")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "5"
        # The call-log service keeps its own threads: streams never take them.
        health = httpx.get(f"{running.url}/healthz", timeout=HANG_GUARD_S)
        assert health.json()["status"] == "ok"
        refused_log = httpx.post(f"{running.url}/calllog", content=b"{}", timeout=HANG_GUARD_S)
        assert refused_log.status_code == 401  # the token rule of mcc serve


def test_stopping_the_server_ends_open_streams(running: Running) -> None:
    http = running.login()
    with http.stream("GET", "/events") as stream:
        lines = _lines(stream)
        assert next(lines).startswith("retry: ")
        running.stop.set()
        try:
            rest = list(lines)  # ends: the hub ended the stream...
        except httpx.RemoteProtocolError:
            rest = []  # ...or waitress closed the socket first: it ended all the same
    assert not [line for line in rest if line.startswith(("event:", "data:"))]
    running.thread.join(HANG_GUARD_S)
    assert not running.thread.is_alive()
    assert running.hub.open_streams == 0
