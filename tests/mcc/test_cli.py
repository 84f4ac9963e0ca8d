"""``mcc``: built-in commands, plug-ins, exit codes, and no tracebacks on bad input."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from connector.presets import preset_names, preset_path
from mcc import cli as cli_module
from mcc import testapi
from mcc.cli import PLUGIN_GROUP, cli, main
from mcc.help_index import SHORT_HELP

SECRET = "KKcli0000000000000000000000000077"
ENV = {"OZONETEL_API_KEY": SECRET, "OZONETEL_USERNAME": "demouser"}
SAMPLES = [
    "--sample", "User:TelephonyAgentId=agent1",
    "--sample", "VirtualNumber=Inbound_918030000001",
    "--sample", "CustomerNumber=9876543210",
]  # fmt: skip


def _run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, prog_name="mcc")


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture(autouse=True)
def _fresh_plugins() -> Iterator[None]:
    loaded = cli._loaded
    saved = dict(loaded)
    loaded.clear()
    yield
    loaded.clear()
    loaded.update(saved)


def test_version() -> None:
    result = _run("--version")
    assert result.exit_code == 0
    assert result.output.startswith("mcc, version ")


def test_presets_lists_names_with_descriptions() -> None:
    result = _run("presets")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == preset_names()
    assert all(len(line.split(None, 1)) == 2 for line in lines)


def test_config_check_of_a_preset_summarises_it() -> None:
    result = _run("config", "check", "ozonetel")
    assert result.exit_code == 0
    assert result.stdout.startswith("OK: ozonetel (ozonetel, mode cloud_only)")
    assert (
        "click_to_call: GET https://api1.cloudagent.in/CAServices/AgentManualDial.php"
        in result.stdout
    )
    assert "${" not in result.stdout


def test_config_check_of_a_bad_file_prints_each_problem_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "apis:\n  click_to_call:\n    url: https://a.example\n    method: PUT\n    timout: 3\n"
    )
    result = _run("config", "check", str(path))
    assert result.exit_code == 2
    _no_traceback(result)
    assert result.stdout == ""
    assert "apis.click_to_call.method: 'PUT' is not GET or POST" in result.stderr
    assert "apis.click_to_call.timout: is not a known setting" in result.stderr


def test_config_check_of_an_unknown_name_lists_presets() -> None:
    result = _run("config", "check", "exotel")
    assert result.exit_code == 2
    _no_traceback(result)
    assert "known presets: generic, knowlarity, ozonetel" in result.stderr


def test_main_exits_with_the_command_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["config", "check", "no-such-preset"])
    assert info.value.code == 2
    assert "no-such-preset" in capsys.readouterr().err


# plug-ins ------------------------------------------------------------------------------


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mcc_plugin_good.py").write_text(
        "import click\n"
        "from connector.errors import ConfigError\n"
        "@click.group()\n"
        "def hello():\n    'Say hello.'\n"
        "@hello.command()\n"
        "def world():\n    click.echo('hello world')\n"
        "@hello.command()\n"
        "def bad():\n    raise ConfigError('bad.yaml: fix it')\n"
    )
    (tmp_path / "mcc_plugin_broken.py").write_text("raise ImportError('flask_missing')\n")
    (tmp_path / "mcc_plugin_odd.py").write_text("thing = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("mcc_plugin_good", "mcc_plugin_broken", "mcc_plugin_odd"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    points = [
        EntryPoint(name="hello", value="mcc_plugin_good:hello", group=PLUGIN_GROUP),
        EntryPoint(name="broken", value="mcc_plugin_broken:cmd", group=PLUGIN_GROUP),
        EntryPoint(name="odd", value="mcc_plugin_odd:thing", group=PLUGIN_GROUP),
        # A plug-in may not replace a built-in command.
        EntryPoint(name="presets", value="mcc_plugin_broken:cmd", group=PLUGIN_GROUP),
    ]
    monkeypatch.setattr(cli_module, "plugin_entry_points", lambda: points)


@pytest.mark.usefixtures("plugins")
def test_plugin_command_runs() -> None:
    result = _run("hello", "world")
    assert result.exit_code == 0
    assert result.stdout == "hello world\n"


@pytest.mark.usefixtures("plugins")
def test_help_lists_plugins_and_stays_quiet_about_broken_ones() -> None:
    result = _run("--help")
    assert result.exit_code == 0
    for name in ("hello", "broken", "odd", "presets", "config", "test-api"):
        assert f"  {name} " in result.stdout
    assert result.stderr == ""


def test_the_help_index_is_each_shipped_plugins_own_help() -> None:
    # mcc --help lists shipped plug-ins from SHORT_HELP without importing them:
    # every line there must be what the loaded command itself would print.
    shipped = cli_module.plugin_entry_points()
    assert sorted(point.value for point in shipped) == sorted(SHORT_HELP)
    for point in shipped:
        loaded = point.load()
        stand_in = click.Command(point.name, help=SHORT_HELP[point.value])
        for limit in (30, 45, 60, 200):
            assert stand_in.get_short_help_str(limit) == loaded.get_short_help_str(limit), point


HEAVY = ("pydantic", "httpx", "rich", "flask", "sqlite3", "locust", "jinja2", "yaml")


def _fresh(code: str) -> Any:
    """What ``code`` prints (a Python literal), run in a fresh interpreter after
    ``from mcc.cli import cli``; ``heavy`` there lists the HEAVY modules loaded."""
    prelude = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from mcc.cli import cli\n"
        f"def heavy(): return sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard
        check=True,
    )
    return ast.literal_eval(done.stdout.strip())


def test_help_lists_the_shipped_plugins_without_importing_them() -> None:
    # A fresh process: the listing and its widths are the ones a user sees, and
    # the plug-ins (with Flask, rich, pydantic, httpx behind them) stay unloaded.
    heavy, same, listing = _fresh(
        "lazy = CliRunner().invoke(cli, ['--help'], prog_name='mcc').output\n"
        "plugins = [m for m in ('calling.cli', 'contracts.cli', 'crm.cli', 'console.cli',"
        " 'simulator.cli') if m in sys.modules]\n"
        "before = heavy() + plugins\n"
        "for name in cli.list_commands(None):\n"
        "    cli.get_command(None, name)\n"
        "loaded = CliRunner().invoke(cli, ['--help'], prog_name='mcc').output\n"
        "print(repr((before, lazy == loaded, lazy)))\n"
    )
    assert heavy == []
    assert same, listing
    assert "  verify " in listing
    assert "  sim " in listing


@pytest.mark.usefixtures("plugins")
def test_broken_plugin_does_not_break_other_commands() -> None:
    assert _run("presets").exit_code == 0
    assert _run("hello", "world").exit_code == 0


@pytest.mark.usefixtures("plugins")
def test_broken_plugin_warns_in_one_line_when_invoked() -> None:
    result = _run("broken", "--anything", "x")
    assert result.exit_code == 1
    _no_traceback(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("mcc: warning: command 'broken' is unavailable")
    assert "flask_missing" in lines[0]


@pytest.mark.usefixtures("plugins")
def test_plugin_that_is_not_a_command_is_unavailable() -> None:
    result = _run("odd")
    assert result.exit_code == 1
    assert "is not a click command" in result.stderr


@pytest.mark.usefixtures("plugins")
def test_connector_error_in_a_plugin_is_bad_input() -> None:
    result = _run("hello", "bad")
    assert result.exit_code == 2
    _no_traceback(result)
    assert result.stderr == "mcc: bad.yaml: fix it\n"


def test_unknown_command_is_a_usage_error() -> None:
    result = _run("nope")
    assert result.exit_code == 2
    assert "No such command 'nope'" in result.stderr


# test-api --------------------------------------------------------------------------------


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        if req.url.params.get("agentID") == "agent2":
            return httpx.Response(200, json={"status": "Fail", "message": "Agent is not available"})
        return httpx.Response(200, json={"status": "queued successfully", "ucid": "9012"})

    monkeypatch.setattr(testapi, "make_transport", lambda: httpx.MockTransport(handler))
    return seen


def test_test_api_success(provider: list[httpx.Request]) -> None:
    result = _run("test-api", "ozonetel", "click_to_call", *SAMPLES, env=ENV)
    assert result.exit_code == 0, result.output
    assert "SUCCESS" in result.stdout
    assert SECRET not in result.output
    assert provider[0].url.params["api_key"] == SECRET
    assert provider[0].url.host == "api1.cloudagent.in"


def test_test_api_error_outcome_exits_1(provider: list[httpx.Request]) -> None:
    samples = [*SAMPLES, "--sample", "User:TelephonyAgentId=agent2"]
    result = _run("test-api", "ozonetel", "click_to_call", *samples, env=ENV)
    assert result.exit_code == 1
    assert "Agent is not available" in result.stdout


def test_test_api_target_rewrites_the_host(provider: list[httpx.Request]) -> None:
    args = ["test-api", "ozonetel", "click_to_call", *SAMPLES, "--target", "http://127.0.0.1:8001"]
    assert _run(*args, env=ENV).exit_code == 0
    assert str(provider[0].url).startswith("http://127.0.0.1:8001/CAServices/AgentManualDial.php?")


def test_test_api_bad_target_exits_2(provider: list[httpx.Request]) -> None:
    args = ["test-api", "ozonetel", "click_to_call", *SAMPLES, "--target", "ftp://x"]
    result = _run(*args, env=ENV)
    assert result.exit_code == 2
    assert "is not a base URL" in result.stderr
    assert provider == []


def test_test_api_lists_missing_tokens_and_exits_2(provider: list[httpx.Request]) -> None:
    result = _run("test-api", "ozonetel", "click_to_call", "--sample", "CustomerNumber=98", env=ENV)
    assert result.exit_code == 2
    _no_traceback(result)
    assert "--sample User:TelephonyAgentId=VALUE" in result.stderr
    assert "--sample VirtualNumber=VALUE" in result.stderr
    assert "CustomerNumber=VALUE" not in result.stderr
    assert provider == []


def test_test_api_refuses_an_unknown_sample_listing_the_apis_tokens(
    provider: list[httpx.Request],
) -> None:
    result = _run("test-api", "ozonetel", "click_to_call", *SAMPLES, "--sample", "Bogus=1", env=ENV)
    assert result.exit_code == 2
    _no_traceback(result)
    assert result.stderr == (
        "mcc: --sample Bogus: no token of click_to_call in ozonetel reads it; its tokens take"
        " User:TelephonyAgentId, VirtualNumber, User:mx_Custom_8, CustomerNumber\n"
    )
    assert provider == []


def test_test_api_refuses_a_sample_for_an_api_without_tokens(
    provider: list[httpx.Request],
) -> None:
    result = _run("test-api", "ozonetel", "did_list", "--sample", "CustomerNumber=98", env=ENV)
    assert result.exit_code == 2
    assert "no token of did_list in ozonetel reads it; it takes no sample" in result.stderr
    assert provider == []


def test_test_api_missing_secret_names_the_variable(provider: list[httpx.Request]) -> None:
    result = _run("test-api", "ozonetel", "click_to_call", *SAMPLES, env={"OZONETEL_API_KEY": ""})
    assert result.exit_code == 2
    _no_traceback(result)
    assert "OZONETEL_" in result.stderr
    assert "export it" in result.stderr
    assert provider == []


def test_test_api_bad_sample_syntax_exits_2(provider: list[httpx.Request]) -> None:
    result = _run("test-api", "ozonetel", "click_to_call", "--sample", "Lead:Phone", env=ENV)
    assert result.exit_code == 2
    assert "is not TOKEN=VALUE" in result.stderr


def test_test_api_unconfigured_api_exits_2(provider: list[httpx.Request]) -> None:
    result = _run("test-api", "knowlarity", "agent_popup", env=ENV)
    assert result.exit_code == 2
    assert "'agent_popup' is not configured" in result.stderr


def test_test_api_unknown_api_name_exits_2() -> None:
    result = _run("test-api", "ozonetel", "click2call")
    assert result.exit_code == 2
    assert "click_to_call" in result.stderr


def test_test_api_refuses_a_non_ascii_header_value_in_one_line(
    provider: list[httpx.Request], tmp_path: Path
) -> None:
    # A lead named Ünïcødé in a header template used to end in a UnicodeEncodeError traceback.
    config = yaml.safe_load(preset_path("ozonetel").read_text(encoding="utf-8"))
    config["apis"]["click_to_call"]["headers"] = {"X-Lead-Name": "@{Lead:FirstName}"}
    path = tmp_path / "named.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    samples = [*SAMPLES, "--sample", "Lead:FirstName=Ünïcødé 名前"]
    result = _run("test-api", str(path), "click_to_call", *samples, env=ENV)
    assert result.exit_code == 2
    _no_traceback(result)
    assert result.stderr.startswith(
        "mcc: headers.X-Lead-Name: the value of @{Lead:FirstName} holds non-ASCII characters"
    )
    assert "Ünïcødé" not in result.stderr
    assert provider == []


def test_test_api_refuses_a_sample_number_that_is_no_number(
    provider: list[httpx.Request],
) -> None:
    samples = SAMPLES[:4]  # all but CustomerNumber
    result = _run(
        "test-api", "ozonetel", "click_to_call", *samples, "--sample", "CustomerNumber=98x", env=ENV
    )
    assert result.exit_code == 2
    _no_traceback(result)
    assert "--sample CustomerNumber: '98x' is not a phone number" in result.stderr
    assert provider == []


def test_every_commands_help_imports_no_run_stack() -> None:
    # mcc <command> --help loads the command's module only: the connector's
    # config model, httpx, rich, Flask, SQLite and Locust wait until it runs.
    names, codes, heavy = _fresh(
        "names = cli.list_commands(None)\n"
        "codes = [CliRunner().invoke(cli, [n, '--help']).exit_code for n in names]\n"
        "print(repr((names, codes, heavy())))\n"
    )
    assert len(names) >= 14
    assert set(codes) == {0}
    assert heavy == []
