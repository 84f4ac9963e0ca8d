"""Record a partner: run the probes of ``mcc verify`` and keep every exchange.

:func:`record` runs the conformance runner with a tap (:mod:`contracts.tap`):
each exchange a clause makes becomes a cassette (:mod:`contracts.cassettes`),
named after the clause that sent it, and each call log the partner pushes to
the run's receiver is filed with the call whose id it carries. Nothing is
written here; :func:`contracts.cassettes.format.write_directory` does that.

``safe_only`` runs only the error-path probes, which have no side effect on a
partner's production account (no call is placed, nothing is rate-limited):
a wrong key, the pop-up's missing parameters, an unknown agent, an idle
agent, and a DND number, which the partner must refuse.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import httpx

import connector
from contracts.cassettes.capture import Capture
from contracts.cassettes.format import Cassette, CassetteIndex
from contracts.clauses.context import Options, Seen
from contracts.events import (
    ClauseFinished,
    ClauseStarted,
    Event,
    RunFinished,
    RunStarted,
    RunSummary,
)
from contracts.fixtures import EMBEDDED, Fixtures
from contracts.probe import HeadersOnly
from contracts.receiver import Delivery
from contracts.runner import run, tool_version
from contracts.tap import Tap
from contracts.target import config_secrets, default_env, embedded_env

__all__ = ["SAFE_CLAUSES", "Recording", "record"]

_RECORDING_TIMEOUT_S = 10.0
# Error paths only: nothing is dialled but a DND number, which must be refused.
SAFE_CLAUSES = (
    "click_to_call.invalid_credentials",
    "click_to_call.dnd",
    "agent_popup.error.empty_username",
    "agent_popup.error.empty_api_key",
    "agent_popup.error.empty_agent_phone",
    "agent_popup.error.invalid_credentials",
    "agent_popup.error.invalid_agent_number",
    "agent_popup.error.no_call",
)


@dataclass
class Recording:
    """What a recording run saw: the index, one cassette per probe, the run's summary."""

    index: CassetteIndex
    cassettes: list[Cassette]
    summary: RunSummary


@dataclass
class _Exchange:
    seen: Seen
    clause: str
    at: datetime


