"""HTML report: one self-contained file (inline CSS, inline SVG latency chart).

No script, font, image or stylesheet is fetched from anywhere, so the file can
be mailed to a partner or archived by CI and still render the same.
"""

from __future__ import annotations

from html import escape
from itertools import groupby
from pathlib import Path

from contracts.events import ClauseResult, Event, RunFinished, RunSummary, Status

__all__ = ["HtmlReporter", "latency_svg", "summary_to_html"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.pass{color:#17803d;font-weight:bold}.fail{color:#c62828;font-weight:bold}
.error{color:#b26a00;font-weight:bold}.skip{color:#777}
pre{background:#f6f6f6;padding:.5rem;white-space:pre-wrap;word-break:break-all;font-size:.85rem}
details{margin:.3rem 0}.meta td{border:none;padding:.1rem .5rem}
"""


def _clause_rows(results: list[ClauseResult]) -> str:
    rows = []
    for result in results:
        status = result.status.value
        evidence = "".join(
            "<details><summary>"
            + escape(f"{item.label}: {item.method} -> HTTP {item.status} ({item.outcome})")
            + "</summary><pre>"
            + escape(
                f"{item.method} {item.url}\n"
                + "".join(f"{k}: {v}\n" for k, v in item.headers)
                + (f"\n{item.body}\n" if item.body else "")
                + f"\nHTTP {item.status} in {item.elapsed_ms:.1f} ms\n"
                + "".join(f"{k}: {v}\n" for k, v in item.answer_headers)
                + f"\n{item.answer_excerpt}\n\noutcome: {item.outcome}: {item.outcome_message}"
            )
            + "</pre><pre>"
            + escape(item.curl)
            + "</pre></details>"
            for item in result.evidence
        )
        rows.append(
            f"<tr><td>{escape(result.clause.id)}<br><small>{escape(result.clause.title)}</small>"
            f"</td><td class='{status}'>{status.upper()}</td>"
            f"<td>{escape(result.message)}{evidence}</td></tr>"
        )
    return "".join(rows)


def latency_svg(results: list[ClauseResult]) -> str:
    """Horizontal bars of p50/p95/max per API with the p95 budget as a line."""
    measured = [r for r in results if r.figures.get("p95_ms") is not None]
    if not measured:
        return ""
    scale_max = max(
        max(r.figures.get("max_ms", 0.0), r.figures.get("budget_p95_ms", 0.0)) for r in measured
    )
    scale_max = scale_max or 1.0
    width, label_w, row_h = 640, 140, 54
    height = row_h * len(measured) + 20
    plot_w = width - label_w - 20
    parts = [f"<svg width='{width}' height='{height}' role='img' aria-label='latency per API'>"]
    colours = (("p50_ms", "#5b9bd5"), ("p95_ms", "#2e5c8a"), ("max_ms", "#a0a0a0"))
    for row, result in enumerate(measured):
        top = 10 + row * row_h
        parts.append(
            f"<text x='0' y='{top + 24}' font-size='12'>{escape(result.clause.api)}</text>"
        )
        for i, (key, colour) in enumerate(colours):
            value = result.figures.get(key, 0.0)
            bar = plot_w * value / scale_max
            y = top + i * 14
            parts.append(
                f"<rect x='{label_w}' y='{y}' width='{bar:.1f}' height='12' fill='{colour}'/>"
                f"<text x='{label_w + bar + 4:.1f}' y='{y + 10}' font-size='10'>"
                f"{key[:-3]} {value:.0f} ms</text>"
            )
        budget = result.figures.get("budget_p95_ms")
        if budget:
            x = label_w + plot_w * budget / scale_max
            parts.append(
                f"<line x1='{x:.1f}' y1='{top - 2}' x2='{x:.1f}' y2='{top + 42}' "
                "stroke='#c62828' stroke-dasharray='4 2'/>"
            )
    parts.append("</svg>")
    return "".join(parts)


def summary_to_html(summary: RunSummary) -> str:
    """The whole report as one HTML document."""
    info = summary.info
    counts = summary.counts
    meta_rows = [
        ("config", info.config_name),
        ("target", f"{info.target} ({info.target_kind})"),
        ("started", info.started.isoformat()),
        ("duration", f"{summary.duration_s:.2f} s"),
        ("tool version", info.tool_version),
        *((key, str(value)) for key, value in summary.metadata.items()),
    ]
    body = [
        f"<h1>mcc verify: {escape(info.config_name)}</h1>",
        "<table class='meta'>"
        + "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in meta_rows)
        + "</table>",
        "<p>"
        + ", ".join(f"<span class='{s.value}'>{counts[s.value]} {s.value}</span>" for s in Status)
        + f" of {counts['total']} clauses</p>",
    ]
    ordered = sorted(summary.results, key=lambda r: r.clause.api)
    for api, group in groupby(ordered, key=lambda r: r.clause.api):
        body.append(f"<h2>{escape(api)}</h2><table><tr><th>clause</th><th>result</th>")
        body.append(f"<th>message and evidence</th></tr>{_clause_rows(list(group))}</table>")
    chart = latency_svg(list(summary.results))
    if chart:
        body.append(f"<h2>Latency</h2>{chart}")
    coverage = summary.coverage
    if coverage.rules or coverage.unmapped:
        body.append("<h2>Mapping coverage</h2><table><tr><th>api</th><th>rule</th>")
        body.append("<th>outcome</th><th>fired</th></tr>")
        body.extend(
            f"<tr><td>{escape(r.api)}</td><td>{escape(r.key)} = {escape(repr(r.value))}</td>"
            f"<td>{escape(r.outcome)}</td><td>{r.fired}</td></tr>"
            for r in coverage.rules
        )
        body.append("</table>")
        if coverage.unmapped:
            body.append("<h3>Answers no rule mapped</h3><ul>")
            body.extend(
                f"<li>{escape(u.api)}: HTTP {u.status} {escape(u.content_type)}"
                f"<pre>{escape(u.excerpt)}</pre></li>"
                for u in coverage.unmapped
            )
            body.append("</ul>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>mcc verify {escape(info.config_name)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
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
