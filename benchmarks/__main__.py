"""Run the benchmarks: ``python -m benchmarks [name ...] [--quick] [--report-only] [--part P]``.

Discovers ``benchmarks/bench_*.py``, runs each ``run(quick)`` in turn, prints
a table per benchmark and writes ``<out>/<name>.json`` with the figures, the
command line that produced them, the Python version, the CPU count, the load
average and the date, so a number can always be traced back to how it was
measured.

A missed target always shows: the last line is ``BENCH-SUMMARY passed=...
missed=... skipped=...`` (one line CI can read), and the exit status is 1
when any benchmark missed its target (``--report-only`` keeps it 0 for runs
that only collect figures). A figure that is a mapping of checks (name ->
met) is printed one check per row.

A benchmark made of parts names them in a module-level ``PARTS`` tuple and
takes ``run(quick, parts=...)``, a predicate on a part's name: ``--part``
(repeatable) runs only those parts of the chosen benchmarks, and their
targets alone decide ``passed``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import shlex
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

PREFIX = "bench_"
PACKAGE = "benchmarks"

Runner = Callable[..., dict[str, object]]


def available() -> list[str]:
    """Benchmark names (module names without ``bench_``), sorted."""
    package = importlib.import_module(PACKAGE)
    return sorted(
        info.name.removeprefix(PREFIX)
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.startswith(PREFIX)
    )


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{PREFIX}{name}")


def load(name: str) -> Runner:
    """The ``run`` function of ``benchmarks/bench_<name>.py``."""
    run: Runner = _module(name).run
    return run


def parts_of(name: str) -> tuple[str, ...]:
    """The parts ``benchmarks/bench_<name>.py`` can run on their own (none: not split)."""
    return tuple(getattr(_module(name), "PARTS", ()))


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _met(value: object) -> str:
    return "[green]yes[/green]" if value else "[red]NO[/red]"


def table(name: str, figures: dict[str, object]) -> Table:
    """One benchmark's figures as a two-column table; checks and ``passed`` coloured.

    Lists and nested mappings other than checks go to the JSON file only.
    """
    out = Table(title=f"benchmark: {name}", show_header=True)
    out.add_column("figure")
    out.add_column("value", justify="right")
    for key, value in figures.items():
        if isinstance(value, dict) and all(isinstance(v, bool) for v in value.values()):
            for check, met in value.items():
                out.add_row(f"check: {check}", _met(met))
            continue
        if isinstance(value, list | dict):
            continue
        out.add_row(key, _met(value) if key == "passed" else _shown(value))
    return out


def record(name: str, figures: dict[str, object], argv: Sequence[str]) -> dict[str, Any]:
    """The JSON document written for one benchmark run."""
    return {
        "benchmark": name,
        "figures": figures,
        "command": shlex.join(argv),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default); return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="exit 0 even when a target is missed (the summary line still says so)",
    )
    # Kept so old command lines still work: a miss now fails the run by default.
    parser.add_argument("--strict", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Path("reports/bench"), help="JSON folder")
    parser.add_argument(
        "--part",
        action="append",
        default=[],
        metavar="PART",
        help="run only this part of the chosen benchmarks (repeatable), e.g. simulator's live",
    )
    args = parser.parse_args(argv)
    console = Console()
    known = available()
    unknown = [name for name in args.names if name not in known]
    if unknown:
        console.print(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    if args.part:
        for name in args.names or known:
            have = parts_of(name)
            wrong = [part for part in args.part if part not in have]
            if wrong:
                offer = f"its parts: {', '.join(have)}" if have else "it has no parts"
                console.print(f"benchmark {name} has no part {', '.join(wrong)}; {offer}")
                return 2
    chosen = set(args.part)
    command = sys.orig_argv if argv is None else ["python", "-m", PACKAGE, *argv]
    args.out.mkdir(parents=True, exist_ok=True)
    missed: list[str] = []
    passed: list[str] = []
    skipped: list[str] = []
    for name in args.names or known:
        run = load(name)
        figures = (
            run(quick=args.quick, parts=chosen.__contains__) if chosen else run(quick=args.quick)
        )
        console.print(table(name, figures))
        path = args.out / f"{name}.json"
        path.write_text(json.dumps(record(name, figures, command), indent=2) + "\n")
        console.print(f"wrote {path}")
        outcome = figures.get("passed")
        (missed if outcome is False else passed if outcome is True else skipped).append(name)
    if missed:
        console.print(f"[red]target missed:[/red] {', '.join(missed)}")
    print(
        f"BENCH-SUMMARY passed={','.join(passed) or '-'} missed={','.join(missed) or '-'} "
        f"skipped={','.join(skipped) or '-'}",
        flush=True,
    )
    return 1 if missed and not args.report_only else 0


if __name__ == "__main__":
    sys.exit(main())
