"""The simulator's error tree: one root, and its drawing in simulator.errors is true."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import simulator
from simulator import errors
from simulator.errors import SimulatorError
from simulator.providers.base import ProviderError
from simulator.state.runtime import UnknownCall

# "├── UnknownCall (KeyError)         404  simulator.state.runtime"
_ROW = re.compile(r"── (\w+) \((\w+)\)\s+(\d{3})\s+([\w.]+)$", flags=re.MULTILINE)


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def _load_every_module() -> None:
    for info in pkgutil.walk_packages(simulator.__path__, "simulator."):
        if info.name != "simulator.__main__":  # runs the CLI
            importlib.import_module(info.name)


def test_the_drawn_tree_is_the_real_one() -> None:
    _load_every_module()
    drawn = {row[0]: row[1:] for row in _ROW.findall(errors.__doc__ or "")}
    real = {
        cls.__name__: (
            next(b.__name__ for b in cls.__mro__ if b in (ValueError, KeyError)),
            str(cls.status),
            cls.__module__,
        )
        for cls in _all_subclasses(SimulatorError)
        if cls.__module__.startswith("simulator.")
    }
    assert drawn == real


@pytest.mark.parametrize(("name", "status"), [("UnknownCall", 404), ("InvalidTransition", 409)])
def test_statuses_the_control_plane_answers(name: str, status: int) -> None:
    _load_every_module()
    (cls,) = [c for c in _all_subclasses(SimulatorError) if c.__name__ == name]
    assert cls.status == status


def test_a_missing_key_error_reads_as_its_message() -> None:
    exc = UnknownCall("123")
    assert isinstance(exc, KeyError)
    assert str(exc) == "no call 123"
    assert exc.ucid == "123"


def test_provider_answers_are_not_simulator_errors() -> None:
    assert not issubclass(ProviderError, SimulatorError)
