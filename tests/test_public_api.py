"""Each part's public names are exactly what docs/interfaces.md lists, sorted and importable."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "interfaces.md").read_text(encoding="utf-8")
PACKAGES = ("connector", "crm", "calling", "contracts", "console")


def documented(package: str) -> list[str]:
    """The names listed under "Public names (`<package>.__all__`):" in docs/interfaces.md."""
    heading = f"Public names (`{package}.__all__`):"
    assert heading in DOC, f"docs/interfaces.md has no {heading!r} list"
    block = DOC.split(heading, 1)[1].lstrip("\n").split("\n\n", 1)[0]
    names = [re.findall(r"^- `(\w+)", line) for line in block.splitlines()]
    assert all(len(found) == 1 for found in names), block
    return [found[0] for found in names]


@pytest.mark.parametrize("package", PACKAGES)
def test_the_docs_list_exactly_the_public_names(package: str) -> None:
    module = importlib.import_module(package)
    assert documented(package) == list(module.__all__)


@pytest.mark.parametrize("package", PACKAGES)
def test_public_names_are_sorted_and_resolve(package: str) -> None:
    module = importlib.import_module(package)
    names = list(module.__all__)
    assert names == sorted(names)
    missing = [name for name in names if getattr(module, name, None) is None]
    assert missing == []


def test_the_library_exports_a_curated_api() -> None:
    # A partner or another CRM imports these; internals stay in their modules.
    import connector

    assert 25 <= len(connector.__all__) <= 35
