"""Render docs/fault-matrix.md from the fault matrix test's own results.

The test ``tests/reliability/test_fault_matrix.py`` writes one JSON cell per
(preset, API, fault) to ``reports/fault-matrix.json`` (or ``$MCC_FAULT_MATRIX_OUT``);
this tool prints them as a Markdown table, so the documented matrix is what
the connector really did, never a hand-written claim::

    .venv/bin/pytest -n 2 -q tests/reliability/test_fault_matrix.py
    .venv/bin/python tools/fault_matrix.py

Exit code 1 when the result file is missing or a cell did not end in an error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_IN = ROOT / "reports" / "fault-matrix.json"
DEFAULT_OUT = ROOT / "docs" / "fault-matrix.md"
REGENERATE = (
    ".venv/bin/pytest -n 2 -q tests/reliability/test_fault_matrix.py"
    " && .venv/bin/python tools/fault_matrix.py"
)
_PORT = re.compile(r"\b(127\.0\.0\.[12]):\d+")
_MESSAGE_CHARS = 150

_INTRO = """\
# Fault matrix

Every provider API the connector calls (click-to-call, agent pop-up, DID list),
with the `generic` and `ozonetel` presets, against every transport fault the
simulator can play, over real sockets (waitress on 127.0.0.1). Each API has a
1 s timeout and a 1 MiB read limit. What each cell must show:

- an **error** outcome: never success, never an exception out of `Client.call`;
- the typed `reason` of the fault (`timeout`, `transport`, `rule`, `unmapped`,
  `not_text`, `too_large`, `redirect`); when no usable answer came,
  `Outcome.error` holds the matching `TransportError`;
- a message that names the host or the problem (`within the 1 s timeout`,
  `closed the connection`, `HTTP 503`, `no response rule matched`, `more than
  N bytes`, `redirect`);
- an answer within the timeout plus one second, whatever the server does;
- no canary secret in the message, excerpt, captured data or body;
- for `huge_20mb`, no more than the read limit read; for `redirect_other_host`,
  no request at the other host (a second simulator there keeps an empty journal).

`refused` is a closed port, not a simulator fault. HTTP 5xx answers carry a
JSON body with `status: error`, so a rule maps them (`reason` `rule`); the
simulator's text names the status. `bad_utf8` and `wrong_content_type` are
refused by the client before any rule reads them: a rule could otherwise read
`status: success` out of bytes the provider did not mean as an answer.

The table is generated from the test's own results (ports shown as `PORT`):

```console
{regenerate}
```
"""


def _cell_text(value: object) -> str:
    text = " ".join(str(value).split())
    text = _PORT.sub(r"\1:PORT", text)
    if len(text) > _MESSAGE_CHARS:
        text = text[: _MESSAGE_CHARS - 1] + "…"
    return text.replace("|", "\\|")


def _row(cell: Mapping[str, Any]) -> str:
    kind = str(cell.get("kind", "?"))
    shown_kind = kind if kind == "error" else f"**{kind}**"
    elapsed = float(cell.get("elapsed_s", 0.0))
    return (
        f"| {cell.get('preset', '?')} | {cell.get('api', '?')} | {cell.get('fault', '?')} "
        f"| {shown_kind} | {cell.get('reason', '?')} | {cell.get('status', 0)} "
        f"| {elapsed:.2f} | {_cell_text(cell.get('message', ''))} |"
    )


def render(cells: Iterable[Mapping[str, Any]]) -> str:
    """The whole Markdown page for ``cells`` (in the order given)."""
    rows = list(cells)
    bad = [c for c in rows if c.get("kind") != "error"]
    slowest = max((float(c.get("elapsed_s", 0.0)) for c in rows), default=0.0)
    lines = [
        _INTRO.format(regenerate=REGENERATE),
        "| preset | api | fault | outcome | reason | HTTP | elapsed s | message |",
        "|---|---|---|---|---|---|---|---|",
        *(_row(c) for c in rows),
        "",
        f"{len(rows)} cells; slowest {slowest:.2f} s.",
    ]
    if bad:
        lines.append(f"{len(bad)} cell(s) did not end in an error: see the rows in bold.")
    else:
        lines.append("Every cell ended in an error outcome.")
    return "\n".join(lines) + "\n"


def load_cells(path: Path) -> list[dict[str, Any]]:
    """The cells of a result file, in matrix order."""
    document = json.loads(path.read_text(encoding="utf-8"))
    cells = document.get("cells", []) if isinstance(document, dict) else []
    return sorted((c for c in cells if isinstance(c, dict)), key=lambda c: int(c.get("order", 0)))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: read the result JSON, write the Markdown page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "results",
        nargs="?",
        type=Path,
        default=Path(os.environ.get("MCC_FAULT_MATRIX_OUT") or DEFAULT_IN),
        help="the JSON written by the fault matrix test (default: reports/fault-matrix.json)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the Markdown page to write")
    args = parser.parse_args(argv)
    if not args.results.is_file():
        print(
            f"{args.results}: no results; run the fault matrix test first: {REGENERATE}",
            file=sys.stderr,
        )
        return 1
    try:
        cells = load_cells(args.results)
    except (ValueError, OSError) as exc:
        print(f"{args.results}: cannot be read ({type(exc).__name__})", file=sys.stderr)
        return 1
    args.out.write_text(render(cells), encoding="utf-8")
    print(f"wrote {args.out} ({len(cells)} cells)")
    return 0 if all(c.get("kind") == "error" for c in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
