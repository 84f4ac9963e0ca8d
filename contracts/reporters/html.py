"""HTML report: one self-contained file (inline CSS, inline SVG latency chart).

No script, font, image or stylesheet is fetched from anywhere, so the file can
be mailed to a partner or archived by CI and still render the same.

The markup lives in Jinja2 templates shipped with the package
(``contracts/templates/``); this module only shapes the data. Autoescaping is
on for every template and nothing is marked safe, so partner text (answer
bodies, messages, URLs) lands as text wherever it lands, attributes included;
and every value passes ``contracts.evidence.visible`` first (the environment's
``finalize``), so control characters show as signs (``␛``) and a lone
surrogate, which no UTF-8 file can hold, as U+FFFD.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from pathlib import Path

import jinja2

from contracts.events import ClauseResult, Event, Evidence, RunFinished, RunSummary, Status
from contracts.evidence import visible

__all__ = ["HtmlReporter", "latency_svg", "summary_to_html"]

_COLOURS = (("p50_ms", "#5b9bd5"), ("p95_ms", "#2e5c8a"), ("max_ms", "#a0a0a0"))
_WIDTH, _LABEL_WIDTH, _ROW_HEIGHT = 640, 140, 54


@dataclass(frozen=True)
class _Bar:
    y: int
    width: float
    colour: str
    label: str


@dataclass(frozen=True)
class _Row:
    api: str
    top: int
    bars: tuple[_Bar, ...]
    budget_x: float | None


@dataclass(frozen=True)
class _Chart:
    width: int
    height: int
    label_width: int
    rows: tuple[_Row, ...]


def _exchange(item: Evidence) -> str:
    """The request and the answer as plain text, for a ``<pre>``."""
    return (
        f"{item.method} {item.url}\n"
        + "".join(f"{k}: {v}\n" for k, v in item.headers)
        + (f"\n{item.body}\n" if item.body else "")
        + f"\nHTTP {item.status} in {item.elapsed_ms:.1f} ms\n"
        + "".join(f"{k}: {v}\n" for k, v in item.answer_headers)
        + f"\n{item.answer_excerpt}\n\noutcome: {item.outcome}: {item.outcome_message}"
    )


def _shown(value: object) -> object:
    """Every ``{{ ... }}`` value: text with its control characters made visible."""
    return visible(value) if isinstance(value, str) else value


@cache
def _environment() -> jinja2.Environment:
    # Built once per process: loading and compiling templates is the costly part.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("contracts", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt field fails, never renders blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_shown,
    )
    env.filters["exchange"] = _exchange
    env.filters["repr"] = repr
    return env


def _chart(results: Sequence[ClauseResult]) -> _Chart | None:
    """Bar geometry for every result with latency figures; ``None`` without any."""
    measured = [r for r in results if r.figures.get("p95_ms") is not None]
    if not measured:
        return None
    scale = max(
        max(r.figures.get("max_ms", 0.0), r.figures.get("budget_p95_ms", 0.0)) for r in measured
    )
    scale = scale or 1.0
    plot_width = _WIDTH - _LABEL_WIDTH - 20
    rows = []
    for index, result in enumerate(measured):
        top = 10 + index * _ROW_HEIGHT
        bars = []
        for i, (key, colour) in enumerate(_COLOURS):
            value = result.figures.get(key, 0.0)
            bars.append(
                _Bar(top + i * 14, plot_width * value / scale, colour, f"{key[:-3]} {value:.0f} ms")
            )
        budget = result.figures.get("budget_p95_ms")
        budget_x = _LABEL_WIDTH + plot_width * budget / scale if budget else None
        rows.append(_Row(result.clause.api, top, tuple(bars), budget_x))
    return _Chart(_WIDTH, _ROW_HEIGHT * len(measured) + 20, _LABEL_WIDTH, tuple(rows))


def latency_svg(results: list[ClauseResult]) -> str:
    """Horizontal bars of p50/p95/max per API with the p95 budget as a line."""
    chart = _chart(results)
    if chart is None:
        return ""
    return _environment().get_template("latency.svg.j2").render(chart=chart)


def summary_to_html(summary: RunSummary) -> str:
    """The whole report as one HTML document."""
    info = summary.info
    meta_rows = [
        ("config", info.config_name),
        ("target", f"{info.target} ({info.target_kind})"),
        ("started", info.started.isoformat()),
        ("duration", f"{summary.duration_s:.2f} s"),
        ("tool version", info.tool_version),
        *((key, str(value)) for key, value in summary.metadata.items()),
    ]
    ordered = sorted(summary.results, key=lambda r: r.clause.api)
    groups = [(api, list(group)) for api, group in groupby(ordered, key=lambda r: r.clause.api)]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            info=info,
            meta_rows=meta_rows,
            statuses=list(Status),
            counts=summary.counts,
            groups=groups,
            chart=_chart(summary.results),
            coverage=summary.coverage,
        )
    )


class HtmlReporter:
    """Writes ``report.html`` when the run finishes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def handle(self, event: Event) -> None:
        """Write the file on ``RunFinished``."""
        if isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(summary_to_html(event.summary), encoding="utf-8")
