"""The conformance clauses, grouped by API; see :mod:`contracts.clauses.registry`."""

from contracts.clauses.registry import (
    CannotTest,
    Clause,
    SkipClause,
    Verdict,
    clause,
    registered,
)

__all__ = ["CannotTest", "Clause", "SkipClause", "Verdict", "clause", "registered"]
