"""``mcc console``: the same token rules as ``mcc serve``, one line and exit 2 for bad input."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import console.server
import console.sim_client
from mcc.cli import cli
from simulator import create_app
from simulator.serve import start_in_thread

pytestmark = pytest.mark.console

TOKEN = "cli-token-0123456789abcdef"
SECRET = "cli-secret-0123456789abcdef-0123456789abcd"
ENV = {
    "OZONETEL_API_KEY": "KKdemo0000000000000000000000000001",
    "OZONETEL_USERNAME": "demouser",
    "MCC_CALLLOG_TOKEN": TOKEN,
    "MCC_CONSOLE_SECRET": SECRET,
    "MCC_CONFIG": "",
    "MCC_BASE_URL": "",
}


def _mcc(*args: str, **env: str) -> Any:
    return CliRunner().invoke(cli, ["console", *args], env={**ENV, **env})


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the serving loop: say ready, return at once."""
    seen: list[str] = []

    def fake(server: Any, host: str, port: int, **kwargs: Any) -> None:
        seen.append(host)
        kwargs["on_ready"](f"http://{host}:{port}")

    monkeypatch.setattr(console.server, "serve", fake)
    return seen


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        ((), {}, "no connector config"),
        (("--config", "nope"), {}, "nope"),
        (("--config", "ozonetel"), {"MCC_CALLLOG_TOKEN": "tiny"}, "shorter than 16"),
        (("--config", "ozonetel"), {"MCC_CALLLOG_TOKEN": ""}, "no call-log token"),
        (("--config", "ozonetel"), {"MCC_CONSOLE_SECRET": "short"}, "MCC_CONSOLE_SECRET"),
        (("--config", "ozonetel", "--db", "/proc/x/crm.sqlite3"), {}, "cannot open the CRM"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], says: str
) -> None:
    result = _mcc(*args, **({"MCC_DB": str(tmp_path / "c.sqlite3")} | env))
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_file_that_is_not_a_database_is_named_once_with_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite3"
    db.write_text("these are notes, not an SQLite database\n" * 100)
    result = _mcc("--config", "ozonetel", "--db", str(db))
    assert result.exit_code == 2, result.output
    assert result.output.count("cannot open the CRM database") == 1, result.output
    assert str(db) in result.output
    assert "not an SQLite database" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _mcc(
            "--config", "ozonetel", "--db", str(tmp_path / "c.sqlite3"), "--port", str(port)
        )
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_pointed_at_the_simulator_it_wires_it_and_shows_the_panel(
    tmp_path: Path, no_serving: list[str]
) -> None:
    with start_in_thread(create_app()) as sim:
        result = _mcc(
            "--config", "ozonetel", "--base-url", sim.base_url, "--db", str(tmp_path / "c.sqlite3")
        )
        assert result.exit_code == 0, result.output
        assert "agent console on http://127.0.0.1:8081/" in result.output
        assert "call logs of 1 account(s) go to http://127.0.0.1:8081/calllog" in result.output
        state = httpx.get(f"{sim.base_url}/_sim/state").json()
    assert state["accounts"]["demo"]["callback_url"] == "http://127.0.0.1:8081/calllog?token=***"
    assert TOKEN not in result.output
    assert no_serving == ["127.0.0.1"]


def test_off_loopback_it_warns_and_a_partner_host_is_never_probed(
    tmp_path: Path, no_serving: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    probed: list[str] = []
    monkeypatch.setattr(console.sim_client, "is_simulator", lambda url: probed.append(url) or False)
    result = _mcc(
        "--config",
        "ozonetel",
        "--base-url",
        "https://partner.example",
        "--host",
        "0.0.0.0",
        "--db",
        str(tmp_path / "c.sqlite3"),
    )
    assert result.exit_code == 0, result.output
    assert "warning: binding 0.0.0.0, not loopback" in result.output
    assert "simulator:" not in result.output
    assert probed == []


def test_without_a_secret_sessions_last_one_run(tmp_path: Path, no_serving: list[str]) -> None:
    result = _mcc(
        "--config", "ozonetel", "--db", str(tmp_path / "c.sqlite3"), MCC_CONSOLE_SECRET=""
    )
    assert result.exit_code == 0, result.output
    assert "sessions end when the console stops" in result.output


@pytest.mark.parametrize("flag", [False, True])
def test_secure_cookies_mark_the_session_cookie_secure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: bool
) -> None:
    served: list[Any] = []

    def fake(server: Any, host: str, port: int, **kwargs: Any) -> None:
        served.append(server)

    monkeypatch.setattr(console.server, "serve", fake)
    args = ["--config", "ozonetel", "--db", str(tmp_path / "c.sqlite3")]
    result = _mcc(*args, *(["--secure-cookies"] if flag else []))
    assert result.exit_code == 0, result.output
    [server] = served
    assert server.console.config["SESSION_COOKIE_SECURE"] is flag
    # A browser then sends the session cookie only over https.
    login = server.console.test_client().get("/login")
    cookie = login.headers.get("Set-Cookie", "")
    assert cookie.startswith("mcc_console=")
    assert ("; Secure" in cookie) is flag
