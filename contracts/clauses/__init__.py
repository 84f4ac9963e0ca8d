"""The conformance clauses, grouped by API; see :mod:`contracts.clauses.registry`."""

from contracts.clauses.registry import Clause, Verdict, clause, registered
from contracts.clauses.signals import CannotTest, PartnerFault, SkipClause

__all__ = [
    "CannotTest",
    "Clause",
    "PartnerFault",
    "SkipClause",
    "Verdict",
    "clause",
    "registered",
]
