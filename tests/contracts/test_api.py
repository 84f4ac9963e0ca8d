"""The programmatic API: ``import contracts`` alone runs a verification."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import connector
import contracts
from contracts import runner

pytestmark = pytest.mark.conformance

ENV = {"GENERIC_API_KEY": "CANARYapiKEY00000000000000000000011", "GENERIC_USERNAME": "api-user"}
INIT = Path(contracts.__file__)


def test_all_is_sorted_and_every_name_resolves() -> None:
    names = contracts.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(contracts, name) is not None, name
        assert name in dir(contracts)
    assert contracts.run is runner.run
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = contracts.nothing  # type: ignore[attr-defined]


def test_the_lazy_homes_match_what_type_checkers_see() -> None:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    seen = {
        alias.name: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert seen == contracts._HOMES
    assert sorted(seen) == contracts.__all__


def test_importing_contracts_is_cheap_and_never_imports_the_simulator() -> None:
    # A fresh interpreter: this one has imported everything already.
    probe = (
        "import sys, contracts\n"
        "heavy = {'connector', 'httpx', 'simulator', 'contracts.runner'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "for name in contracts.__all__:\n"
        "    getattr(contracts, name)\n"
        "assert 'simulator' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_verify_returns_the_summary_that_draining_run_gives() -> None:
    config = connector.resolve_config("generic")
    options = contracts.Options(latency_calls=1, only=("did_list", "click_to_call.success"))
    summary = contracts.verify(config, options=options, env=ENV)
    events = list(contracts.run(config, options=options, env=ENV))
    finished = events[-1]
    assert isinstance(finished, contracts.RunFinished)

    def statuses(found: contracts.RunSummary) -> dict[str, contracts.Status]:
        return {r.clause.id: r.status for r in found.results}

    assert statuses(summary) == statuses(finished.summary)
    assert list(statuses(summary)) == ["click_to_call.success", "did_list.numbers"]
    assert summary.counts == finished.summary.counts
    assert summary.exit_code == finished.summary.exit_code == 0
    # verify drained the stream, so the embedded simulator is stopped already.
    with pytest.raises(httpx.TransportError):
        httpx.get(summary.info.target + "/_sim/state", timeout=2)


def test_verify_raises_the_package_errors() -> None:
    config = connector.resolve_config("generic")
    with pytest.raises(contracts.CannotRunError, match="no clause id starts with nothing"):
        contracts.verify(config, options=contracts.Options(only=("nothing",)), env=ENV)
    assert issubclass(contracts.CannotRunError, contracts.ContractsError)
