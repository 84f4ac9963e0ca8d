"""The error tree of ``contracts``.

Every error the package raises on purpose derives from ``ContractsError`` and
carries a message that tells the user what to fix, in one line (``mcc
verify`` prints it on stderr and exits 2). A class that was a ``ValueError``,
``KeyError`` or ``RuntimeError`` before the tree existed still is one, so
older ``except`` clauses keep working. No message ever contains a secret.

::

    ContractsError
    ├── CannotRunError                  the run cannot start: bad or unreachable target,
    │                                   missing variable, no clause selected, simulator
    │                                   not arranged
    ├── FixturesError (ValueError)      the fixtures file is missing, unreadable or invalid
    ├── SpecError (ValueError)          a shipped OpenAPI contract cannot be read as one
    │   └── UnknownContractError (KeyError)
    │                                   no contract of that name; names the known ones
    ├── ReportFormatError (ValueError)  an unknown report format name
    ├── ControlPlaneError (RuntimeError)
    │                                   the simulator's ``/_sim`` control plane refused
    │                                   a request
    ├── DuplicateClauseError (ValueError)
    │                                   two checks registered under one clause id (a bug
    │                                   in the harness, found at import)
    └── CassetteError (ValueError)      a cassette directory or file cannot be read or
                                        written (``mcc record``, ``mcc drift``)

Outside the tree on purpose: ``SkipClause`` and ``CannotTest``
(:mod:`contracts.clauses.signals`), the signals a check raises to the runner.
They never leave a run, and ``except ContractsError`` must mean "a problem to
fix", never "a clause was skipped".

Inside a run, a ``ContractsError`` raised by a check becomes an ``error``
result (we could not test), like a ``connector.ConnectorError``; only other
exceptions are reported as internal errors of the check.
"""

from __future__ import annotations

__all__ = [
    "CannotRunError",
    "CassetteError",
    "ContractsError",
    "ControlPlaneError",
    "DuplicateClauseError",
    "FixturesError",
    "ReportFormatError",
    "SpecError",
    "UnknownContractError",
]


class ContractsError(Exception):
    """Root of every error ``contracts`` raises on purpose."""


class CannotRunError(ContractsError):
    """The run cannot start (bad target, missing variable); one line for stderr."""


class FixturesError(ContractsError, ValueError):
    """The fixtures file is missing or not valid; the message says what to fix."""


class SpecError(ContractsError, ValueError):
    """A shipped OpenAPI contract cannot be used as one."""


class UnknownContractError(SpecError, KeyError):
    """No contract of that name; the message lists the known ones."""

    def __str__(self) -> str:
        # KeyError's own str() is the repr of its argument, quotes included.
        return str(self.args[0]) if self.args else ""


class ReportFormatError(ContractsError, ValueError):
    """A report format name that no reporter writes."""


class ControlPlaneError(ContractsError, RuntimeError):
    """The simulator's control plane answered an error (status and excerpt in the message)."""


class DuplicateClauseError(ContractsError, ValueError):
    """Two checks were registered under one clause id."""


class CassetteError(ContractsError, ValueError):
    """A cassette directory or file is missing, too large, or not a cassette."""
