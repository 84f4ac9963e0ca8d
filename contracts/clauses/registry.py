"""The clause registry: small check functions, each registered under an id.

A check takes the run's :class:`~contracts.clauses.context.Context` and
returns a :class:`Verdict`. It may raise one of the signals of
:mod:`contracts.clauses.signals`, ``SkipClause`` (a fixture is missing, the
config claims nothing to check), ``CannotTest`` (the target could not be
reached) or ``PartnerFault`` (the partner's answer cannot be used: a fail);
the runner turns any other exception into an ``error`` result, never into a
pass.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from contracts.clauses.context import Context
from contracts.errors import DuplicateClauseError
from contracts.events import ClauseInfo, Evidence, Status

__all__ = [
    "MODULES",
    "Clause",
    "Verdict",
    "clause",
    "errored",
    "failed",
    "passed",
    "registered",
    "skipped",
]

# Run order: the answers clauses go last because they judge every answer seen.
MODULES = ("click_to_call", "agent_popup", "did_list", "callback", "latency", "fuzz", "answers")


@dataclass(frozen=True)
class Verdict:
    """What a check found."""

    status: Status
    message: str
    evidence: tuple[Evidence, ...] = ()
    figures: Mapping[str, float] = field(default_factory=dict)
    samples_ms: tuple[float, ...] = ()


def passed(
    message: str,
    *evidence: Evidence,
    figures: Mapping[str, float] | None = None,
    samples_ms: tuple[float, ...] = (),
) -> Verdict:
    """The partner did what the clause asks."""
    return Verdict(Status.PASS, message, evidence, figures or {}, samples_ms)


def failed(
    message: str,
    *evidence: Evidence,
    figures: Mapping[str, float] | None = None,
    samples_ms: tuple[float, ...] = (),
) -> Verdict:
    """The partner broke the contract; ``message`` names what was wrong."""
    return Verdict(Status.FAIL, message, evidence, figures or {}, samples_ms)


def errored(message: str, *evidence: Evidence) -> Verdict:
    """We could not test the clause."""
    return Verdict(Status.ERROR, message, evidence)


def skipped(reason: str) -> Verdict:
    """Not applicable; ``reason`` says why."""
    return Verdict(Status.SKIP, reason)


Check = Callable[[Context], Verdict]


@dataclass(frozen=True)
class Clause:
    """A registered check and how it is announced."""

    info: ClauseInfo
    check: Check


_REGISTRY: dict[str, Clause] = {}


def clause(clause_id: str, api: str, title: str) -> Callable[[Check], Check]:
    """Register ``check`` as clause ``clause_id`` of ``api`` (ids are unique)."""

    def register(check: Check) -> Check:
        if clause_id in _REGISTRY:
            raise DuplicateClauseError(f"clause {clause_id!r} is registered twice")
        _REGISTRY[clause_id] = Clause(ClauseInfo(clause_id, api, title), check)
        return check

    return register


def registered() -> list[Clause]:
    """Every clause, in run order (modules in ``MODULES`` order, then definition order)."""
    for name in MODULES:
        importlib.import_module(f"contracts.clauses.{name}")
    by_module: dict[str, list[Clause]] = {name: [] for name in MODULES}
    for item in _REGISTRY.values():
        module = item.check.__module__.rsplit(".", 1)[-1]
        by_module.setdefault(module, []).append(item)
    return [item for name in by_module for item in by_module[name]]
