"""The error tree: one root, the drawing in its docstring is true, signals stay outside."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from contracts import errors, specs
from contracts.clauses.registry import Clause, Verdict, clause, registered
from contracts.clauses.signals import CannotTest, SkipClause
from contracts.errors import (
    CannotRunError,
    ContractsError,
    ControlPlaneError,
    DuplicateClauseError,
    FixturesError,
    ReportFormatError,
    SpecError,
    UnknownContractError,
)
from contracts.events import ClauseInfo, Status
from contracts.evidence import SafeText
from contracts.fixtures import load_fixtures
from contracts.reporters import build_file_reporters
from contracts.runner import _run_one

pytestmark = pytest.mark.conformance

_CLASSES = [
    value
    for value in vars(errors).values()
    if inspect.isclass(value) and issubclass(value, BaseException)
]


def test_every_error_is_below_the_root_and_drawn_in_the_docstring() -> None:
    assert sorted(c.__name__ for c in _CLASSES) == sorted(errors.__all__)
    doc = errors.__doc__ or ""
    for cls in _CLASSES:
        assert issubclass(cls, ContractsError)
        assert cls.__doc__
        assert f" {cls.__name__}" in doc, f"{cls.__name__} is not drawn in the tree"


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (FixturesError, ValueError),
        (SpecError, ValueError),
        (UnknownContractError, KeyError),
        (ReportFormatError, ValueError),
        (ControlPlaneError, RuntimeError),
        (DuplicateClauseError, ValueError),
    ],
)
def test_errors_keep_the_builtin_base_they_had(cls: type[Exception], builtin: type) -> None:
    assert issubclass(cls, builtin)


def test_the_signals_are_not_errors() -> None:
    assert not issubclass(SkipClause, ContractsError)
    assert not issubclass(CannotTest, ContractsError)


def test_the_package_raises_its_own_errors(tmp_path: Path) -> None:
    with pytest.raises(ContractsError, match="no such fixtures file"):
        load_fixtures(tmp_path / "absent.yaml")
    with pytest.raises(ContractsError, match="unknown report format 'pdf'"):
        build_file_reporters(tmp_path, ("pdf",))
    taken = registered()[0].info  # registered() imports every clause module first
    with pytest.raises(DuplicateClauseError, match=f"{taken.id!r} is registered twice"):
        clause(taken.id, taken.api, "again")(lambda _ctx: Verdict(Status.PASS, ""))


def test_an_unknown_contract_reads_plainly() -> None:
    with pytest.raises(UnknownContractError) as caught:
        specs.spec_path("exotel")
    # Not KeyError's repr: the message is a sentence, without quotes around it.
    assert str(caught.value).startswith("no contract named 'exotel'; known contracts: ")


def test_a_broken_contract_file_is_a_spec_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: [3.0\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"broken\.yaml is not valid YAML"):
        specs._read(broken)
    listed = tmp_path / "listed.yaml"
    listed.write_text("- openapi\n", encoding="utf-8")
    with pytest.raises(SpecError, match="not a mapping at the top level"):
        specs._read(listed)


def test_a_deliberate_error_in_a_check_is_could_not_test() -> None:
    def refused(_ctx: object) -> Verdict:
        raise ControlPlaneError("simulator control plane /seed answered HTTP 500: boom")

    item = Clause(ClauseInfo("test.clause", "test", "a test clause"), refused)
    result = _run_one(item, ctx=None, safe=SafeText())  # type: ignore[arg-type]
    assert result.status is Status.ERROR
    assert result.message == "could not test: simulator control plane /seed answered HTTP 500: boom"


def test_cannot_run_is_a_contracts_error() -> None:
    assert issubclass(CannotRunError, ContractsError)
