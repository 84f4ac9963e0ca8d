"""OpenAPI contracts of every provider dialect and the partner conformance runner.

The names below are the programmatic face of ``mcc verify``: a script can run
a verification and read its events without importing any submodule::

    import connector
    import contracts

    config = connector.resolve_config("generic")
    summary = contracts.verify(config, options=contracts.Options(only=("did_list",)))
    print(summary.counts, summary.exit_code)

    for event in contracts.run(config):  # the same run, event by event
        if isinstance(event, contracts.ClauseFinished):
            print(event.result.clause.id, event.result.status)

Every error raised on purpose is a ``contracts.ContractsError`` (tree in
:mod:`contracts.errors`).

Names resolve on first use (PEP 562): ``import contracts`` stays cheap for
code that needs only a submodule (``contracts.events``, ``contracts.specs``),
and nothing here imports the simulator, which the runner starts only as the
embedded default target.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contracts.clauses.context import Options
    from contracts.errors import CannotRunError, ContractsError
    from contracts.events import (
        ClauseFinished,
        ClauseResult,
        ClauseStarted,
        Event,
        RunFinished,
        RunStarted,
        RunSummary,
        Status,
    )
    from contracts.fixtures import Fixtures, load_fixtures
    from contracts.runner import run, verify

__all__ = [
    "CannotRunError",
    "ClauseFinished",
    "ClauseResult",
    "ClauseStarted",
    "ContractsError",
    "Event",
    "Fixtures",
    "Options",
    "RunFinished",
    "RunStarted",
    "RunSummary",
    "Status",
    "load_fixtures",
    "run",
    "verify",
]

# Where each public name lives; kept in step with the imports above (a test checks).
_HOMES = {
    "CannotRunError": "contracts.errors",
    "ClauseFinished": "contracts.events",
    "ClauseResult": "contracts.events",
    "ClauseStarted": "contracts.events",
    "ContractsError": "contracts.errors",
    "Event": "contracts.events",
    "Fixtures": "contracts.fixtures",
    "Options": "contracts.clauses.context",
    "RunFinished": "contracts.events",
    "RunStarted": "contracts.events",
    "RunSummary": "contracts.events",
    "Status": "contracts.events",
    "load_fixtures": "contracts.fixtures",
    "run": "contracts.runner",
    "verify": "contracts.runner",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'contracts' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
