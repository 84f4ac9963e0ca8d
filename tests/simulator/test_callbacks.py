"""Callbacks: record shapes per dialect, delivery, retries with backoff, test modes."""

from __future__ import annotations

import io
import json
import threading
import wave
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from simulator import FakeClock, create_app, get_simulator
from simulator.callbacks import backoff_s

from .demo import AMD_JSON, KEY

pytestmark = pytest.mark.simulator

URL = "http://127.0.0.1:9/cb"
AMD = {**AMD_JSON, "uui": "lead-42"}


class Receiver:
    """A CRM stand-in: records what arrives; the first ``fail`` calls get HTTP 500."""

    def __init__(self, fail: int = 0) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.fail = fail
        self.arrived = threading.Event()
        self.app = Flask("receiver")
        self.app.add_url_rule("/cb", "cb", self._cb, methods=["POST"])

    def _cb(self) -> tuple[str, int]:
        self.received.append((request.mimetype, request.get_data()))
        self.arrived.set()
        return ("nope", 500) if len(self.received) <= self.fail else ("ok", 200)

    def records(self) -> list[dict[str, Any]]:
        out = []
        for mimetype, body in self.received:
            if mimetype == "application/x-www-form-urlencoded":
                out.append(json.loads(parse_qs(body.decode())["data"][0]))
            else:
                out.append(json.loads(body))
        return out


def _setup(receiver: Receiver | None = None, **config: Any) -> tuple[Flask, FlaskClient, FakeClock]:
    clock = FakeClock()
    transport = httpx.WSGITransport(app=receiver.app) if receiver else None
    settings = {"clock": clock, "deliver_callbacks": False, "callback_transport": transport}
    app = create_app({**settings, **config})
    client = app.test_client()
    client.post("/_sim/seed", json={"accounts": {"demo": {"callback_url": URL}}})
    return app, client, clock


def _dial(client: FlaskClient, **changes: str) -> str:
    body = client.get("/CAServices/AgentManualDial.php", query_string={**AMD, **changes})
    return str(body.get_json().get("ucid", ""))


def test_ozonetel_callback_is_form_field_data_holding_json() -> None:
    receiver = Receiver()
    _, client, _ = _setup(receiver)
    ucid = _dial(client)
    result = client.post("/_sim/callbacks/flush").get_json()
    assert result["count"] == 1
    assert result["results"][0]["attempts"][0]["status"] == 200
    ((mimetype, raw),) = receiver.received
    assert mimetype == "application/x-www-form-urlencoded"
    assert list(parse_qs(raw.decode())) == ["data"]
    (record,) = receiver.records()
    assert record["monitorUCID"] == ucid
    assert record["Apikey"] == KEY  # Ozonetel echoes the key: the connector must redact it
    assert record["UUI"] == "lead-42"
    assert record["StartTime"] == "2024-01-15 10:00:00"  # IST, no zone
    assert record["EndTime"] == "2024-01-15 10:00:36"
    assert (record["TimeToAnswer"], record["CallDuration"], record["Duration"]) == (
        "00:00:05",
        "00:00:36",
        "00:00:30",
    )
    assert (record["Type"], record["Status"], record["HangupBy"]) == (
        "Manual",
        "Answered",
        "UserHangup",
    )
    assert record["Did"] == "918030000001"
    assert record["CallerID"] == "9876543210"
    assert record["AgentPhoneNumber"] == "9800000001"
    # The simulator serves the recording itself, where the connector can play it.
    assert record["AudioFile"] == f"http://localhost/recordings/demouser/{ucid}.wav"
    assert record["UserName"] == "demouser"


def test_dnd_record_is_a_system_failed_dial() -> None:
    app, client, _ = _setup()
    _dial(client, customerNumber="9000000001")
    (delivery,) = get_simulator(app).outbox.deliveries()
    record = delivery.payload.record
    assert (record["Status"], record["AudioFile"], record["HangupBy"], record["AgentStatus"]) == (
        "Fail",
        "-1",
        "SystemHangup",
        "NotDialed",
    )
    assert record["Duration"] == "00:00:00"


