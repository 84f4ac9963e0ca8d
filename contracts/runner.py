"""The conformance runner: run every clause against a target, yield events.

``run`` is a generator: it starts the target (the embedded simulator unless a
URL is given), yields ``RunStarted``, a ``ClauseStarted``/``ClauseFinished``
pair per clause and ``RunFinished`` with the summary, and stops the target
when the consumer is done, even early. It never prints; reporters consume the
events. ``verify`` drains it and returns the summary. Problems that stop the
whole run before it starts (unreachable target, missing variable) raise
``CannotRunError`` with a one-line reason.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Mapping
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import connector
from contracts.clauses.answers import coverage
from contracts.clauses.context import DEFAULT_BUDGETS_MS, Context, Options
from contracts.clauses.fuzz import dialect_for
from contracts.clauses.latency import measure_client_overhead
from contracts.clauses.registry import Clause, Verdict, registered
from contracts.clauses.signals import CannotTest, PartnerFault, SkipClause
from contracts.errors import CannotRunError, ContractsError, SpecError
from contracts.events import (
    ClauseFinished,
    ClauseResult,
    ClauseStarted,
    Event,
    RunFinished,
    RunInfo,
    RunStarted,
    RunSummary,
    Status,
)
from contracts.evidence import SafeText
from contracts.fixtures import Fixtures
from contracts.receiver import CallLogReceiver, parse_listen
from contracts.tap import Tap
from contracts.target import (
    Target,
    config_secrets,
    default_env,
    embedded_env,
    open_url,
    require_env,
    start_embedded,
)

__all__ = [
    "DEFAULT_BUDGETS_MS",
    "CannotRunError",
    "Options",
    "clause_ids",
    "run",
    "tool_version",
    "verify",
]


def tool_version() -> str:
    """The installed harness version (``0+unknown`` from a bare checkout)."""
    try:
        return metadata.version("mobile-cloud-calling-harness")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _selected(options: Options) -> list[Clause]:
    clauses = registered()
    if not options.only:
        return clauses
    chosen = [c for c in clauses if any(c.info.id.startswith(p) for p in options.only)]
    if not chosen:
        raise CannotRunError(f"no clause id starts with {', '.join(options.only)}")
    return chosen


def clause_ids() -> list[str]:
    """Every clause id, in run order."""
    return [c.info.id for c in registered()]


def _run_one(item: Clause, ctx: Context, safe: SafeText) -> ClauseResult:
    start = time.perf_counter()
    try:
        verdict = item.check(ctx)
    except SkipClause as skip:
        verdict = Verdict(Status.SKIP, str(skip))
    except PartnerFault as fault:
        verdict = Verdict(Status.FAIL, str(fault), fault.evidence)
    except CannotTest as cannot:
        verdict = Verdict(Status.ERROR, str(cannot), cannot.evidence)
    except (ContractsError, connector.ConnectorError) as exc:  # deliberate: we could not test
        verdict = Verdict(Status.ERROR, f"could not test: {exc}")
    except Exception as exc:  # a bug in a check must not look like a partner failure
        verdict = Verdict(Status.ERROR, f"internal error in the check: {type(exc).__name__}: {exc}")
    return ClauseResult(
        clause=item.info,
        status=verdict.status,
        message=safe.text(verdict.message),
        evidence=verdict.evidence,
        duration_s=time.perf_counter() - start,
        figures=dict(verdict.figures),
        samples_ms=verdict.samples_ms,
    )


def _offered_only(item: Clause) -> Clause:
    """``item`` skipping, with the config's reason, when its API is not offered.

    The skip comes before the check asks for a fixture, so every clause of an
    API the provider does not have gives the same reason.
    """

    def check(ctx: Context) -> Verdict:
        ctx.skip_if_not_offered(item.info.api)
        return item.check(ctx)

    return Clause(item.info, check)


def _open(
    config: connector.ConnectorConfig,
    target: str | None,
    fixtures: Fixtures | None,
    env: Mapping[str, str],
) -> tuple[Target, dict[str, str], connector.ConnectorConfig]:
    if target is None:
        run_env, _account = embedded_env(config, env)
        opened = start_embedded(config, env)
        if fixtures is not None:
            # Explicit fixtures win field by field over the arranged ones.
            given = fixtures.model_dump(exclude_defaults=True)
            opened.fixtures = opened.fixtures.model_copy(update=given)
    else:
        require_env(config, env)
        run_env = dict(env)
        opened = open_url(target, fixtures or Fixtures())
    try:
        rebased = connector.with_base_url(config, opened.base_url)
    except connector.ConfigError as exc:
        opened.close()
        raise CannotRunError(str(exc).splitlines()[0]) from None
    return opened, run_env, rebased


def run(
    config: connector.ConnectorConfig,
    target: str | None = None,
    fixtures: Fixtures | None = None,
    options: Options | None = None,
    *,
    env: Mapping[str, str] | None = None,
    tap: Tap | None = None,
) -> Generator[Event, None, None]:
    """Verify ``config`` against ``target`` (a base URL; ``None``: embedded simulator).

    ``tap`` hears of every exchange and call-log delivery (``mcc record``).
    """
    options = options or Options()
    tap = tap or Tap()
    clauses = _selected(options)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    opened, run_env, rebased = _open(
        config, target, fixtures, default_env() if env is None else env
    )
    client = connector.Client(env=run_env)
    receiver: CallLogReceiver | None = None
    try:
        named = {name: run_env[name] for name in config_secrets(config) if run_env.get(name)}
        safe = SafeText(named.values(), show_numbers=options.show_numbers)
        receiver = _receiver(config, options, opened, tap)
        try:
            dialect = dialect_for(config)
        except SpecError:  # the fuzz clause, if it runs, reports the same problem
            dialect = None
        ctx = Context(
            config=rebased,
            client=client,
            fixtures=opened.fixtures,
            options=options,
            env=run_env,
            base_url=opened.base_url,
            control=opened.control,
            dialect=dialect,
            rearm=opened.rearm if opened.control is not None else None,
            limit_rate=opened.limit_rate if opened.control is not None else None,
            receiver=receiver,
            secrets=named,
            tap=tap.exchange,
        )
        info = RunInfo(
            target=opened.base_url,
            target_kind=opened.kind,
            config_name=config.name,
            started=started,
            tool_version=tool_version(),
            clauses=tuple(c.info for c in clauses),
            options=options.to_dict(),
            call_log_url=safe.text(receiver.url) if receiver else None,
            call_log_delivery=str(config.call_log.delivery)
            if receiver and config.call_log
            else None,
        )
        yield RunStarted(info)
        results: list[ClauseResult] = []
        for index, item in enumerate(clauses, start=1):
            yield ClauseStarted(item.info, index, len(clauses))
            result = _run_one(_offered_only(item), ctx, safe)
            results.append(result)
            yield ClauseFinished(result)
        yield RunFinished(
            RunSummary(
                info=info,
                results=tuple(results),
                duration_s=time.perf_counter() - clock,
                coverage=coverage(ctx),
                metadata=_metadata(ctx, dialect),
            )
        )
    finally:
        if receiver is not None:
            receiver.close()
        client.close()
        opened.close()


def _receiver(
    config: connector.ConnectorConfig, options: Options, opened: Target, tap: Tap
) -> CallLogReceiver | None:
    """The run's call-log receiver, started when the config has a call_log; the
    embedded simulator is pointed at it.

    Started whatever clauses run: a per-call config's every click-to-call
    carries the receiver's URL (@CallbackUrl), so every probe can be rendered.
    """
    log = config.call_log
    if log is None:
        return None
    listen = parse_listen(options.callback_listen) if options.callback_listen else None
    receiver = CallLogReceiver(
        log.format,
        listen=listen or ("127.0.0.1", 0),
        public_url=options.callback_url,
        on_delivery=tap.delivery,
    ).start()
    try:
        opened.push_call_logs_to(receiver.url, per_call=log.delivery == "per_call")
    except Exception:
        receiver.close()
        raise
    return receiver


def verify(
    config: connector.ConnectorConfig,
    target: str | None = None,
    fixtures: Fixtures | None = None,
    options: Options | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> RunSummary:
    """Run :func:`run` to the end and return its summary, for scripts that want only that.

    The stream is drained, not left at ``RunFinished``, so the target (the
    embedded simulator) is stopped before this returns.
    """
    summary: RunSummary | None = None
    for event in run(config, target, fixtures, options, env=env):
        if isinstance(event, RunFinished):
            summary = event.summary
    if summary is None:  # run() always ends with RunFinished or raises; kept for the type
        raise CannotRunError("the run ended without a summary")
    return summary


def _metadata(ctx: Context, dialect: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"dialect": dialect, "client_overhead_ms": None}
    if ctx.embedded:
        try:
            measured = measure_client_overhead(ctx)
        except (CannotTest, SkipClause, connector.ConnectorError):
            measured = None
        data.update({key: round(value, 3) for key, value in (measured or {}).items()})
    data.update(ctx.metadata)
    return data
