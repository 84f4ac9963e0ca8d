"""The layout of ``contracts``: no import cycle among its modules, read from source.

Every import counts, including those inside functions and under
``TYPE_CHECKING``: a cycle that only type checkers or a late call see still
ties two modules together, and it is the first thing that breaks when one of
them moves.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import pytest

pytestmark = pytest.mark.conformance

ROOT = Path(__file__).resolve().parents[2]

Graph = Mapping[str, frozenset[str]]


def _modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` (a directory)."""
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _edges(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: Mapping[str, Path]
) -> set[str]:
    """The modules of ``modules`` that one import statement in ``module`` names."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    base = node.module or ""
    if node.level:
        # Relative: from the module's own package, one level up per extra dot.
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    edges: set[str] = set()
    for alias in node.names:
        # ``from pkg import name`` names the submodule ``pkg.name`` when there is one.
        submodule = f"{base}.{alias.name}"
        if submodule in modules:
            edges.add(submodule)
        elif base in modules:
            edges.add(base)
    return edges


def import_graph(package: Path) -> dict[str, frozenset[str]]:
    """Module -> the modules of the same package it imports, from the source with ``ast``.

    ``ast.walk`` sees every statement, so imports in functions and under
    ``TYPE_CHECKING`` count. A package's ``__init__`` running before its
    submodules is Python's own order, not an edge; ``from pkg import name``
    is an edge to ``pkg.name`` when that is a module, else to ``pkg``.
    """
    modules = _modules(package)
    graph: dict[str, frozenset[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _edges(node, name, is_package, modules)
        graph[name] = frozenset(edges - {name})
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_contracts_has_no_import_cycle() -> None:
    graph = import_graph(ROOT / "contracts")
    tangled = [
        " <-> ".join(component)
        + ": "
        + "; ".join(
            f"{a} imports {b}" for a in component for b in sorted(graph[a]) if b in component
        )
        for component in cycles(graph)
    ]
    assert tangled == []


def test_the_graph_sees_imports_in_functions_and_under_type_checking(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.a import A\n", encoding="utf-8")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.b import B\n"
        "class A: ...\n",
        encoding="utf-8",
    )
    (package / "b.py").write_text(
        "def late() -> None:\n    from . import a\nclass B: ...\n", encoding="utf-8"
    )
    (package / "c.py").write_text("import pkg.b\nfrom pkg import A\n", encoding="utf-8")
    graph = import_graph(package)
    assert graph == {
        "pkg": frozenset({"pkg.a"}),
        "pkg.a": frozenset({"pkg.b"}),
        "pkg.b": frozenset({"pkg.a"}),
        "pkg.c": frozenset({"pkg", "pkg.b"}),
    }
    assert cycles(graph) == [["pkg.a", "pkg.b"]]
