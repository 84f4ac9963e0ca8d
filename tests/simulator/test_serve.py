"""Serving the simulator over real loopback HTTP: in a thread, and as a process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from flask import Flask

from simulator import create_app
from simulator.cli import mask_secret, sim
from simulator.serve import RunningServer, start_in_thread, threads_for

from .demo import KEY as DEMO_KEY

pytestmark = pytest.mark.simulator

PULL_DIDS = "/LeadSquare/PullDIDNumbers.php"
URL_LINE = re.compile(r"Simulator listening on (http://127\.0\.0\.1:(\d+))")


def test_start_in_thread_serves_the_app_on_a_free_loopback_port() -> None:
    with start_in_thread(create_app()) as running:
        assert running.host == "127.0.0.1"
        assert running.port > 0
        assert running.base_url == f"http://127.0.0.1:{running.port}"
        answer = httpx.get(f"{running.base_url}{PULL_DIDS}", params={"apiKey": DEMO_KEY})
    assert answer.status_code == 200
    assert answer.json()["status"] == "success"


def test_stop_closes_the_port_and_ends_the_thread() -> None:
    running = start_in_thread(create_app())
    base_url = running.base_url
    running.stop()
    assert not running.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/_sim/state", timeout=2)
    running.stop()  # a second stop is harmless


def test_two_servers_keep_separate_state() -> None:
    with start_in_thread(create_app()) as first, start_in_thread(create_app()) as second:
        assert first.port != second.port
        httpx.post(f"{first.base_url}/_sim/seed", json={"dnd": ["9876543210"]})
        first_dnd = httpx.get(f"{first.base_url}/_sim/state").json()
        second_dnd = httpx.get(f"{second.base_url}/_sim/state").json()
    assert "9876543210" in str(first_dnd)
    assert "9876543210" not in str(second_dnd)


def test_concurrent_clients_are_all_answered() -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def client(base_url: str) -> None:
        with httpx.Client(base_url=base_url) as http:
            for _ in range(10):
                code = http.get(PULL_DIDS, params={"apiKey": DEMO_KEY}).status_code
                with lock:
                    statuses.append(code)

    with start_in_thread(create_app(), workers=2) as running:
        threads = [threading.Thread(target=client, args=(running.base_url,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 80


def test_threads_grow_with_workers_but_never_below_four() -> None:
    assert threads_for(1) == 4
    assert threads_for(4) == 16


def test_a_default_app_is_made_when_none_is_given() -> None:
    with start_in_thread() as running:
        assert httpx.get(f"{running.base_url}/_sim/state").status_code == 200


@pytest.mark.parametrize(
    ("secret", "masked"),
    [(DEMO_KEY, "*" * 30 + "0001"), ("abcd", "****"), ("", "")],
)
def test_mask_secret_keeps_only_the_last_four_characters(secret: str, masked: str) -> None:
    assert mask_secret(secret) == masked


def test_cli_rejects_a_missing_seed_file_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(sim, ["serve", "--seed", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml" in result.output
    assert "Traceback" not in result.output


def test_cli_rejects_an_invalid_seed_document(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("accounts: [1, 2]\n", encoding="utf-8")
    result = CliRunner().invoke(sim, ["serve", "--seed", str(seed)])
    assert result.exit_code == 2
    assert "accounts" in result.output


@pytest.fixture
def process_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def served(
    process_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "accounts:\n  acme:\n    username: acmeuser\n"
        "    api_key: KKacme00000000000000000000009876\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--seed", str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=process_env,
    )
    try:
        assert proc.stdout is not None
        # Read the banner line by line up to its last line: communicate() later
        # reads the raw pipe and would miss what readline() buffered.
        banner = ""
        while "Press Ctrl-C" not in banner and (line := proc.stdout.readline()):
            banner += line
        match = URL_LINE.search(banner)
        assert match, f"no URL line, got {banner!r}"
        yield proc, match.group(1), banner
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_python_m_simulator_serves_and_stops_cleanly_on_sigint(
    served: tuple[subprocess.Popen[str], str, str],
) -> None:
    proc, base_url, banner = served
    answer = httpx.get(
        f"{base_url}{PULL_DIDS}", params={"apiKey": "KKacme00000000000000000000009876"}
    )
    assert answer.json()["status"] == "success"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)  # a hang guard
    assert proc.returncode == 0
    assert "account acme: username acmeuser, api key " + "*" * 28 + "9876" in banner
    assert "KKacme" not in banner + out + err
    assert "Simulator stopped." in out
    assert "Traceback" not in err


def test_python_m_simulator_stops_cleanly_on_sigterm(
    served: tuple[subprocess.Popen[str], str, str],
) -> None:
    proc, _, _ = served
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)  # a hang guard
    assert proc.returncode == 0
    assert "Simulator stopped." in out
    assert err == ""


def test_running_server_type_is_exported_for_fixtures() -> None:
    app = create_app()
    assert isinstance(app, Flask)
    with start_in_thread(app) as running:
        assert isinstance(running, RunningServer)
        assert running.running


def test_the_reset_magic_number_drops_the_connection_mid_body() -> None:
    query = {
        "api_key": DEMO_KEY,
        "username": "demouser",
        "agentID": "agent1",
        "campaignName": "Inbound_918030000001",
        "customerNumber": "9000000014",
    }
    with start_in_thread(create_app()) as running:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{running.base_url}/click2call", params=query, timeout=5)
        # the server survives it and answers the next request
        assert httpx.get(f"{running.base_url}/_sim/state").status_code == 200


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn is POSIX only")
def test_gunicorn_serves_the_simulator_without_a_control_socket(
    process_env: dict[str, str], tmp_path: Path
) -> None:
    port = _free_port()
    # Gunicorn 27 would open gunicorn.ctl under $XDG_RUNTIME_DIR or
    # $HOME/.gunicorn: point both at a scratch folder and check it stays empty.
    env = {**process_env, "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "simulator", "--port", str(port), "--server", "gunicorn"]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        banner = ""
        while "Press Ctrl-C" not in banner and (line := proc.stdout.readline()):
            banner += line
        match = URL_LINE.search(banner)
        assert match, f"no URL line, got {banner!r}"
        answer = httpx.get(f"{match.group(1)}{PULL_DIDS}", params={"apiKey": DEMO_KEY})
        assert answer.json()["status"] == "success"
        # Checked while it runs: gunicorn removes its socket when it stops.
        assert not list(tmp_path.rglob("gunicorn.ctl")), "gunicorn opened a control socket"
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
