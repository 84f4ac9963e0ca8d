"""The agents' phones: ring notifications, their control plane, and the agent's disposition.

Deliveries go through a mock transport that records what a console would
receive; nothing leaves the process.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from flask import Flask

from simulator import create_app, get_simulator
from simulator.ringer import MAX_PENDING, RingNotifier
from simulator.seed import SeedError, prepare_seed

pytestmark = pytest.mark.simulator

URL = "http://console.test/phone/ring?token=secret-token-0123456789"
HANG_GUARD_S = 30.0


class Phone:
    """A console stand-in: keeps every notification and answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append({"url": str(request.url), "body": json.loads(request.content)})
        return httpx.Response(self.status, json={"status": "ok", "shown": True})


def _app(phone: Phone) -> Flask:
    return create_app({"callback_transport": httpx.MockTransport(phone.handle)})


def _post(app: Flask, path: str, body: Any) -> Any:
    return app.test_client().post(path, json=body)


def _settle(app: Flask) -> None:
    assert get_simulator(app).ringer.wait_idle(HANG_GUARD_S)


def test_an_incoming_call_notifies_the_agents_phone_with_the_did_as_caller() -> None:
    phone = Phone()
    app = _app(phone)
    assert _post(app, "/_sim/agents/agent1/notify", {"url": URL}).status_code == 200
    answer = _post(
        app, "/_sim/incoming", {"customer": "9876543210", "did": "918030000001", "agent": "agent1"}
    )
    assert answer.status_code == 201
    _settle(app)
    (got,) = phone.received
    assert got["url"] == URL
    body = got["body"]
    assert body["event"] == "ringing"
    assert body["id"] == answer.json["notification"]
    assert (body["agent"], body["agent_phone"], body["caller"]) == (
        "agent1",
        "+919800000001",
        "+918030000001",
    )
    assert "9876543210" not in json.dumps(body)  # the phone sees the DID, never the customer


def test_an_agent_without_a_notify_url_is_not_notified() -> None:
    phone = Phone()
    app = _app(phone)
    answer = _post(
        app, "/_sim/incoming", {"customer": "9876543210", "did": "918030000001", "agent": "agent1"}
    )
    assert answer.json["notification"] is None
    assert app.test_client().get("/_sim/notifications").json["count"] == 0
    assert phone.received == []


def test_a_direct_ring_notifies_with_the_callers_own_number() -> None:
    phone = Phone()
    app = _app(phone)
    _post(app, "/_sim/agents/agent2/notify", {"url": URL})
    answer = _post(app, "/_sim/agents/agent2/ring", {"caller": "098765 43210"})
    assert answer.status_code == 202
    _settle(app)
    assert phone.received[0]["body"]["caller"] == "+919876543210"
    assert app.test_client().get("/_sim/calls").json["calls"] == []  # no provider call


def test_the_notification_log_shows_the_answer_and_hides_the_token() -> None:
    phone = Phone(status=503)
    app = _app(phone)
    _post(app, "/_sim/agents/agent1/notify", {"url": URL})
    _post(app, "/_sim/agents/agent1/ring", {"caller": "9876543210"})
    _settle(app)
    log = app.test_client().get("/_sim/notifications")
    (note,) = log.json["notifications"]
    assert (note["state"], note["status"]) == ("failed", 503)
    assert json.loads(note["answer"]) == {"status": "ok", "shown": True}
    assert "secret-token" not in log.get_data(as_text=True)
    state = app.test_client().get("/_sim/state").get_data(as_text=True)
    assert "secret-token" not in state
    assert "token=***" in state


def test_only_the_head_of_a_huge_answer_is_read() -> None:
    sent: list[int] = []

    def endless() -> Any:
        for _ in range(100_000):  # 10 MB if it were all read
            sent.append(1)
            yield b"x" * 100

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    app = create_app({"callback_transport": httpx.MockTransport(answer)})
    _post(app, "/_sim/agents/agent1/notify", {"url": URL})
    _post(app, "/_sim/agents/agent1/ring", {"caller": "9876543210"})
    _settle(app)
    (note,) = app.test_client().get("/_sim/notifications").json["notifications"]
    assert (note["state"], note["answer"]) == ("delivered", "x" * 200)
    assert len(sent) < 10  # streamed and cut, not read whole


