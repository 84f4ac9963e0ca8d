"""Record, replay, and an unchanged partner: the round trip and what never leaks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from click.testing import CliRunner

import connector
from contracts.cassettes.format import read_directory, write_directory
from contracts.clauses.context import Options
from contracts.drift.check import check_drift
from contracts.fixtures import EMBEDDED
from contracts.record import SAFE_CLAUSES, record
from contracts.runner import verify
from simulator.cli import sim
from simulator.replay import ReplayError, create_replay_app

CANARY = {
    "GENERIC_API_KEY": "CANARYcassetteKEY0000000000000077",
    "GENERIC_USERNAME": "canary-cassette-user",
}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The embedded simulator recorded once (generic, every clause but latency)."""
    directory = tmp_path_factory.mktemp("generic")
    recording = record(
        connector.resolve_config("generic"), options=Options(latency_calls=0), env=CANARY
    )
    write_directory(directory, recording.index, recording.cassettes)
    return directory, {r.clause.id: str(r.status) for r in recording.summary.results}


def test_no_secret_or_customer_number_reaches_a_cassette(
    recorded: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    directory, _ = recorded
    _index, cassettes = read_directory(directory)
    har = tmp_path / "run.har"
    runner = CliRunner()
    result = runner.invoke(
        __import__("contracts.cassettes.cli", fromlist=["record"]).record,
        ["--config", "generic", "--out", str(tmp_path / "out"), "--har", str(har)],
        env=CANARY,
    )
    assert result.exit_code == 0, result.output
    texts = [p.read_text() for p in directory.glob("*.json")]
    texts += [p.read_text() for p in (tmp_path / "out").glob("*.json")] + [har.read_text()]
    assert len(texts) > 20
    for secret in CANARY.values():
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            assert not any(form in text for text in texts), form
    # Customer numbers keep only their last four digits.
    for number in ("9812345678", "9876501234", "9000000001"):
        assert not any(number in text for text in texts), number
    assert any("******5678" in text for text in texts)
    assert any(c.call_logs for c in cassettes)
    har_doc = json.loads(har.read_text())
    assert har_doc["log"]["version"] == "1.2"
    assert len(har_doc["log"]["entries"]) == len(list((tmp_path / "out").glob("*.json"))) - 1


def test_verify_against_the_replay_passes_the_clauses_the_live_run_passed(
    recorded: tuple[Path, dict[str, str]], sim_replay: Any
) -> None:
    directory, live = recorded
    server = sim_replay(directory, fixtures=EMBEDDED.model_dump(exclude_none=True))
    summary = verify(
        connector.resolve_config("generic"),
        server.base_url,
        EMBEDDED,
        Options(latency_calls=0),
        env={"GENERIC_API_KEY": "replay-key-0000000000000001", "GENERIC_USERNAME": "replayer"},
    )
    replayed = {r.clause.id: str(r.status) for r in summary.results}
    differs = {c: (live[c], replayed[c]) for c in live if live[c] != replayed[c]}
    assert differs == {}
    assert replayed["agent_popup.error.max_limit"] == "pass"
    assert replayed["callback.answered"] == "pass"
    assert replayed["callback.retry"] == "pass"


def test_an_unchanged_partner_never_drifts(tmp_path: Path) -> None:
    config = connector.resolve_config("generic")
    only = ("click_to_call.success", "click_to_call.dnd", "agent_popup", "did_list")
    recording = record(config, options=Options(latency_calls=0, only=only), env=CANARY)
    write_directory(tmp_path, recording.index, recording.cassettes)
    for _ in range(20):
        report, _recording = check_drift(config, tmp_path, env=CANARY)
        drifted = [(p.probe, [d.describe() for d in p.drifts]) for p in report.probes if p.verdict]
        assert drifted == []
        assert report.exit_code == 0
        assert report.counts["unchanged"] == len(recording.cassettes)


def test_safe_only_sends_only_error_path_probes(tmp_path: Path) -> None:
    recording = record(connector.resolve_config("generic"), env=CANARY, safe_only=True)
    clauses = {c.clause for c in recording.cassettes}
    assert clauses <= set(SAFE_CLAUSES)
    assert {"click_to_call.dnd", "agent_popup.error.no_call"} <= clauses
    assert all(c.outcome["kind"] == "error" for c in recording.cassettes)
    assert recording.index.safe_only


def test_a_request_no_probe_matches_gets_a_json_404(
    recorded: tuple[Path, dict[str, str]],
) -> None:
    directory, _ = recorded
    client = create_replay_app(directory).test_client()
    answer = client.get("/nowhere")
    assert answer.status_code == 404
    assert "no recorded answer" in answer.get_json()["message"]
    dnd = client.get(
        "/click2call",
        query_string={
            "api_key": "k",
            "username": "u",
            "agentID": "agent1",
            "campaignName": "Inbound_918030000001",
            "customerNumber": "+91-9000000001",
        },
    )
    assert dnd.get_json()["status"] == "error"


def test_replay_regenerates_call_ids(recorded: tuple[Path, dict[str, str]]) -> None:
    directory, _ = recorded
    app = create_replay_app(directory, fixtures=EMBEDDED.model_dump(exclude_none=True))
    query = {
        "api_key": "k",
        "username": "u",
        "agentID": "agent1",
        "campaignName": "Inbound_918030000001",
        "customerNumber": "+91-9812345678",
    }
    client = app.test_client()
    ids = {
        client.get("/click2call", query_string=query).get_json()["monitorUcid"] for _ in range(3)
    }
    assert len(ids) == 3


def test_a_bad_cassette_directory_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=r"no cassette\.json"):
        create_replay_app(tmp_path)
    (tmp_path / "cassette.json").write_text("{not json")
    with pytest.raises(ReplayError, match="not readable JSON"):
        create_replay_app(tmp_path)
    result = CliRunner().invoke(sim, ["serve", "--replay", str(tmp_path), "--port", "0"])
    assert result.exit_code == 2
    assert "not readable JSON" in result.output
    assert "Traceback" not in result.output


def test_replay_answers_over_http(recorded: tuple[Path, dict[str, str]], sim_replay: Any) -> None:
    directory, _ = recorded
    server = sim_replay(directory)
    answer = httpx.get(f"{server.base_url}/LeadSquare/PullDIDNumbers.php?apiKey=k&userName=u")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
