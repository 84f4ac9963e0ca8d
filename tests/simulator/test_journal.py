"""The journal: bounded, redacted, filterable."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.exceptions import RequestEntityTooLarge

from simulator import FakeClock, create_app

from .demo import KEY

pytestmark = pytest.mark.simulator


def _client(size: int = 1000) -> FlaskClient:
    app = create_app({"clock": FakeClock(), "journal_size": size, "deliver_callbacks": False})
    return app.test_client()


def test_journal_drops_the_oldest_beyond_its_size() -> None:
    client = _client(size=3)
    for n in range(5):
        client.get("/LeadSquare/PullDIDNumbers.php", query_string={"apiKey": KEY, "n": str(n)})
    entries = client.get("/_sim/journal").get_json()["entries"]
    assert [e["query"]["n"] for e in entries] == ["2", "3", "4"]


def test_journal_redacts_keys_in_query_params_and_headers() -> None:
    client = _client()
    client.post(
        "/Basic/v1/account/call/makecall",
        json={"k_number": "+918030000001"},
        headers={"x-api-key": "knowlarity-app-key-demo", "authorization": "secret-uuid"},
    )
    client.get("/click2call", query_string={"api_key": KEY, "username": "demouser"})
    client.post("/PullAPI", data={"apiKey": KEY, "userName": "demouser"})
    text = client.get("/_sim/journal").get_data(as_text=True)
    for secret in (KEY, "knowlarity-app-key-demo", "secret-uuid"):
        assert secret not in text
    entries = client.get("/_sim/journal").get_json()["entries"]
    assert entries[0]["headers"]["x-api-key"] == "***"
    assert entries[0]["headers"]["authorization"] == "***"
    assert entries[1]["query"]["api_key"] == "***"
    assert entries[2]["params"]["apiKey"] == "***"
    assert entries[2]["params"]["userName"] == "demouser"


def test_journal_records_operation_status_and_method() -> None:
    client = _client()
    client.post("/CAServices/AgentManualDial.php", data={"format": "json"})
    entry = client.get("/_sim/journal").get_json()["entries"][0]
    assert entry["operation"] == "ozonetel.agent_manual_dial"
    assert entry["method"] == "POST"
    assert entry["path"] == "/CAServices/AgentManualDial.php"
    assert entry["status"] == 200
    assert entry["time"] == "2024-01-15T04:30:00+00:00"


def test_journal_skips_control_plane_and_unknown_routes() -> None:
    client = _client()
    client.get("/_sim/state")
    client.get("/nope")
    assert client.get("/_sim/journal").get_json()["count"] == 0


def test_journal_filters_and_clear() -> None:
    client = _client()
    client.get("/PullAPI")
    client.post("/PullAPI")
    client.get("/click2call", query_string={"customerNumber": "@CustomerNumber"})
    client.get("/LeadSquare/PullDIDNumbers.php")

    def count(query: str) -> int:
        result: int = client.get(f"/_sim/journal?{query}").get_json()["count"]
        return result

    assert count("path=/PullAPI") == 2
    assert count("method=post") == 1
    assert count("operation=generic.pull_did_numbers") == 1
    assert count("flagged=true") == 1
    assert count("flagged=false") == 3
    limited = client.get("/_sim/journal?limit=1").get_json()["entries"]
    assert [e["path"] for e in limited] == ["/LeadSquare/PullDIDNumbers.php"]
    assert client.get("/_sim/journal?limit=x").status_code == 400
    client.delete("/_sim/journal")
    assert count("") == 0


@pytest.mark.parametrize(
    ("error", "status"),
    [(RuntimeError("boom"), 500), (RequestEntityTooLarge(), 413)],
    ids=["unexpected", "http-error"],
)
def test_a_route_that_raises_is_journaled_with_the_status_answered(
    error: Exception, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app({"clock": FakeClock(), "deliver_callbacks": False})
    from simulator.providers.ozonetel import models

    def raising(*_: object) -> None:
        raise error

    monkeypatch.setattr(models, "agent_manual_dial", raising)
    client = app.test_client()
    answer = client.get("/CAServices/AgentManualDial.php", query_string={"api_key": KEY})
    assert answer.status_code == status
    assert answer.get_json()["status"] == "error"
    [entry] = client.get("/_sim/journal").get_json()["entries"]
    assert entry["operation"] == "ozonetel.agent_manual_dial"
    assert entry["status"] == status
    assert entry["query"]["api_key"] == "***"


def test_a_failing_fault_step_is_journaled_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parameters are read by then: the request is a provider call and is kept.
    import simulator.app

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("broken fault")

    monkeypatch.setattr(simulator.app, "fault_response", broken)
    client = _client()
    answer = client.get("/click2call", query_string={"customerNumber": "9000000010"})
    assert answer.status_code == 500
    [entry] = client.get("/_sim/journal").get_json()["entries"]
    assert (entry["operation"], entry["status"]) == ("generic.click2call", 500)
    assert entry["flags"] == ["fault:status"]


def test_an_automatic_options_answer_is_not_a_provider_call() -> None:
    # Flask answers OPTIONS itself, without the route: no fault (9000000010
    # answers 500 to a provider call), no journal entry.
    client = _client()
    answer = client.options("/CAServices/AgentManualDial.php?customerNumber=9000000010")
    assert answer.status_code == 200
    assert "GET" in answer.headers["Allow"]
    assert client.get("/_sim/journal").get_json()["entries"] == []
