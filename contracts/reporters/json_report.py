"""JSON report: one record per clause with its evidence, plus run metadata.

Field names are part of the product (partners feed this file to their CI), so
they only ever grow; ``schema_version`` changes when one would be removed.
Version 2: ``run.metadata`` no longer holds ``client_overhead_ms`` (the
connector client's own cost is a benchmark figure, ``python -m benchmarks
connector``, not a conformance result).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contracts.events import Event, RunFinished, RunSummary

__all__ = ["SCHEMA_VERSION", "JsonReporter", "json_text", "summary_to_dict"]

SCHEMA_VERSION = 2


def summary_to_dict(summary: RunSummary) -> dict[str, Any]:
    """The whole report as a JSON-ready dictionary."""
    info = summary.info
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "mcc verify", "version": info.tool_version},
        "run": {
            "config": info.config_name,
            "target": info.target,
            "target_kind": info.target_kind,
            "started": info.started.isoformat(),
            "duration_s": round(summary.duration_s, 3),
            "options": dict(info.options),
            "metadata": dict(summary.metadata),
        },
        "counts": summary.counts,
        "exit_code": summary.exit_code,
        "clauses": [result.to_dict() for result in summary.results],
        "coverage": summary.coverage.to_dict(),
    }


def json_text(summary: RunSummary) -> str:
    """The whole ``report.json``: indented, newline-terminated."""
    return json.dumps(summary_to_dict(summary), indent=2) + "\n"


class JsonReporter:
    """Writes ``report.json`` when the run finishes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def handle(self, event: Event) -> None:
        """Write the file on ``RunFinished``; other events carry nothing new."""
        if isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json_text(event.summary), encoding="utf-8")
