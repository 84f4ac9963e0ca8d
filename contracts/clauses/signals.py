"""Signals a check raises to tell the runner how its clause ended without a verdict.

``SkipClause`` (not applicable: a fixture is missing, the config claims
nothing to check) and ``CannotTest`` (the target did not answer, the request
cannot be built) are control flow between a check and the runner, which
turns them into ``skip`` and ``error`` results; they never leave a run.

They are deliberately outside the :class:`~contracts.errors.ContractsError`
tree: ``except ContractsError`` (in the CLI, in a script around
``contracts.verify``) means "a problem the user must fix", which a signal is
not, and the runner's ``except SkipClause`` must never swallow a real error
raised inside a check as a mere skip.
"""

from __future__ import annotations

from contracts.events import Evidence

__all__ = ["CannotTest", "SkipClause"]


class SkipClause(Exception):
    """Raised by a check: skip this clause with the given reason."""


class CannotTest(Exception):
    """Raised by a check: the clause could not be tested (an ``error`` result)."""

    def __init__(self, message: str, *evidence: Evidence) -> None:
        super().__init__(message)
        self.evidence = evidence
