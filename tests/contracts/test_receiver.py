"""The call-log receiver of ``mcc verify`` answers a wrong method as HTTP says."""

from __future__ import annotations

import httpx
import pytest

import connector
from contracts.receiver import CallLogReceiver

pytestmark = pytest.mark.conformance


def test_a_method_other_than_post_is_405_naming_post() -> None:
    receiver = CallLogReceiver(connector.CallLogFormat.OZONETEL).start()
    try:
        answer = httpx.get(receiver.listen_url, timeout=30)  # a hang guard
    finally:
        receiver.close()
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "POST"
    assert answer.json() == {"status": "error", "message": "POST call logs here"}
    assert receiver.deliveries() == []
