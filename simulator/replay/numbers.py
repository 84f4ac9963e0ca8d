"""The numbers a replay gives back: a fixtures YAML file's top-level numbers.

``mcc record`` masks customer numbers (``+91-******5678``) and notes which
fixture each stands for. ``mcc sim serve --replay DIR --fixtures F`` reads
the same fixtures file as ``mcc verify`` does, through the simulator's own
bounded YAML reader (size, depth, no aliases), keeping only its top-level
text and number values: the fixture names and their numbers.
"""

from __future__ import annotations

from pathlib import Path

from simulator.replay.store import ReplayError
from simulator.seed import SeedError, load_seed

__all__ = ["load_number_fixtures"]


def load_number_fixtures(path: Path) -> dict[str, str]:
    """``{fixture name: value}`` for each top-level text or number of the file."""
    try:
        data = load_seed(path)
    except SeedError as exc:
        raise ReplayError(str(exc).replace("seed file", "fixtures file")) from None
    return {
        str(key): str(value)
        for key, value in data.items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
