"""Run summaries: counts and the exit code that follows from the statuses."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from contracts.events import RunSummary, Status

Factory = Callable[[tuple[Status, ...] | None], RunSummary]

pytestmark = pytest.mark.conformance


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        ((Status.PASS, Status.SKIP), 0),
        ((Status.PASS, Status.FAIL), 1),
        ((Status.ERROR, Status.FAIL), 1),
        ((Status.PASS, Status.ERROR), 2),
        ((Status.SKIP,), 0),
    ],
)
def test_exit_code_keeps_failure_apart_from_could_not_test(
    summary_factory: Factory, statuses: tuple[Status, ...], code: int
) -> None:
    assert summary_factory(statuses).exit_code == code


def test_counts_list_every_status_even_when_absent(summary_factory: Factory) -> None:
    counts = summary_factory((Status.PASS, Status.PASS)).counts
    assert counts == {"pass": 2, "fail": 0, "error": 0, "skip": 0, "total": 2}
