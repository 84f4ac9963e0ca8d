"""The drift corpus: the simulator's generic dialect under controlled mutations.

Each mutation must be found with its telephony-named kind and the verdict the
connector's own rules give: breaking only when the connector would decide
differently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contracts.drift.check import ProbeDrift, check_drift
from contracts.drift.kinds import DriftKind, Verdict


def _dnd(params: dict[str, str]) -> bool:
    return params.get("customerNumber", "").endswith("9000000001")


def _no_call(params: dict[str, str]) -> bool:
    return params.get("agentPhoneNumber", "").endswith("9800000002")


def _xml(status: int, content_type: str, body: bytes) -> tuple[int, str, bytes]:
    import json

    doc = json.loads(body)
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in doc.items())
    return status, "text/xml", f"<response>{inner}</response>".encode()


def _recase(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "status": str(doc["status"]).capitalize()}


def _reword(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "message": "No live call for this agent right now"}


def _to_400(status: int, content_type: str, body: bytes) -> tuple[int, str, bytes]:
    return 400, content_type, body


def _add_field(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "region": "south"}


def _drop_id(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "monitorUcid"}


def _drop_status(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "status"}


# (name, path, when, change (kit -> Change), probe, kind, verdict)
CASES: list[
    tuple[str, str, Callable[[dict[str, str]], bool] | None, Any, str, DriftKind, Verdict]
] = [
    (
        "recase a status",
        "/click2call",
        _dnd,
        lambda k: k.json_change(_recase),
        "click_to_call.dnd",
        DriftKind.STATUS_CASE_CHANGED,
        Verdict.BENIGN,
    ),
    (
        "reword an error",
        "/PullAPI",
        _no_call,
        lambda k: k.json_change(_reword),
        "agent_popup.error.no_call",
        DriftKind.MESSAGE_TEXT_CHANGED,
        Verdict.BENIGN,
    ),
    (
        "XML instead of JSON",
        "/PullAPI",
        _no_call,
        lambda k: _xml,
        "agent_popup.error.no_call",
        DriftKind.BODY_KIND_CHANGED,
        Verdict.BREAKING,
    ),
    (
        "error moved to HTTP 400",
        "/click2call",
        _dnd,
        lambda k: _to_400,
        "click_to_call.dnd",
        DriftKind.ERROR_HTTP_STATUS_CHANGED,
        Verdict.BENIGN,
    ),
    (
        "a new field",
        "/click2call",
        lambda p: not _dnd(p),
        lambda k: k.json_change(_add_field),
        "click_to_call.success",
        DriftKind.FIELD_ADDED,
        Verdict.BENIGN,
    ),
    (
        "a dropped field (the call id)",
        "/click2call",
        lambda p: not _dnd(p),
        lambda k: k.json_change(_drop_id),
        "click_to_call.success",
        DriftKind.FIELD_REMOVED,
        Verdict.BREAKING,
    ),
    (
        "a dropped status",
        "/PullAPI",
        _no_call,
        lambda k: k.json_change(_drop_status),
        "agent_popup.error.no_call",
        DriftKind.FIELD_REMOVED,
        Verdict.BREAKING,
    ),
    (
        "DD/MM/YYYY dates in the answer",
        "/click2call",
        lambda p: not _dnd(p),
        lambda k: lambda s, c, b: (s, c, k.dd_mm_yyyy(b)),
        "click_to_call.success",
        DriftKind.TIME_FORMAT_CHANGED,
        Verdict.BENIGN,
    ),
]


@pytest.fixture
def baseline(tmp_path: Path, partner_factory: Any, kit: Any) -> Path:
    partner = partner_factory()
    return kit.record_baseline(partner, tmp_path / "baseline")


def _find(report_probes: tuple[ProbeDrift, ...], probe: str) -> ProbeDrift:
    return next(p for p in report_probes if p.probe == probe)


@pytest.mark.parametrize(
    ("path", "when", "change", "probe", "kind", "verdict"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_mutation_is_found_with_its_kind_and_verdict(  # noqa: PLR0917 - parametrized
    baseline: Path,
    partner_factory: Any,
    kit: Any,
    path: str,
    when: Callable[[dict[str, str]], bool],
    change: Any,
    probe: str,
    kind: DriftKind,
    verdict: Verdict,
) -> None:
    partner = partner_factory()
    partner.mutations.append(kit.Mutation(path, change(kit), when))
    report, _ = check_drift(
        partner.config, baseline, partner.url, partner.fixtures, env=partner.env
    )
    found = _find(report.probes, probe)
    assert kind in {d.kind for d in found.drifts}, [d.describe() for d in found.drifts]
    assert found.verdict is verdict
    # Nothing else drifted: the mutation touched only this probe's answers.
    others = [p.probe for p in report.probes if p.verdict is not None and p.api != found.api]
    assert others == []
    assert report.exit_code == (1 if verdict is Verdict.BREAKING else 0)
    if verdict is Verdict.BREAKING:
        assert found.diff.startswith("--- a/baseline/")


def test_dd_mm_yyyy_in_call_logs_is_a_callback_format_drift(
    tmp_path: Path, partner_factory: Any, kit: Any
) -> None:
    partner = partner_factory()
    # A call log that cannot be read never matches its call: wait 1 s, not 20.
    partner.fixtures = partner.fixtures.model_copy(update={"callback_budget_s": 1.0})
    directory = kit.record_baseline(partner, tmp_path / "calllogs", ("callback.answered",))
    partner.call_log_change = kit.dd_mm_yyyy
    report, _ = check_drift(
        partner.config, directory, partner.url, partner.fixtures, env=partner.env
    )
    found = _find(report.probes, "callback.answered")
    kinds = {d.kind for d in found.drifts}
    assert DriftKind.CALLBACK_FORMAT_CHANGED in kinds
    where = {d.where for d in found.drifts if d.kind is DriftKind.CALLBACK_FORMAT_CHANGED}
    assert {"StartTime", "EndTime"} <= where
    # The connector's call-log parser reads either form or not: the verdict follows it.
    assert (found.verdict is Verdict.BREAKING) == (found.before != found.after)


def test_breaking_drift_suggests_the_rules_test_api_would(
    baseline: Path, partner_factory: Any, kit: Any
) -> None:
    partner = partner_factory()
    partner.mutations.append(
        kit.Mutation(
            "/click2call",
            kit.json_change(
                lambda d: {
                    **{k: v for k, v in d.items() if k != "monitorUcid"},
                    "callRef": d.get("monitorUcid"),
                }
            ),
            lambda p: not _dnd(p),
        )
    )
    report, _ = check_drift(
        partner.config, baseline, partner.url, partner.fixtures, env=partner.env
    )
    found = _find(report.probes, "click_to_call.success")
    assert found.verdict is Verdict.BREAKING
    assert ("callRef", "", "data") in {(r.key, r.value, str(r.outcome)) for r in found.suggestions}
    # Rules the config already has are not suggested again.
    assert ("status", "success", "success") not in {
        (r.key, r.value.lower(), str(r.outcome)) for r in found.suggestions
    }


def test_fail_on_benign_turns_benign_drift_into_exit_1(
    baseline: Path, partner_factory: Any, kit: Any
) -> None:
    partner = partner_factory()
    partner.mutations.append(kit.Mutation("/click2call", kit.json_change(_recase), _dnd))
    report, _ = check_drift(
        partner.config,
        baseline,
        partner.url,
        partner.fixtures,
        env=partner.env,
        fail_on=Verdict.BENIGN,
    )
    assert report.counts["breaking"] == 0
    assert report.counts["benign"] >= 1
    assert report.exit_code == 1
