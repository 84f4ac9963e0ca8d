"""mcc record keeps how each recording URL a call log links answered, probing each once."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import connector
from contracts.load.calllogs import build_record
from contracts.receiver import Delivery
from contracts.record import _Taps


class _Recordings(BaseHTTPRequestHandler):
    heads = 0
    lock = threading.Lock()

    def do_HEAD(self) -> None:
        with _Recordings.lock:
            _Recordings.heads += 1
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def recording_url() -> Iterator[str]:
    _Recordings.heads = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recordings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/rec/call-1.mp3"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(30)


def _delivery(recording_url: str) -> Delivery:
    """An answered call's generic call log linking ``recording_url``."""
    made = build_record("generic", "1234567800000001", random.Random(1), datetime.now(UTC))
    document = json.loads(made.body) | {"Status": "Answered", "ResourceURL": recording_url}
    body = json.dumps(document).encode()
    records = tuple(
        connector.parse_callback(body, "application/json", connector.CallLogFormat.GENERIC)
    )
    assert [r.recording_url for r in records] == [recording_url]
    return Delivery(
        received_at=datetime.now(UTC),
        path="/calllog",
        content_type="application/json",
        headers=(),
        body=body,
        answered=200,
        records=records,
    )


def test_a_call_log_delivered_twice_probes_its_recording_once(recording_url: str) -> None:
    taps = _Taps()
    delivery = _delivery(recording_url)
    taps.delivery(delivery)
    taps.delivery(delivery)  # a partner's retry: the same call log, the same recording
    for thread in taps.threads:
        thread.join(30)  # a hang guard
    assert _Recordings.heads == 1
    assert taps.recordings == {recording_url: (200, "audio/mpeg")}
    assert len(taps.deliveries) == 2