def test_not_answered_record_has_no_recording() -> None:
    app, client, _ = _setup()
    _dial(client, customerNumber="9000000004")
    record = get_simulator(app).outbox.deliveries()[0].payload.record
    assert (record["Status"], record["AudioFile"], record["DialStatus"]) == (
        "NotAnswered",
        "",
        "busy",
    )


def test_listing_redacts_the_echoed_api_key() -> None:
    _, client, _ = _setup()
    _dial(client)
    listing = client.get("/_sim/callbacks").get_json()
    assert listing["deliveries"][0]["record"]["Apikey"] == "***"
    assert KEY not in json.dumps(listing)


def test_generic_callback_is_a_leadsquared_call_log() -> None:
    app, client, _ = _setup()
    ucid = _generic_dial(client)["monitorUcid"]
    (delivery,) = get_simulator(app).outbox.deliveries()
    assert delivery.payload.content_type == "application/json"
    assert json.loads(delivery.payload.body) == {
        "SourceNumber": "+91-9800000001",
        "DestinationNumber": "+91-9876543210",
        "DisplayNumber": "+91-8030000001",
        "StartTime": "2024-01-15 04:30:00",
        "EndTime": "2024-01-15 04:30:36",
        "CallDuration": 30,
        "Status": "Answered",
        "ResourceURL": f"http://localhost/recordings/demouser/{ucid}.wav",
        "Direction": "Outbound",
        "CallSessionId": ucid,
    }


def test_knowlarity_webhook_mixes_time_zones() -> None:
    app, client, _ = _setup()
    client.post(
        "/Basic/v1/account/call/makecall",
        json={
            "k_number": "+918030000001",
            "agent_number": "+919800000001",
            "customer_number": "+919876543210",
            "additional_params": {"uniqueid": "u1"},
        },
        headers={
            "x-api-key": "knowlarity-app-key-demo",
            "authorization": "00000000-0000-4000-8000-000000000001",
        },
    )
    record = get_simulator(app).outbox.deliveries()[0].payload.record
    assert record["start_time"] == "2024-01-15 04:30:00.000000+00:00"
    assert record["end_time"] == "2024-01-15 10:00:36.000000+05:30"
    assert (record["call_duration"], record["extension"], record["call_type"]) == (
        "30",
        "None",
        "outgoing",
    )
    assert (record["dispnumber"], record["caller_id"]) == ("+918030000001", "+919876543210")
    assert record["additional_params"] == {"uniqueid": "u1"}


def test_retries_back_off_on_the_clock_until_2xx() -> None:
    receiver = Receiver(fail=3)
    _, client, clock = _setup(receiver)
    _dial(client)
    start = clock()
    client.post("/_sim/callbacks/flush")  # attempt 1 at once
    for wait in (0.5, 1.0, 2.0):  # then 0.5 s, 1 s, 2 s later
        clock.advance(wait - 0.01)
        assert client.post("/_sim/callbacks/flush").get_json()["count"] == 0  # not due yet
        clock.advance(0.01)
        assert client.post("/_sim/callbacks/flush").get_json()["count"] == 1
    (delivery,) = client.get("/_sim/callbacks").get_json()["deliveries"]
    assert delivery["state"] == "delivered"
    assert [a["status"] for a in delivery["attempts"]] == [500, 500, 500, 200]
    assert [a["at"] for a in delivery["attempts"]] == [
        (start + timedelta(seconds=s)).isoformat() for s in (0.0, 0.5, 1.5, 3.5)
    ]
    assert len(receiver.received) == 4


def test_backoff_doubles_and_caps_at_60_s() -> None:
    assert [backoff_s(n) for n in (1, 2, 3, 4, 8, 20)] == [0.5, 1.0, 2.0, 4.0, 60.0, 60.0]


def test_delivery_gives_up_after_max_attempts() -> None:
    receiver = Receiver(fail=100)
    _, client, clock = _setup(receiver, callback_max_attempts=2)
    _dial(client)
    client.post("/_sim/callbacks/flush")
    clock.advance(1)
    client.post("/_sim/callbacks/flush")
    clock.advance(10)
    assert client.post("/_sim/callbacks/flush").get_json()["count"] == 0
    assert client.get("/_sim/callbacks").get_json()["deliveries"][0]["state"] == "gave_up"


