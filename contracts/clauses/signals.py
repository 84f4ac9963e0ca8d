"""Signals a check raises to tell the runner how its clause ended without a verdict.

``SkipClause`` (not applicable: a fixture is missing, the config claims
nothing to check), ``CannotTest`` (the target could not be reached, the
request cannot be built) and ``PartnerFault`` (the partner's answer cannot be
used: the wrong content type, too large, a refused redirect, no answer within
the API's timeout) are control flow between a check and the runner, which
turns them into ``skip``, ``error`` and ``fail`` results; they never leave a
run. A probe deep inside a check can so end its clause without every caller
on the way passing a verdict back.

They are deliberately outside the :class:`~contracts.errors.ContractsError`
tree: ``except ContractsError`` (in the CLI, in a script around
``contracts.verify``) means "a problem the user must fix", which a signal is
not, and the runner's ``except SkipClause`` must never swallow a real error
raised inside a check as a mere skip.
"""

from __future__ import annotations

from contracts.events import Evidence

__all__ = ["CannotTest", "PartnerFault", "SkipClause"]


class SkipClause(Exception):
    """Raised by a check: skip this clause with the given reason."""


class CannotTest(Exception):
    """Raised by a check: the clause could not be tested (an ``error`` result)."""

    def __init__(self, message: str, *evidence: Evidence) -> None:
        super().__init__(message)
        self.evidence = evidence


class PartnerFault(Exception):
    """Raised by a check: the partner broke the contract (a ``fail`` result).

    The message names what the partner must fix; ``evidence`` shows the exchange.
    """

    def __init__(self, message: str, *evidence: Evidence) -> None:
        super().__init__(message)
        self.evidence = evidence
