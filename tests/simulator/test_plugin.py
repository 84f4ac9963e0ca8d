"""The harness's pytest plugin, as a QA suite outside this repo would use it.

pytester runs a throwaway test file in a separate pytest session (in-process),
with the plugin loaded from its entry point like any installed plugin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .demo import KEY as DEMO_KEY

pytestmark = pytest.mark.simulator

PULL_DIDS = "/LeadSquare/PullDIDNumbers.php"


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # -p mcc: load the plugin explicitly even if plugin autoload is disabled.
    # -p no:playwright: pytest-playwright (the console's browser tests) wraps
    # every test call in Playwright's soft-assertion scope; in-process, the
    # inner run would open a second scope inside this test's and fail.
    return pytester.runpytest_inprocess(
        "-p", "mcc", "-p", "no:cacheprovider", "-p", "no:playwright", *args
    )


def test_sim_client_talks_to_a_fresh_app_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        def test_first(sim_client):
            assert sim_client.post("/_sim/seed", json={{"dnd": ["9876543210"]}}).status_code == 200
            assert "9876543210" in sim_client.get("/_sim/state").json["dnd"]

        def test_second_sees_no_state_of_the_first(sim_client):
            assert sim_client.get("/_sim/state").json["dnd"] == []

        def test_dids(sim_client):
            answer = sim_client.get("{PULL_DIDS}", query_string={{"apiKey": "{DEMO_KEY}"}})
            assert answer.json["status"] == "success"
        """
    )
    result = _run(pytester)
    result.assert_outcomes(passed=3)


def test_sim_server_serves_over_loopback_http(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import httpx

        def test_server(sim_server, sim_app):
            assert sim_server.base_url.startswith("http://127.0.0.1:")
            url = sim_server.base_url + "{PULL_DIDS}"
            answer = httpx.get(url, params={{"apiKey": "{DEMO_KEY}"}})
            assert answer.json()["status"] == "success"
            # the server serves the very app of the sim_app fixture
            sim_app.test_client().post("/_sim/seed", json={{"dnd": ["9876543210"]}})
            assert "9876543210" in httpx.get(sim_server.base_url + "/_sim/state").json()["dnd"]

        def test_session_server_is_shared(sim_server_session):
            httpx.post(sim_server_session.base_url + "/_sim/seed", json={{"dnd": ["9876543211"]}})

        def test_session_server_keeps_state(sim_server_session):
            state = httpx.get(sim_server_session.base_url + "/_sim/state").json()
            assert "9876543211" in state["dnd"]
        """
    )
    result = _run(pytester, "-p", "no:randomly")
    result.assert_outcomes(passed=3)


def test_sim_seed_option_loads_a_seed_file(pytester: pytest.Pytester, tmp_path: Path) -> None:
    seed = tmp_path / "acme.yaml"
    seed.write_text(
        "accounts:\n  acme:\n    username: acmeuser\n"
        "    api_key: KKacme0000000000000000000000000001\n",
        encoding="utf-8",
    )
    pytester.makepyfile(
        """
        def test_seeded(sim_client):
            assert set(sim_client.get("/_sim/state").json["accounts"]) == {"acme"}
        """
    )
    result = _run(pytester, "--sim-seed", str(seed))
    result.assert_outcomes(passed=1)


def test_a_bad_sim_seed_is_a_usage_error_naming_the_file(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makepyfile("def test_x(sim_client): pass")
    result = _run(pytester, "--sim-seed", str(tmp_path / "missing.yaml"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--sim-seed*missing.yaml*"])


def test_sim_config_can_be_overridden_by_the_suite(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def sim_config():
            return {"random_seed": 3}
        """
    )
    pytester.makepyfile(
        """
        def _ucid(client):
            answer = client.get("/click2call", query_string={
                "api_key": "KKdemo0000000000000000000000000001", "username": "demouser",
                "agentID": "agent1", "campaignName": "Inbound_918030000001",
                "customerNumber": "9876543210"})
            return answer.json["monitorUcid"]

        def test_a(sim_client, sim_app):
            from simulator import create_app
            other = create_app({"random_seed": 3}).test_client()
            assert _ucid(sim_client) == _ucid(other)
        """
    )
    result = _run(pytester)
    result.assert_outcomes(passed=1)


def test_the_option_is_listed_in_help(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--help")
    result.stdout.fnmatch_lines(["*--sim-seed=FILE*"])
