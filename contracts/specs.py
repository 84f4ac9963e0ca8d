"""Where the OpenAPI contracts of every provider dialect live.

The documents are package data (``contracts/openapi/<name>.yaml``), found
through :mod:`importlib.resources` so an installed wheel finds them as well as
a source checkout. A provider dialect's contract says so with
``info.x-mcc-dialect: true``; the others (``control``, the simulator's test
control plane, and the connector's own services) are contracts but not
dialects, so :func:`dialects` leaves them out.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from contracts.errors import SpecError, UnknownContractError

__all__ = ["CONTROL_PLANE", "contract_names", "dialects", "load_spec", "spec_path"]

CONTROL_PLANE = "control"
_PACKAGE = "contracts"
_FOLDER = "openapi"


def _folder() -> Path:
    # The package is installed as plain files (editable or wheel), so the
    # traversable is a real directory; schemathesis and the CLI need a path.
    return Path(str(resources.files(_PACKAGE).joinpath(_FOLDER)))


def contract_names() -> list[str]:
    """Every contract shipped, dialects and the control plane, sorted."""
    return sorted(p.stem for p in _folder().glob("*.yaml"))


def dialects() -> list[str]:
    """The provider dialects that have a contract (``generic``, ``knowlarity``, ...)."""
    return [name for name in contract_names() if _is_dialect(spec_path(name))]


@cache
def _is_dialect(path: Path) -> bool:
    info = _read(path).get("info") or {}
    return bool(isinstance(info, dict) and info.get("x-mcc-dialect"))


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"contract {path.name} cannot be read ({type(exc).__name__})") from None
    except yaml.YAMLError:
        raise SpecError(f"contract {path.name} is not valid YAML; reinstall the package") from None
    if not isinstance(data, dict):
        raise SpecError(f"contract {path.name} is not a mapping at the top level")
    return data


def spec_path(dialect: str) -> Path:
    """Path of the OpenAPI document of ``dialect`` (or ``"control"``).

    Raises ``UnknownContractError`` (a ``KeyError``) naming the known contracts
    when there is none.
    """
    path = _folder() / f"{dialect}.yaml"
    if not path.is_file():
        known = ", ".join(contract_names())
        raise UnknownContractError(f"no contract named {dialect!r}; known contracts: {known}")
    return path


def load_spec(dialect: str) -> dict[str, Any]:
    """The parsed OpenAPI document of ``dialect`` (or any contract name) as a dict."""
    return _read(spec_path(dialect))
