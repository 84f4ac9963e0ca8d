"""The simulator's rooms, checked on the source: no import cycle, dialects apart.

The graph is built with ``ast`` from every ``simulator/**/*.py``, counting every
import statement wherever it sits (module level, inside functions, under
``TYPE_CHECKING``): a function-level import that dodges a cycle at run time is
still a cycle in the design. ``from a import b`` is an edge to ``a.b`` when that
is a module, else to ``a``. The parent packages Python runs implicitly for
``import a.b.c`` are not edges: otherwise every package ``__init__`` that
re-exports its children would form a cycle with them.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "simulator"
PROVIDERS = "simulator.providers"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
DIALECTS = sorted(p.parent.name for p in (PACKAGE / "providers").glob("*/__init__.py"))


def _from_base(node: ast.ImportFrom, name: str) -> str:
    if node.level == 0:
        return node.module or ""
    is_package = MODULES[name].name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _imports(name: str, tree: ast.AST) -> set[str]:
    """The simulator modules ``name`` imports, anywhere in its source."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(node, name)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in MODULES else base)
    return {target for target in found if target in MODULES and target != name}


TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}
GRAPH = {name: _imports(name, tree) for name, tree in TREES.items()}


def _reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in GRAPH[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def _dialect_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 2 and module.startswith(f"{PROVIDERS}.") and parts[2] in DIALECTS:
        return parts[2]
    return None


def test_the_graph_sees_the_package() -> None:
    # Guards the checks below against passing on an empty or misread graph.
    assert {"generic", "knowlarity", "ozonetel"} <= set(DIALECTS)
    assert "simulator.app" in GRAPH
    assert "simulator.providers" in GRAPH["simulator.app"]


def test_no_import_cycle_among_simulator_modules() -> None:
    try:
        TopologicalSorter(GRAPH).prepare()
    except CycleError as exc:
        pytest.fail("import cycle: " + " -> ".join(reversed(exc.args[1])))


def test_no_dialect_imports_another_dialect() -> None:
    offenders = [
        f"{module} imports {target}"
        for module, targets in sorted(GRAPH.items())
        if (own := _dialect_of(module)) is not None
        for target in sorted(targets)
        if _dialect_of(target) not in (None, own)
    ]
    assert offenders == []


def test_shared_provider_modules_import_no_dialect() -> None:
    # What two dialects share lives beside them (e.g. providers/pull.py), and
    # must not lean on either; only the registry (providers/__init__) names them.
    shared = [m for m in GRAPH if m.count(".") == 2 and m.startswith(f"{PROVIDERS}.")]
    assert shared, "expected shared modules such as simulator.providers.base"
    offenders = [
        f"{module} imports {target}"
        for module in sorted(shared)
        for target in sorted(GRAPH[module])
        if _dialect_of(target) is not None
    ]
    assert offenders == []


def test_no_routes_module_depends_on_the_app_factory() -> None:
    routes = [m for m in GRAPH if m.rpartition(".")[2] == "routes"]
    assert len(routes) >= len(DIALECTS) + 1  # every dialect and the control plane
    offenders = [m for m in sorted(routes) if "simulator.app" in _reachable(m) | {m}]
    assert offenders == []


def test_the_app_factory_imports_at_module_level_only() -> None:
    # A function-level import in app.py was how the old cycle was dodged.
    tree = TREES["simulator.app"]
    nested = [
        f"line {node.lineno}"
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert nested == []