@dataclass
class _Taps:
    """Collects exchanges (run thread) and deliveries (receiver thread)."""

    clause: str = ""
    exchanges: list[_Exchange] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    recordings: dict[str, tuple[int, str]] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)  # recording URLs probed (or being probed)
    threads: list[threading.Thread] = field(default_factory=list)

    def exchange(self, seen: Seen) -> None:
        self.exchanges.append(_Exchange(seen, self.clause, datetime.now(UTC)))

    def delivery(self, delivery: Delivery) -> None:
        with self.lock:
            self.deliveries.append(delivery)
            # A redelivered call log links the same recording: probe each URL once.
            urls = {r.recording_url for r in delivery.records if r.recording_url} - self.asked
            self.asked |= urls
        for url in sorted(urls):
            # Headers only, in its own thread: the receiver answers the partner now.
            thread = threading.Thread(target=self._head, args=(url,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _head(self, url: str) -> None:
        """How the recording URL answers (status, content type), as callback.recording asks."""
        try:
            with HeadersOnly(_RECORDING_TIMEOUT_S, follow_redirects=True) as probe:
                answered = probe.head_or_get(url)
        except httpx.HTTPError:
            return
        with self.lock:
            self.recordings[url] = (answered.status, answered.headers.get("content-type", ""))


def _secrets(
    config: connector.ConnectorConfig, target: str | None, env: Mapping[str, str]
) -> list[str]:
    run_env = embedded_env(config, env)[0] if target is None else env
    return [run_env[name] for name in config_secrets(config) if run_env.get(name)]


def _fixtures_in_effect(target: str | None, fixtures: Fixtures | None) -> Fixtures:
    if target is None:
        given = fixtures.model_dump(exclude_defaults=True) if fixtures is not None else {}
        return EMBEDDED.model_copy(update=given)
    return fixtures or Fixtures()


def record(
    config: connector.ConnectorConfig,
    target: str | None = None,
    fixtures: Fixtures | None = None,
    options: Options | None = None,
    *,
    env: Mapping[str, str] | None = None,
    safe_only: bool = False,
    on_event: Callable[[Event], None] | None = None,
) -> Recording:
    """Run the probes against ``target`` (``None``: the embedded simulator) and keep them.

    ``on_event`` sees every run event (a console reporter shows progress).
    Raises ``CannotRunError`` as :func:`contracts.run` does.
    """
    options = options or Options()
    if safe_only:
        options = replace(options, only=SAFE_CLAUSES, latency_calls=0)
    env = default_env() if env is None else env
    taps = _Taps()
    summary: RunSummary | None = None
    callback_url: str | None = None
    started: RunStarted | None = None
    for event in run(
        config,
        target,
        fixtures,
        options,
        env=env,
        tap=Tap(exchange=taps.exchange, delivery=taps.delivery),
    ):
        if isinstance(event, RunStarted):
            started = event
            callback_url = event.info.call_log_url
        elif isinstance(event, ClauseStarted):
            taps.clause = event.clause.id
        elif isinstance(event, ClauseFinished):
            taps.clause = ""
        elif isinstance(event, RunFinished):
            summary = event.summary
        if on_event is not None:
            on_event(event)
    assert summary is not None
    assert started is not None
    for thread in taps.threads:
        thread.join(_RECORDING_TIMEOUT_S)
    capture = Capture(
        fixtures=_fixtures_in_effect(target, fixtures),
        region=config.default_region,
        secrets=_secrets(config, target, env),
        show_numbers=options.show_numbers,
        callback_url=callback_url,
        base_url=started.info.target,
        recordings=dict(taps.recordings),
    )
    cassettes = _cassettes(capture, taps)
    index = CassetteIndex(
        recorded_at=started.info.started.astimezone(UTC).isoformat(timespec="seconds"),
        config=config.name,
        target=summary.info.target if summary.info.target_kind == "url" else "embedded",
        target_kind=summary.info.target_kind,
        tool_version=tool_version(),
        safe_only=safe_only,
        only=tuple(options.only),
        numbers_masked=not options.show_numbers,
        probes=tuple(c.probe for c in cassettes),
        clauses={r.clause.id: str(r.status) for r in summary.results},
    )
    return Recording(index, cassettes, summary)


def _cassettes(capture: Capture, taps: _Taps) -> list[Cassette]:
    counts: dict[str, int] = {}
    cassettes: list[Cassette] = []
    with taps.lock:
        deliveries = list(taps.deliveries)
    used: set[int] = set()
    for order, item in enumerate(taps.exchanges, start=1):
        clause = item.clause or "run"
        counts[clause] = counts.get(clause, 0) + 1
        probe = clause if counts[clause] == 1 else f"{clause}.{counts[clause]}"
        cassette = capture.cassette(item.seen, probe=probe, clause=clause, order=order, at=item.at)
        call_id = cassette.outcome.get("call_id")
        raw_id = (
            connector.call_id(item.seen.result.outcome.data, item.seen.result.answer)
            if call_id
            else None
        )
        if raw_id:
            logs = []
            texts: list[str] = []
            for position, delivery in enumerate(deliveries):
                if position in used or raw_id not in delivery.call_ids:
                    continue
                used.add(position)
                after = (delivery.received_at - item.at).total_seconds()
                log, raw = capture.call_log(delivery, after)
                logs.append(log)
                texts += raw
            if logs:
                numbers = {**cassette.numbers, **capture.numbers_in(texts)}
                cassette = replace(cassette, call_logs=tuple(logs), numbers=numbers)
        cassettes.append(cassette)
    _attach_unreadable(capture, taps, cassettes, deliveries, used)
    return cassettes


def _attach_unreadable(
    capture: Capture,
    taps: _Taps,
    cassettes: list[Cassette],
    deliveries: list[Delivery],
    used: set[int],
) -> None:
    """File a call log the parser could not read (so no call id) with the call before it.

    The latest call with an id and no call log yet, placed before it arrived:
    what a drift to an unreadable call log needs to be seen at all.
    """
    for position, delivery in enumerate(deliveries):
        if position in used or delivery.problem is None:
            continue
        candidates = [
            i
            for i, (item, cassette) in enumerate(zip(taps.exchanges, cassettes, strict=True))
            if cassette.outcome.get("call_id")
            and not cassette.call_logs
            and item.at <= delivery.received_at
        ]
        if not candidates:
            continue
        chosen = candidates[-1]
        item, cassette = taps.exchanges[chosen], cassettes[chosen]
        log, raw = capture.call_log(delivery, (delivery.received_at - item.at).total_seconds())
        numbers = {**cassette.numbers, **capture.numbers_in(raw)}
        cassettes[chosen] = replace(cassette, call_logs=(log,), numbers=numbers)
        used.add(position)
