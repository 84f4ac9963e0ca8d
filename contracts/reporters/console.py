"""Console reporter: a progress bar while the run goes, then a scorecard.

The scorecard groups clauses by API and shows, for every clause that did not
pass, the message that names what was wrong, so a partner can act on the
terminal output alone; the files hold the full evidence. Every text that may
come from the partner (or the command line) is printed through
``contracts.evidence.visible``: an ANSI or OSC sequence in an answer shows as
``␛[31m``, never as a colour, a new window title or a cleared screen.
"""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from rich.text import Text

from contracts.events import (
    ClauseFinished,
    ClauseStarted,
    Event,
    RunFinished,
    RunStarted,
    RunSummary,
    Status,
)
from contracts.evidence import visible

__all__ = ["ConsoleReporter"]

_STYLE = {
    Status.PASS: ("PASS", "bold green"),
    Status.FAIL: ("FAIL", "bold red"),
    Status.ERROR: ("ERROR", "bold yellow"),
    Status.SKIP: ("SKIP", "dim"),
}


class ConsoleReporter:
    """Renders the run on a rich ``Console`` (stdout unless one is given)."""

    def __init__(self, console: Console | None = None, *, progress: bool = True) -> None:
        self.console = console or Console()
        self._show_progress = progress and self.console.is_terminal
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def handle(self, event: Event) -> None:
        """Advance the progress bar, and print the scorecard at the end."""
        if isinstance(event, RunStarted):
            info = event.info
            self.console.print(
                Text.assemble(
                    ("mcc verify", "bold"),
                    visible(
                        f" {info.config_name} against {info.target}"
                        f" ({info.target_kind}), {len(info.clauses)} clauses"
                    ),
                )
            )
            if info.call_log_url and info.call_log_delivery == "account":
                where = (
                    "seeded in the simulator"
                    if info.target_kind == "embedded"
                    else ("set this URL in the partner's account before the call-log clauses run")
                )
                self.console.print(
                    visible(f"call logs to {info.call_log_url} ({where})"), markup=False
                )
            elif info.call_log_url:
                self.console.print(
                    visible(f"call logs to {info.call_log_url} (sent with each click-to-call)"),
                    markup=False,
                )
            if self._show_progress:
                self._progress = Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    console=self.console,
                    transient=True,
                )
                self._progress.start()
                self._task = self._progress.add_task("starting", total=len(info.clauses))
        elif isinstance(event, ClauseStarted):
            if self._progress is not None and self._task is not None:
                self._progress.update(self._task, description=event.clause.id)
        elif isinstance(event, ClauseFinished):
            if self._progress is not None and self._task is not None:
                self._progress.advance(self._task)
        elif isinstance(event, RunFinished):
            if self._progress is not None:
                self._progress.stop()
                self._progress = None
            self._scorecard(event.summary)

    def _scorecard(self, summary: RunSummary) -> None:
        ordered = sorted(summary.results, key=lambda r: r.clause.api)
        for api, group in groupby(ordered, key=lambda r: r.clause.api):
            table = Table(title=visible(api), title_justify="left", expand=False, show_lines=False)
            table.add_column("clause", no_wrap=True)
            table.add_column("result", no_wrap=True)
            table.add_column("message", overflow="fold")
            for result in group:
                label, style = _STYLE[result.status]
                table.add_row(
                    visible(result.clause.id),
                    Text(label, style=style),
                    Text(visible(result.message)),
                )
            self.console.print(table)
        self._coverage(summary)
        counts = summary.counts
        verdict = {0: "[bold green]conformant[/]", 1: "[bold red]NOT conformant[/]"}.get(
            summary.exit_code, "[bold yellow]could not test everything[/]"
        )
        self.console.print(
            f"{counts['pass']} passed, {counts['fail']} failed, {counts['error']} errors, "
            f"{counts['skip']} skipped in {summary.duration_s:.1f} s: {verdict}"
        )

    def _coverage(self, summary: RunSummary) -> None:
        coverage = summary.coverage
        if not coverage.rules and not coverage.unmapped:
            return
        table = Table(title="mapping coverage", title_justify="left")
        table.add_column("api", no_wrap=True)
        table.add_column("rule")
        table.add_column("outcome", no_wrap=True)
        table.add_column("fired", justify="right")
        for rule in coverage.rules:
            table.add_row(
                visible(rule.api),
                Text(visible(f"{rule.key} = {rule.value!r}")),
                rule.outcome,
                Text(str(rule.fired), style="dim" if rule.fired == 0 else ""),
            )
        self.console.print(table)
        for answer in coverage.unmapped:
            # Text, not markup: an excerpt may hold "[...]" that rich would parse.
            self.console.print(
                Text.assemble(
                    ("unmapped ", "red"),
                    visible(
                        f"{answer.api}: HTTP {answer.status} {answer.content_type} "
                        f"{answer.excerpt[:80]!r}"
                    ),
                )
            )
