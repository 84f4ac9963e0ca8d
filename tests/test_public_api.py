"""Each part's public names are exactly what docs/interfaces.md lists, sorted and importable."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
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


LAZY_PACKAGES = ("connector", "crm", "calling", "contracts", "simulator", "console")


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_the_lazy_homes_match_what_type_checkers_see(package: str) -> None:
    # Each package resolves its public names on first use (PEP 562) from
    # ``_HOMES``; type checkers read the ``if TYPE_CHECKING:`` imports instead.
    module = importlib.import_module(package)
    tree = ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8"))
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    seen = {
        alias.asname or alias.name: node.module
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert seen == module._HOMES
    assert sorted(seen) == sorted(module.__all__)


def test_importing_the_library_imports_no_http_or_validation_stack() -> None:
    # ``mcc --help`` and every command's ``--help`` import the packages; what
    # they need is loaded when a name is first used, not at ``import connector``.
    probe = (
        "import sys, connector, crm, calling, simulator\n"
        "print(' '.join(m for m in ('httpx', 'pydantic', 'phonenumbers', 'flask', 'sqlite3')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == ""