def test_transport_errors_are_recorded_as_attempts() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    _, client, _ = _setup(callback_transport=httpx.MockTransport(refuse))
    _dial(client)
    result = client.post("/_sim/callbacks/flush").get_json()
    attempt = result["results"][0]["attempts"][0]
    assert attempt["status"] is None
    assert attempt["error"].startswith("ConnectError")


def test_duplicate_mode_delivers_twice() -> None:
    receiver = Receiver()
    _, client, _ = _setup(receiver)
    client.post("/_sim/callbacks/mode", json={"duplicate": True})
    ucid = _dial(client)
    client.post("/_sim/callbacks/flush")
    assert [r["monitorUCID"] for r in receiver.records()] == [ucid, ucid]


def test_reorder_mode_sends_a_batch_newest_first() -> None:
    receiver = Receiver()
    _, client, _ = _setup(receiver)
    client.post("/_sim/callbacks/mode", json={"reorder": True})
    first, second = _dial(client), _dial(client)
    client.post("/_sim/callbacks/flush")
    assert [r["monitorUCID"] for r in receiver.records()] == [second, first]


def test_drop_mode_loses_the_first_attempt_silently() -> None:
    receiver = Receiver()
    _, client, clock = _setup(receiver)
    client.post("/_sim/callbacks/mode", json={"drop": True})
    _dial(client)
    client.post("/_sim/callbacks/flush")
    assert receiver.received == []
    clock.advance(0.5)
    client.post("/_sim/callbacks/flush")
    assert len(receiver.received) == 1
    attempts = client.get("/_sim/callbacks").get_json()["deliveries"][0]["attempts"]
    assert [(a["status"], a["error"]) for a in attempts] == [
        (None, "dropped (simulated)"),
        (200, None),
    ]


def test_delay_mode_holds_new_deliveries() -> None:
    receiver = Receiver()
    _, client, clock = _setup(receiver)
    client.post("/_sim/callbacks/mode", json={"delay_ms": 1500})
    _dial(client)
    clock.advance(1.4)
    client.post("/_sim/callbacks/flush")
    assert receiver.received == []
    clock.advance(0.1)
    client.post("/_sim/callbacks/flush")
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    "body", [{"duplicate": "yes"}, {"delay_ms": -1}, {"shuffle": True}, {"delay_ms": 1.5}]
)
def test_bad_callback_mode_is_400(body: dict[str, Any]) -> None:
    _, client, _ = _setup()
    response = client.post("/_sim/callbacks/mode", json=body)
    assert response.status_code == 400


def test_no_callback_url_keeps_the_record_for_inspection() -> None:
    app = create_app({"clock": FakeClock(), "deliver_callbacks": False})
    client = app.test_client()
    _dial(client)
    (delivery,) = client.get("/_sim/callbacks").get_json()["deliveries"]
    assert delivery["state"] == "no_url"
    assert delivery["url"] is None
    assert client.post("/_sim/callbacks/flush").get_json()["count"] == 0


def test_background_worker_delivers_and_stops() -> None:
    receiver = Receiver()
    app, client, _ = _setup(receiver, deliver_callbacks=True)
    sim = get_simulator(app)
    assert not sim.outbox.worker_running
    _dial(client)
    assert receiver.arrived.wait(5.0)
    assert sim.outbox.worker_running
    sim.close()
    assert not sim.outbox.worker_running
    assert len(receiver.received) == 1


def test_a_recording_url_plays_a_real_wav_file() -> None:
    _, client, _ = _setup()
    ucid = _dial(client)
    url = f"/recordings/demouser/{ucid}.wav"
    got = client.get(url)
    assert got.status_code == 200
    assert got.mimetype == "audio/wav"
    with wave.open(io.BytesIO(got.data)) as audio:  # a real file: the wave module reads it
        assert (audio.getnchannels(), audio.getframerate()) == (1, 8000)
        assert audio.getnframes() == 8000
    head = client.head(url)
    assert (head.status_code, head.mimetype) == (200, "audio/wav")


