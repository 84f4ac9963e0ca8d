"""The app factory: isolation, config forms, repeatable ids, JSON errors."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from simulator import ConfigError, FakeClock, SimulatorConfig, create_app, get_simulator
from simulator.ids import IdSource

from .demo import AMD_JSON, KEY

pytestmark = pytest.mark.simulator

AMD = dict(AMD_JSON)  # a copy: a test may change it


def _ucids(random_seed: int, n: int = 3) -> list[str]:
    client = create_app({"random_seed": random_seed, "deliver_callbacks": False}).test_client()
    return [
        client.get("/CAServices/AgentManualDial.php", query_string=AMD).get_json()["ucid"]
        for _ in range(n)
    ]


def test_same_random_seed_gives_the_same_ids() -> None:
    first = _ucids(42)
    assert first == _ucids(42)
    assert first != _ucids(43)
    assert len(set(first)) == 3


def test_id_source_shapes_and_reset() -> None:
    ids = IdSource(9)
    ucid, call_id = ids.ucid(), ids.call_id()
    assert ucid.isdigit()
    assert 16 <= len(ucid) <= 17
    assert call_id.count("-") == 4
    assert call_id[14] == "4"
    ids.reset()
    assert (ids.ucid(), ids.call_id()) == (ucid, call_id)


def test_reset_replays_the_same_ids() -> None:
    client = create_app({"random_seed": 1, "deliver_callbacks": False}).test_client()
    path = "/CAServices/AgentManualDial.php"
    first = client.get(path, query_string=AMD).get_json()["ucid"]
    client.post("/_sim/reset")
    assert client.get(path, query_string=AMD).get_json()["ucid"] == first


def test_two_apps_never_share_state() -> None:
    one, two = create_app(), create_app()
    assert get_simulator(one) is not get_simulator(two)
    one.test_client().post("/_sim/seed", json={"dnd": ["9811111111"]})
    one.test_client().get("/PullAPI")
    assert get_simulator(one).directory.dnd == {"9811111111"}
    assert get_simulator(two).directory.dnd == set()
    assert len(get_simulator(one).journal) == 1
    assert len(get_simulator(two).journal) == 0


def test_config_as_dataclass_or_mapping() -> None:
    clock = FakeClock()
    app = create_app(SimulatorConfig(clock=clock, journal_size=5, transitions="manual"))
    sim = get_simulator(app)
    assert (sim.journal._entries.maxlen, sim.mode, sim.now()) == (5, "manual", clock())
    assert get_simulator(create_app({"transitions": "timed"})).mode == "timed"


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"jurnal_size": 3}, "unknown simulator config key(s): jurnal_size"),
        ({"transitions": "slow"}, "transitions must be one of immediate, manual, timed"),
        ({"journal_size": 0}, "journal_size must be a whole number from 1 to 100000, not 0"),
        ({"hang_s": 3600}, "hang_s must be a number from 0 to 60, not 3600"),
        ({"hang_s": float("nan")}, "hang_s must be a number from 0 to 60, not nan"),
        ({"max_held_requests": 0}, "max_held_requests must be a whole number from 1 to 256"),
    ],
)
def test_bad_config_says_what_to_fix(config: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        create_app(config)


def test_default_seed_matches_interfaces() -> None:
    sim = get_simulator(create_app())
    account = sim.directory.accounts["demo"]
    assert (account.username, account.api_key) == ("demouser", KEY)
    assert account.knowlarity_api_key == "knowlarity-app-key-demo"
    assert account.knowlarity_authorization == "00000000-0000-4000-8000-000000000001"
    assert account.callback_url is None
    agents = sim.directory.agents
    assert agents["agent1"].can_manual_dial
    assert agents["agent1"].phone == "9800000001"
    assert not agents["agent2"].logged_in
    assert agents["agent3"].phone_name == "agent3"
    assert agents["agent3"].offline
    assert sim.directory.campaigns["Inbound_918030000001"].did == "8030000001"
    assert sim.directory.dids == ["8030000001", "8030000002"]


def test_seed_inline_and_from_file(tmp_path: Path) -> None:
    doc = {
        "accounts": {"acme": {"username": "acme", "api_key": "KKacme"}},
        "agents": {"a": {"phone": "+91 98111 11111"}},
        "dids": ["918040000001"],
    }
    inline = get_simulator(create_app({"seed": doc}))
    assert list(inline.directory.accounts) == ["acme"]
    assert inline.directory.agents["a"].phone == "9811111111"
    path = tmp_path / "seed.yaml"
    path.write_text("dids: ['08040000009']\n", encoding="utf-8")
    from_file = get_simulator(create_app({"seed_path": path}))
    assert from_file.directory.dids == ["8040000009"]


def test_unknown_route_and_wrong_method_answer_json() -> None:
    client = create_app().test_client()
    missing = client.get("/x")
    assert (missing.status_code, missing.get_json()) == (
        404,
        {"status": "error", "message": "no such route: GET /x"},
    )
    wrong = client.delete("/click2call")
    assert wrong.status_code == 405
    assert wrong.get_json()["message"] == "method not allowed: DELETE /click2call (use GET, POST)"
    assert wrong.headers["Allow"] == "GET, HEAD, OPTIONS, POST"  # RFC 9110, as Flask's own 405


def test_operations_are_registered() -> None:
    assert get_simulator(create_app()).operations == {
        "generic.click2call",
        "generic.pull_api",
        "generic.pull_did_numbers",
        "ozonetel.agent_manual_dial",
        "ozonetel.phone_manual_dial",
        "ozonetel.pull_api",
        "ozonetel.running_dids",
        "knowlarity.makecall",
        "knowlarity.numbers",
    }


def test_concurrent_requests_keep_state_consistent() -> None:
    app = create_app({"random_seed": 11, "deliver_callbacks": False})
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        client = app.test_client()
        for _ in range(15):
            body = client.get("/CAServices/AgentManualDial.php", query_string=AMD).get_json()
            with lock:
                results.append(body["ucid"])

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sim = get_simulator(app)
    assert len(results) == len(set(results)) == 90
    assert set(sim.calls.calls) == set(results)
    assert len(sim.journal) == 90
    assert len(sim.outbox.deliveries()) == 90


def test_callback_backoff_is_configurable_and_checked() -> None:
    from simulator import ConfigError, create_app, get_simulator

    sim = get_simulator(create_app({"callback_backoff_base_s": 0.1, "callback_backoff_cap_s": 0.4}))
    assert (sim.outbox.backoff_base_s, sim.outbox.backoff_cap_s) == (0.1, 0.4)
    with pytest.raises(ConfigError, match="callback_backoff_base_s"):
        create_app({"callback_backoff_base_s": 5, "callback_backoff_cap_s": 1})
