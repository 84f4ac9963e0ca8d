"""Several worker processes: provider routes answer, the stateful control plane refuses."""

from __future__ import annotations

import gc

import pytest

from simulator import ConfigError, create_app

from .demo import AMD_JSON

pytestmark = pytest.mark.simulator

AMD = dict(AMD_JSON)  # a copy: a test may change it


def test_provider_routes_answer_with_several_workers() -> None:
    client = create_app({"worker_processes": 2, "deliver_callbacks": False}).test_client()
    answer = client.get("/CAServices/AgentManualDial.php", query_string=AMD).get_json()
    assert answer["status"] == "queued successfully"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_sim/state"),
        ("GET", "/_sim/journal"),
        ("GET", "/_sim/calls"),
        ("POST", "/_sim/reset"),
        ("POST", "/_sim/incoming"),
        ("POST", "/_sim/faults"),
        ("POST", "/_sim/seed"),
        ("POST", "/_sim/transitions"),
        ("GET", "/_sim/callbacks"),
    ],
)
def test_the_stateful_control_plane_refuses_with_several_workers(method: str, path: str) -> None:
    client = create_app({"worker_processes": 3, "deliver_callbacks": False}).test_client()
    answer = client.open(path, method=method, json={})
    assert answer.status_code == 409
    message = answer.get_json()["message"]
    assert "3 worker processes" in message
    assert "--server waitress" in message


def test_the_magic_number_table_is_the_same_in_every_worker() -> None:
    client = create_app({"worker_processes": 2}).test_client()
    assert client.get("/_sim/behaviours").status_code == 200


def test_one_worker_keeps_the_whole_control_plane() -> None:
    client = create_app({"deliver_callbacks": False}).test_client()
    assert client.get("/_sim/state").status_code == 200


@pytest.mark.parametrize("value", [0, 65, "2", True])
def test_worker_processes_is_range_checked(value: object) -> None:
    with pytest.raises(ConfigError, match="worker_processes"):
        create_app({"worker_processes": value})


def test_serving_with_several_gunicorn_workers_marks_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # serve() tells the simulator it is about to be copied into N processes;
    # gunicorn itself is not started here (its run loop is replaced).
    from gunicorn.app.base import BaseApplication

    from simulator import get_simulator
    from simulator.serve import serve

    monkeypatch.setattr(BaseApplication, "run", lambda self: None)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # not this test process's objects
    app = create_app({"deliver_callbacks": False})
    serve(app, "127.0.0.1", 18099, 2, server="gunicorn")
    assert get_simulator(app).config.worker_processes == 2
    assert app.test_client().get("/_sim/state").status_code == 409