@pytest.mark.parametrize(
    "path",
    ["/recordings/demouser/nosuchcall.wav", "/recordings/someoneelse/{ucid}.wav"],
)
def test_unknown_or_foreign_recordings_are_404(path: str) -> None:
    _, client, _ = _setup()
    ucid = _dial(client)
    assert client.get(path.format(ucid=ucid)).status_code == 404


def test_an_unanswered_call_has_no_recording_to_play() -> None:
    _, client, _ = _setup()
    ucid = _dial(client, customerNumber="9000000005")  # no answer
    assert client.get(f"/recordings/demouser/{ucid}.wav").status_code == 404


def test_the_echo_of_the_api_key_can_be_switched_off() -> None:
    app, client, _ = _setup()
    switched = client.post("/_sim/profile", json={"name": "compliant", "echo_api_key": False})
    assert switched.status_code == 200
    assert switched.get_json()["profile"]["echo_api_key"] is False
    _dial(client)
    record = get_simulator(app).outbox.deliveries()[0].payload.record
    assert "Apikey" not in record
    assert KEY.encode() not in get_simulator(app).outbox.deliveries()[0].payload.body


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "compliant", "echo_apikey": False}, "unknown profile switch 'echo_apikey'"),
        ({"name": "compliant", "echo_api_key": "no"}, "echo_api_key must be true or false"),
        ({"name": "compliant", "popup_delay_s": -1}, "popup_delay_s must be a number"),
    ],
)
def test_bad_profile_switches_are_400_naming_the_switch(
    body: dict[str, object], message: str
) -> None:
    _, client, _ = _setup()
    answer = client.post("/_sim/profile", json=body)
    assert answer.status_code == 400
    assert message in answer.get_json()["message"]


def _generic_dial(client: FlaskClient, **changes: str) -> Any:
    params = {
        "api_key": KEY,
        "username": "demouser",
        "agentID": "agent1",
        "campaignName": "918030000001",
        "customerNumber": "9876543210",
        **changes,
    }
    return client.get("/click2call", query_string=params).get_json()


def test_a_generic_call_may_name_its_own_callback_url() -> None:
    app, client, _ = _setup()
    _generic_dial(client, callback_url="http://127.0.0.1:9/crm/calllog?token=t0k")
    (delivery,) = get_simulator(app).outbox.deliveries()
    assert delivery.url == "http://127.0.0.1:9/crm/calllog?token=t0k"
    listed = client.get("/_sim/callbacks").get_json()["deliveries"][0]
    assert "t0k" not in json.dumps(listed)  # the log hides the token


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.example/x",
        "http://[bad/cb",  # urlsplit raises on an unbalanced bracket: was a 500
        "http://crm.test/c\tb",  # a control character inside: not a URL to send to
        "http:///no-host",
    ],
)
def test_a_bad_per_call_callback_url_is_refused(url: str) -> None:
    app, client, _ = _setup()
    answer = _generic_dial(client, callback_url=url)
    assert answer == {"status": "error", "message": "callback_url should be an http or https URL"}
    assert get_simulator(app).calls.calls == {}  # refused before any call was placed


def test_a_refused_generic_dial_is_reported_failed_not_missed() -> None:
    app, client, _ = _setup()
    _generic_dial(client, customerNumber="9000000001")  # DND
    (delivery,) = get_simulator(app).outbox.deliveries()
    assert json.loads(delivery.payload.body)["Status"] == "Failed"


def test_knowlarity_sends_no_record_for_a_dial_refused_before_ringing() -> None:
    app, client, _ = _setup()
    headers = {
        "x-api-key": "knowlarity-app-key-demo",
        "authorization": "00000000-0000-4000-8000-000000000001",
    }
    for customer in ("+919000000001", "+919876543210"):  # DND, then an ordinary call
        client.post(
            "/Basic/v1/account/call/makecall",
            json={"k_number": "+918030000001", "agent_number": "+919800000001",
                  "customer_number": customer},
            headers=headers,
        )  # fmt: skip
    deliveries = get_simulator(app).outbox.deliveries()
    assert [json.loads(d.payload.body)["caller_id"] for d in deliveries] == ["+919876543210"]
