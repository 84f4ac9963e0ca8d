"""Step definitions for features/drift: a mutating partner against its own recording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from contracts.drift.check import DriftReport, check_drift
from contracts.drift.kinds import Verdict

scenarios("drift/detect.feature")

pytestmark = pytest.mark.drift


def _dnd(params: dict[str, str]) -> bool:
    return params.get("customerNumber", "").endswith("9000000001")


def _idle(params: dict[str, str]) -> bool:
    return params.get("agentPhoneNumber", "").endswith("9800000002")


@pytest.fixture
def state() -> dict[str, Any]:
    return {}


@given(parsers.parse('a partner recorded as the baseline for the "{config}" config'))
def _baseline(
    state: dict[str, Any], partner_factory: Any, kit: Any, tmp_path: Path, config: str
) -> None:
    partner = partner_factory(config)
    state.update(partner=partner, baseline=kit.record_baseline(partner, tmp_path / "baseline"))


@given('the partner now answers the DND refusal with status "Error"')
def _recase(state: dict[str, Any], kit: Any) -> None:
    change = kit.json_change(lambda d: {**d, "status": "Error"})
    state["partner"].mutations.append(kit.Mutation("/click2call", change, _dnd))


@given("the partner now answers the DND refusal with HTTP 400")
def _http_400(state: dict[str, Any], kit: Any) -> None:
    state["partner"].mutations.append(
        kit.Mutation("/click2call", lambda s, c, b: (400, c, b), _dnd)
    )


@given("the partner now answers the idle agent with a reworded message")
def _reword(state: dict[str, Any], kit: Any) -> None:
    change = kit.json_change(lambda d: {**d, "message": "Agent has no live call"})
    state["partner"].mutations.append(kit.Mutation("/PullAPI", change, _idle))


@given('the partner now answers the call id as "callRef" instead of "monitorUcid"')
def _rename(state: dict[str, Any], kit: Any) -> None:
    def edit(d: dict[str, Any]) -> dict[str, Any]:
        renamed = {k: v for k, v in d.items() if k != "monitorUcid"}
        return {**renamed, "callRef": d.get("monitorUcid")}

    state["partner"].mutations.append(
        kit.Mutation("/click2call", kit.json_change(edit), lambda p: not _dnd(p))
    )


def _check(state: dict[str, Any], fail_on: Verdict = Verdict.BREAKING) -> DriftReport:
    partner = state["partner"]
    report, _ = check_drift(
        partner.config,
        state["baseline"],
        partner.url,
        partner.fixtures,
        env=partner.env,
        fail_on=fail_on,
    )
    return report


@when(parsers.parse("the partner is probed again {times:d} times"), target_fixture="reports")
def _again_times(state: dict[str, Any], times: int) -> list[DriftReport]:
    return [_check(state) for _ in range(times)]


@when("the partner is probed again", target_fixture="reports")
def _again(state: dict[str, Any]) -> list[DriftReport]:
    return [_check(state)]


@when("the partner is probed again failing on benign drift", target_fixture="reports")
def _again_strict(state: dict[str, Any]) -> list[DriftReport]:
    return [_check(state, Verdict.BENIGN)]


@then("no probe drifted")
def _no_drift(reports: list[DriftReport]) -> None:
    for report in reports:
        assert [p.probe for p in report.probes if p.verdict is not None] == []


@then(parsers.parse("mcc drift would exit with {code:d}"))
def _exit(reports: list[DriftReport], code: int) -> None:
    assert {r.exit_code for r in reports} == {code}


@then(parsers.parse('the probe "{probe}" drifted with "{kind}"'))
def _drifted(state: dict[str, Any], reports: list[DriftReport], probe: str, kind: str) -> None:
    found = next(p for p in reports[-1].probes if p.probe == probe)
    assert kind in {str(d.kind) for d in found.drifts}, [d.describe() for d in found.drifts]
    state["found"] = found


@then(parsers.parse('its drift is "{verdict}"'))
def _verdict(state: dict[str, Any], verdict: str) -> None:
    assert str(state["found"].verdict) == verdict


@then(parsers.parse('the suggested rules include "{key}" as data'))
def _suggested(state: dict[str, Any], key: str) -> None:
    rules = {(r.key, str(r.outcome)) for r in state["found"].suggestions}
    assert (key, "data") in rules
