"""mcc load's command line: bad input is one line and exit 2, and mcc never imports Locust."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from click.testing import CliRunner

from mcc.cli import cli


def _load(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["load", *args], env=env or {})
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--config", "generic", "--mix", "click_to_cal=1"],
            "--mix: unknown name 'click_to_cal'; use click_to_call, agent_popup, did_list",
        ),
        (
            ["--config", "knowlarity", "--mix", "agent_popup=1"],
            "--mix agent_popup: config 'knowlarity' cannot call it: the provider does not offer it",
        ),
        (
            ["--config", "generic", "--duration", "5 minutes"],
            "--duration '5 minutes' is not a duration like 90, 30s, 5m, 1h or 1h30m",
        ),
        (["--config", "generic", "--duration", "25h"], "--duration 25h is more than 24h"),
        (
            ["--config", "generic", "--p95", "agent_popup=soon"],
            "--p95 agent_popup 'soon' is not a duration",
        ),
        (
            ["--config", "generic", "--mix", "did_list=1", "--p95", "agent_popup=1s"],
            "--p95 agent_popup: not in the mix (did_list)",
        ),
        (["--config", "generic", "--max-rps", "0"], "--max-rps must be more than 0"),
        (["--config", "generic", "--users", "0"], "Invalid value for '--users'"),
        (["--config", "nosuch"], "nosuch"),
        ([], "--config is required"),
        (
            ["--config", "generic", "--target", "https://staging.partner.example"],
            "is not on this machine; a load run against it places real calls and writes real"
            " data: add --yes to go ahead",
        ),
        (["--calllog", "http://10.1.2.3:8081"], "add --yes to go ahead"),
        (
            ["--worker", "--config", "generic"],
            "a worker takes its traffic from the master; leave out --config",
        ),
        (["--master", "--worker"], "--master and --worker exclude each other"),
        (
            ["--master", "--processes", "2", "--config", "generic"],
            "--processes already makes this run the master",
        ),
        (["--config", "generic", "--expect-workers", "2"], "--expect-workers needs --master"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], says: str) -> None:
    code, stderr = _load(*args)
    assert code == 2, stderr
    assert stderr.startswith("mcc load: ")
    assert says in stderr
    assert stderr.count("\n") == 1, stderr


def test_processes_make_a_loopback_master_of_local_workers() -> None:
    from contracts.load.launch import Role, locust_argv

    role = Role("local", processes=2, master_port=45678, bind_host="127.0.0.1")
    argv = locust_argv(role, user_class="ConnectorFastUser", users=4, duration_s=3, host="h")
    assert argv[1:3] == ["-m", "locust"]
    assert "--master" not in argv  # Locust's --processes makes the parent the master
    at = argv.index("--processes")
    assert argv[at + 1] == "2"
    assert "--worker" not in argv
    assert argv[argv.index("--master-bind-host") + 1] == "127.0.0.1"
    assert argv[argv.index("--master-bind-port") + 1] == "45678"
    assert argv[argv.index("--master-port") + 1] == "45678"  # where the forked workers connect
    worker = locust_argv(Role("worker", processes=3, master_host="a.example", master_port=5557))
    assert worker[-7:] == ["--processes", "3", "--worker", "--master-host", "a.example",
                           "--master-port", "5557"]  # fmt: skip


def test_without_locust_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "locust" else real(name, *a)
    )
    code, stderr = _load("--config", "generic")
    assert code == 2
    assert stderr == (
        "mcc load: Locust is not installed; install the load extra: pip install -e '.[load]'"
        " (or pip install 'locust==2.47.0')\n"
    )


def test_mcc_and_mcc_load_import_neither_locust_nor_gevent() -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from mcc.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
        "assert CliRunner().invoke(cli, ['load', '--help']).exit_code == 0\n"
        "import contracts.load.cli, contracts.load.traffic, contracts.load.calllogs\n"
        "roots = ('locust', 'gevent', 'greenlet')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]", out.stderr


def test_this_test_process_is_not_monkey_patched() -> None:
    # Locust's pytest plugin is off (-p no:locust) and nothing here imports Locust.
    assert "locust" not in sys.modules
    assert "gevent" not in sys.modules
