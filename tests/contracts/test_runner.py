"""The runner: event order, clean shutdown, and never a pass for a broken check."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import connector
from contracts.clauses.registry import Clause, Verdict, registered
from contracts.events import (
    ClauseFinished,
    ClauseInfo,
    ClauseStarted,
    RunFinished,
    RunStarted,
    Status,
)
from contracts.evidence import SafeText
from contracts.runner import CannotRunError, Options, _run_one, run, verify

pytestmark = pytest.mark.conformance

ENV = {"GENERIC_API_KEY": "CANARYrunnerKEY000000000000000003", "GENERIC_USERNAME": "runner"}


def test_events_come_in_order_and_the_summary_holds_every_result() -> None:
    config = connector.resolve_config("generic")
    events = list(run(config, options=Options(latency_calls=1, only=("did_list",)), env=ENV))
    assert isinstance(events[0], RunStarted)
    assert isinstance(events[-1], RunFinished)
    middle = events[1:-1]
    assert [type(e) for e in middle] == [ClauseStarted, ClauseFinished] * (len(middle) // 2)
    started = [e.clause.id for e in middle if isinstance(e, ClauseStarted)]
    assert started == ["did_list.numbers"]
    summary = events[-1].summary
    assert [r.clause.id for r in summary.results] == started
    assert summary.exit_code == 0


def test_stopping_early_stops_the_embedded_simulator() -> None:
    config = connector.resolve_config("generic")
    stream = run(config, options=Options(latency_calls=1, only=("did_list",)), env=ENV)
    first = next(stream)
    assert isinstance(first, RunStarted)
    base = first.info.target
    assert httpx.get(base + "/_sim/state").status_code == 200
    stream.close()
    with pytest.raises(httpx.TransportError):
        httpx.get(base + "/_sim/state", timeout=2)


def test_an_unknown_clause_prefix_is_refused_before_anything_starts() -> None:
    config = connector.resolve_config("generic")
    with pytest.raises(CannotRunError, match="no clause id starts with nothing"):
        next(run(config, options=Options(only=("nothing",)), env=ENV))


def test_every_clause_of_an_api_not_offered_skips_with_the_reason() -> None:
    generic = connector.resolve_config("generic")
    config = generic.model_copy(
        update={
            "apis": {name: api for name, api in generic.apis.items() if name != "agent_popup"},
            "not_offered": {"agent_popup": "this partner has no pop-up API"},
        }
    )
    only = ("agent_popup", "latency.agent_popup")
    summary = verify(config, options=Options(latency_calls=1, only=only), env=ENV)
    assert len(summary.results) == 9
    assert {r.status for r in summary.results} == {Status.SKIP}
    assert {r.message for r in summary.results} == {
        "the provider does not offer the agent_popup API: this partner has no pop-up API"
    }
    assert summary.exit_code == 0


def _clause(check: Any) -> Clause:
    return Clause(ClauseInfo("test.clause", "test", "a test clause"), check)


def test_a_check_that_crashes_is_an_error_never_a_pass() -> None:
    def broken(_ctx: Any) -> Verdict:
        raise RuntimeError("bug in the check")

    result = _run_one(_clause(broken), ctx=None, safe=SafeText())  # type: ignore[arg-type]
    assert result.status is Status.ERROR
    assert "RuntimeError: bug in the check" in result.message


def test_clause_messages_are_redacted_with_the_run_secrets() -> None:
    def leaky(_ctx: Any) -> Verdict:
        return Verdict(Status.FAIL, f"key {ENV['GENERIC_API_KEY']} was rejected")

    safe = SafeText([ENV["GENERIC_API_KEY"]])
    result = _run_one(_clause(leaky), ctx=None, safe=safe)  # type: ignore[arg-type]
    assert result.message == "key *** was rejected"


def test_clause_ids_are_unique_and_grouped_by_api() -> None:
    clauses = registered()
    ids = [c.info.id for c in clauses]
    assert len(ids) == len(set(ids))
    assert {c.info.api for c in clauses} == {
        "click_to_call",
        "agent_popup",
        "did_list",
        "call_log",
        "answers",
        "fuzz",
    }
    assert ids[-2:] == ["answers.json_or_nonjson", "answers.mapping_coverage"]
