"""The dependency rule between the parts (README), and no import cycle anywhere.

Read from the source with ``ast``: every import counts, including those inside
functions and under ``TYPE_CHECKING``; a cycle that only a type checker or a
late call sees still ties two modules together, and it is the first thing
that breaks when one of them moves.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("connector", "crm", "calling", "mcc", "simulator", "contracts", "console")
# What each part may import of the others; the rest of the rule is below.
ALLOWED: Mapping[str, frozenset[str]] = {
    "connector": frozenset(),  # the library: nothing of ours
    "crm": frozenset({"connector"}),  # the embedded CRM: the library's value types
    "calling": frozenset({"connector", "crm"}),  # flows and the call-log service
    "mcc": frozenset({"connector"}),  # the command root: other parts come by entry point
    "simulator": frozenset(),  # a provider: never the consumer
    "contracts": frozenset({"connector", "simulator"}),  # the simulator only as a target
    # The agent's screens: the flows, the store and the library; the simulator over HTTP only.
    "console": frozenset({"connector", "crm", "calling"}),
}
# The library stands alone: no database, web framework or command line in it.
LIBRARY_MAY_NOT_USE = frozenset(
    {"sqlite3", "flask", "werkzeug", "waitress", "click", "apscheduler"}
)


def _module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of every part."""
    found: dict[str, Path] = {}
    for part in PARTS:
        for path in sorted((ROOT / part).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


FILES = _module_files()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in FILES.items()}


def _imports(module: str) -> list[tuple[str, ast.Import | ast.ImportFrom]]:
    """``(dotted name, node)`` of every import in ``module``; relative ones resolved."""
    found: list[tuple[str, ast.Import | ast.ImportFrom]] = []
    is_package = FILES[module].name == "__init__.py"
    for node in ast.walk(TREES[module]):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import name`` names the module ``pkg.name`` when there is one.
            found += [
                (f"{base}.{alias.name}" if f"{base}.{alias.name}" in FILES else base, node)
                for alias in node.names
            ]
    return found


GRAPH = {
    module: frozenset(name for name, _ in _imports(module) if name in FILES and name != module)
    for module in FILES
}


def _part(name: str) -> str:
    return name.split(".", maxsplit=1)[0]


def test_the_graph_sees_every_part() -> None:
    # Guards the checks below against passing on an empty or misread graph.
    assert {_part(module) for module in FILES} == set(PARTS)
    assert "connector.client" in GRAPH["calling.click_to_call"]
    assert "simulator.providers" in GRAPH["simulator.app"]


@pytest.mark.parametrize("part", PARTS)
def test_part_imports_only_what_the_rule_allows(part: str) -> None:
    offenders = [
        f"{module} imports {name}"
        for module in sorted(FILES)
        if _part(module) == part
        for name, _ in _imports(module)
        if _part(name) in PARTS and _part(name) != part and _part(name) not in ALLOWED[part]
    ]
    assert offenders == []


def test_the_library_uses_no_database_web_or_command_line() -> None:
    offenders = [
        f"{module} imports {name}"
        for module in sorted(FILES)
        if _part(module) == "connector"
        for name, _ in _imports(module)
        if _part(name) in LIBRARY_MAY_NOT_USE
    ]
    assert offenders == []


def test_contracts_use_only_connector_public_api() -> None:
    offenders = [
        f"{module}: {name}"
        for module in sorted(FILES)
        if _part(module) == "contracts"
        for name, node in _imports(module)
        if _part(name) == "connector"
        and (name != "connector" or (isinstance(node, ast.ImportFrom) and node.module))
    ]
    assert offenders == []


def test_contracts_start_the_simulator_only_as_the_embedded_target() -> None:
    users = sorted(
        module
        for module in FILES
        if _part(module) == "contracts"
        and any(_part(n) == "simulator" for n, _ in _imports(module))
    )
    assert users == ["contracts.target"]


def test_console_uses_only_the_public_names_of_what_it_builds_on() -> None:
    # ``from calling import place_call``: a name in the package's __all__, never a module.
    offenders = []
    for module in sorted(FILES):
        if _part(module) != "console":
            continue
        for name, node in _imports(module):
            part = _part(name)
            if part not in ALLOWED["console"]:
                continue
            public = set(importlib.import_module(part).__all__)
            if not (isinstance(node, ast.ImportFrom) and node.module == part and not node.level):
                offenders.append(f"{module} imports {name}")
            else:
                offenders += [
                    f"{module}: {part}.{a.name} is not public"
                    for a in node.names
                    if a.name not in public
                ]
    assert offenders == []


def test_nothing_imports_the_console() -> None:
    # The command root reaches it by entry point (mcc console), like every other command.
    offenders = [
        f"{module} imports {name}"
        for module in sorted(FILES)
        if _part(module) != "console"
        for name, _ in _imports(module)
        if _part(name) == "console"
    ]
    assert offenders == []


def test_no_import_cycle_anywhere() -> None:
    try:
        TopologicalSorter(GRAPH).prepare()
    except CycleError as exc:
        pytest.fail("import cycle: " + " -> ".join(reversed(exc.args[1])))


# -- the simulator's rooms ----------------------------------------------------

PROVIDERS = "simulator.providers"
DIALECTS = sorted(
    path.name
    for path in (ROOT / "simulator" / "providers").iterdir()
    if path.is_dir() and (path / "__init__.py").exists()
)


def _dialect_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 2 and module.startswith(f"{PROVIDERS}.") and parts[2] in DIALECTS:
        return parts[2]
    return None


def _reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in GRAPH[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_no_dialect_imports_another_dialect() -> None:
    assert {"generic", "knowlarity", "ozonetel"} <= set(DIALECTS)
    offenders = [
        f"{module} imports {target}"
        for module, targets in sorted(GRAPH.items())
        if (own := _dialect_of(module)) is not None
        for target in sorted(targets)
        if _dialect_of(target) not in (None, own)
    ]
    assert offenders == []


def test_shared_provider_modules_import_no_dialect() -> None:
    # What two dialects share lives beside them (providers/pull.py), and must
    # not lean on either; only the registry (providers/__init__) names them.
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
    routes = [m for m in GRAPH if _part(m) == "simulator" and m.rpartition(".")[2] == "routes"]
    assert len(routes) >= len(DIALECTS) + 1  # every dialect and the control plane
    offenders = [m for m in sorted(routes) if "simulator.app" in _reachable(m) | {m}]
    assert offenders == []