def test_a_receiver_that_cannot_be_reached_is_a_failed_notification() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    app = create_app({"callback_transport": httpx.MockTransport(refuse)})
    _post(app, "/_sim/agents/agent1/notify", {"url": URL})
    _post(app, "/_sim/agents/agent1/ring", {"caller": "9876543210"})
    _settle(app)
    (note,) = app.test_client().get("/_sim/notifications").json["notifications"]
    assert note["state"] == "failed"
    assert "ConnectError" in note["error"]


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/_sim/agents/agent1/notify", {}, 400, 'send {"url"'),
        ("/_sim/agents/agent1/notify", {"url": "ftp://x/y"}, 400, "http:// or https://"),
        ("/_sim/agents/agent1/notify", {"url": "http://"}, 400, "with a host"),
        ("/_sim/agents/agent1/notify", {"url": "http://[::1"}, 400, "with a host"),
        ("/_sim/agents/agent1/notify", {"url": "http://x/" + "a" * 3000}, 400, "longer than"),
        ("/_sim/agents/agent1/notify", {"url": 5}, 400, "http:// or https://"),
        ("/_sim/agents/nobody/notify", {"url": URL}, 404, "no agent nobody"),
        ("/_sim/agents/agent1/ring", {"caller": "12"}, 400, "valid Indian phone number"),
        ("/_sim/agents/nobody/ring", {"caller": "9876543210"}, 404, "no agent"),
    ],
)
def test_bad_phone_controls_are_clear_4xx(path: str, body: Any, status: int, says: str) -> None:
    answer = _post(create_app(), path, body)
    assert answer.status_code == status
    assert says in answer.json["message"]


def test_the_seed_takes_a_notify_url_and_checks_it() -> None:
    seed = prepare_seed({"agents": {"agent9": {"phone": "9800000009", "notify_url": URL}}})
    assert seed.agents["agent9"]["notify_url"] == URL
    with pytest.raises(SeedError, match=r"agents\.agent9\.notify_url"):
        prepare_seed({"agents": {"agent9": {"phone": "9800000009", "notify_url": "nope"}}})
    app = create_app({"seed": {"agents": {"agent1": {"phone": "9800000001", "notify_url": URL}}}})
    _post(app, "/_sim/agents/agent1/notify", {"url": None})
    assert app.test_client().get("/_sim/state").json["agents"]["agent1"]["notify_url"] is None
    app.test_client().post("/_sim/reset")
    assert app.test_client().get("/_sim/state").json["agents"]["agent1"]["notify_url"]


def test_past_the_pending_limit_the_oldest_waiting_notification_is_dropped() -> None:
    release = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        release.wait(HANG_GUARD_S)
        return httpx.Response(200)

    ringer = RingNotifier(clock=lambda: datetime.now(UTC), transport=httpx.MockTransport(slow))
    try:
        notes = [
            ringer.ring(agent="a", url=URL, agent_phone="+919800000001", caller="+919876543210")
            for _ in range(MAX_PENDING + 2)
        ]
        release.set()
        assert ringer.wait_idle(HANG_GUARD_S)
        states = [note.state for note in notes]
        assert states.count("dropped") >= 1
        assert states[-1] == "delivered"
        assert set(states) <= {"delivered", "dropped"}
    finally:
        ringer.stop()


def test_ending_a_call_with_a_reason_and_a_disposition_reaches_the_call_record() -> None:
    app = create_app({"deliver_callbacks": False})
    ucid = _post(
        app, "/_sim/incoming", {"customer": "9876543210", "did": "918030000001", "agent": "agent1"}
    ).json["ucid"]
    answer = _post(
        app,
        f"/_sim/calls/{ucid}/advance",
        {"to": "not_answered", "reason": "busy", "disposition": "Call back later"},
    )
    assert answer.status_code == 200
    (delivery,) = app.test_client().get("/_sim/callbacks").json["deliveries"]
    record = delivery["record"]
    assert record["Disposition"] == "Call back later"
    assert record["DialStatus"] == "busy"


@pytest.mark.parametrize(
    "body",
    [
        {"to": "completed", "reason": "bored"},
        {"to": "completed", "disposition": "x" * 201},
        {"to": "completed", "disposition": "line\nbreak"},
        {"to": "completed", "disposition": 7},
    ],
)
def test_a_bad_reason_or_disposition_is_refused(body: dict[str, Any]) -> None:
    app = create_app()
    ucid = _post(
        app, "/_sim/incoming", {"customer": "9876543210", "did": "918030000001", "agent": "agent1"}
    ).json["ucid"]
    answer = _post(app, f"/_sim/calls/{ucid}/advance", body)
    assert answer.status_code == 400
    assert app.test_client().get(f"/_sim/calls/{ucid}").json["state"] == "agent_ringing"
