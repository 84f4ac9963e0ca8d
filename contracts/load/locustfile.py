"""Locust's side of ``mcc load``: the user classes, and the hooks that hand figures back.

This module is a locustfile: ``mcc load`` runs ``python -m locust -f`` on it
in a child process, so Locust's gevent monkey-patching never reaches ``mcc``
or any other command. Nothing else imports it.

User classes (``--user-class``):

- :class:`ConnectorFastUser` (``fast``, the default): Locust's ``FastHttpUser``
  sends the request the connector renders, byte for byte (method, URL, headers,
  body), and the answer is read and mapped as the connector reads and maps it
  (:class:`contracts.load.traffic.ApiTraffic`). It follows no redirect.
- :class:`ConnectorClientUser` (``connector``): every request goes through the
  connector's own ``connector.Client`` (httpx, its deadline, its redirect rule,
  its bounded read): the exchange is the connector's, at a higher CPU cost
  per request on the load generator. docs/load.md has both measured.
- :class:`CallLogUser`: posts provider call logs to ``mcc serve``.

Every request is paced with ``constant_throughput(max_rps / users)``, so all
users together, on any number of workers, stay at or under ``--max-rps``.

Hooks: ``--mcc-plan`` (the plan's JSON, from ``MCC_LOAD_PLAN``) is a custom
argument, which Locust forwards from the master to every worker; each
process builds its traffic at ``test_start``. Workers add their call-log
ledger to each stats report; the master (or the single local process) writes
``--mcc-run-file`` when it quits, and sets exit code 0: ``mcc load`` decides
pass or fail from that file.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any, cast

from locust import FastHttpUser, User, constant_throughput, events, task
from locust.env import Environment
from locust.exception import CatchResponseError
from locust.runners import STATE_STOPPED, STATE_STOPPING, MasterRunner, WorkerRunner
from locust.stats import CSV_STATS_INTERVAL_SEC, StatsEntry

import connector
from contracts.evidence import SafeText
from contracts.load.calllogs import CallLogTraffic, Ledger, UserCalls
from contracts.load.plan import PLAN_ENV, TOKEN_ENV, LoadPlan
from contracts.load.traffic import ApiTraffic, Judgement, fold_message

__all__ = ["CallLogUser", "ConnectorClientUser", "ConnectorFastUser"]

_TOKEN_HEADER = "X-MCC-Token"


@dataclass
class _State:
    """This process's traffic, built at ``test_start`` from the forwarded plan."""

    plan: LoadPlan | None = None
    api: ApiTraffic | None = None
    calllog: CallLogTraffic | None = None
    token: str = ""
    safe: SafeText = field(default_factory=SafeText)
    ledger: Ledger = field(default_factory=Ledger)
    numbers: count[int] = field(default_factory=count)
    pace: Callable[[Any], float] | None = None
    started: float = 0.0
    # Master: requests each worker reported (a worker's report holds what is new since the last).
    workers: dict[str, int] = field(default_factory=dict)


STATE = _State()


def _arguments(parser: Any, **_: Any) -> None:
    parser.add_argument(
        "--mcc-plan",
        env_var=PLAN_ENV,
        default="",
        include_in_web_ui=False,
        help="mcc load's plan (JSON); forwarded from the master to every worker",
    )
    parser.add_argument(
        "--mcc-run-file",
        default="",
        include_in_web_ui=False,
        help="where the master (or the one local process) writes the run's figures",
    )


def _build(environment: Environment, **_: Any) -> None:
    options = environment.parsed_options
    text = getattr(options, "mcc_plan", "") if options is not None else ""
    if not text:
        raise RuntimeError("mcc load: no --mcc-plan; run this locustfile through `mcc load`")
    plan = LoadPlan.from_json(text)
    STATE.plan = plan
    STATE.started = time.time()
    STATE.pace = constant_throughput(plan.per_user_rps)
    if plan.mode == "api":
        STATE.api = ApiTraffic(plan, os.environ)
        timeout = max(STATE.api.api(name).timeout for name in plan.mix)
        ConnectorFastUser.network_timeout = timeout + 1.0
        ConnectorFastUser.connection_timeout = timeout + 1.0
    else:
        index = getattr(environment.runner, "worker_index", 0)
        STATE.calllog = CallLogTraffic(plan, process_index=max(0, int(index)))
        STATE.token = os.environ.get(TOKEN_ENV, "")
        STATE.safe = SafeText([STATE.token] if STATE.token else [])


def _report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    if STATE.plan is not None and STATE.plan.mode == "calllog":
        data["mcc_ledger"] = STATE.ledger.drain()


def _merge(client_id: str, data: dict[str, Any], **_: Any) -> None:
    total = data.get("stats_total")
    reported = total.get("num_requests", 0) if isinstance(total, dict) else 0
    STATE.workers[client_id] = STATE.workers.get(client_id, 0) + int(reported or 0)
    part = data.get("mcc_ledger")
    if isinstance(part, dict):
        STATE.ledger.merge(part)


def _figures(entry: StatsEntry) -> dict[str, Any]:
    requests = entry.num_requests
    return {
        "name": entry.name,
        "method": entry.method,
        "requests": requests,
        "failures": entry.num_failures,
        "avg_ms": round(entry.avg_response_time, 1),
        "p50_ms": entry.get_response_time_percentile(0.50) if requests else None,
        "p95_ms": entry.get_response_time_percentile(0.95) if requests else None,
        "p99_ms": entry.get_response_time_percentile(0.99) if requests else None,
        "max_ms": round(entry.max_response_time or 0.0, 1),
        "rps": round(entry.total_rps, 2),
    }


def _write_run(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    options = environment.parsed_options
    target = getattr(options, "mcc_run_file", "") if options is not None else ""
    if runner is None or isinstance(runner, WorkerRunner) or not target:
        return
    if runner.state not in (STATE_STOPPED, STATE_STOPPING):
        runner.stop()  # Ctrl-C: every user stops before the figures are taken
    if getattr(options, "csv_prefix", None):
        # Locust's CSV writer rewrites its files every second: let it write the final figures
        # (time.sleep is gevent's here: Locust has patched the process).
        time.sleep(CSV_STATS_INTERVAL_SEC + 0.25)
    stats = runner.stats
    by_name: dict[str, StatsEntry] = {}
    for entry in stats.entries.values():
        merged = by_name.get(entry.name)
        if merged is None:
            merged = by_name[entry.name] = StatsEntry(stats, entry.name, entry.method or "")
        merged.extend(entry)
    run: dict[str, Any] = {
        "entries": [_figures(entry) for _, entry in sorted(by_name.items())],
        "total": _figures(stats.total),
        "failures": [
            {
                "name": error.name,
                "method": error.method,
                "message": fold_message(error.parse_error(error.error)),
                "occurrences": error.occurrences,
            }
            for error in sorted(stats.errors.values(), key=lambda e: -e.occurrences)[:50]
        ],
        "start": stats.start_time,
        "end": stats.last_request_timestamp or stats.start_time,
        "workers": len(STATE.workers) if isinstance(runner, MasterRunner) else 0,
        "requests_per_worker": sorted(STATE.workers.values(), reverse=True),
    }
    if STATE.plan is not None and STATE.plan.mode == "calllog":
        run["ledger"] = STATE.ledger.to_dict()
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, indent=1), encoding="utf-8")
    environment.process_exit_code = 0


_LISTENERS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("init_command_line_parser", _arguments),
    ("test_start", _build),
    ("report_to_master", _report),
    ("worker_report", _merge),
    ("quitting", _write_run),
)
for _hook, _listener in _LISTENERS:
    _add: Callable[[Callable[..., None]], object] = getattr(events, _hook).add_listener
    _add(_listener)


def _fire(
    user: User,
    judgement: Judgement,
    *,
    method: str,
    name: str,
    started: float,
    elapsed_s: float = 0.0,
    length: int = 0,
) -> None:
    user.environment.events.request.fire(
        request_type=method,
        name=name,
        response_time=elapsed_s * 1000.0,
        response_length=length,
        exception=None if judgement.ok else CatchResponseError(judgement.message),
        context={},
        start_time=started,
        url=None,
    )


def _pace(user: User) -> float:
    return STATE.pace(user) if STATE.pace is not None else 1.0


class ConnectorFastUser(FastHttpUser):
    """The connector's requests on Locust's ``FastHttpUser`` (geventhttpclient)."""

    max_redirects = 0  # the connector refuses redirects to other hosts; this user follows none
    insecure = False  # verify TLS certificates, as the connector does

    def wait_time(self) -> float:
        return _pace(self)

    def on_start(self) -> None:
        self._rng = random.Random()

    @task
    def call(self) -> None:
        traffic = STATE.api
        assert traffic is not None
        name = traffic.pick(self._rng)
        try:
            request = traffic.render(name, next(STATE.numbers))
        except connector.ConnectorError as exc:
            failed = traffic.render_failure(name, exc)
            _fire(self, failed, method="-", name=name, started=time.time())
            return
        headers = dict(request.headers)
        if request.content_type and not any(h.lower() == "content-type" for h in headers):
            headers["Content-Type"] = request.content_type
        with self.client.request(
            request.method,
            request.url,
            name=name,
            data=cast(Any, request.body),  # bytes, as rendered (the stub says str)
            headers=headers,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            elapsed = float(response.request_meta["response_time"]) / 1000.0
            if not response.status_code:
                judgement = traffic.transport(name, response.error or RuntimeError("no answer"))
            else:
                content_type = response.headers.get("content-type") if response.headers else None
                judgement = traffic.judge(
                    name,
                    status=response.status_code,
                    content_type=content_type,
                    body=response.content or b"",
                    elapsed_s=elapsed,
                )
            if judgement.ok:
                response.success()
            else:
                response.failure(judgement.message)


class ConnectorClientUser(User):
    """The connector's requests through ``connector.Client`` itself (httpx)."""

    def wait_time(self) -> float:
        return _pace(self)

    def on_start(self) -> None:
        assert STATE.api is not None
        self._rng = random.Random()
        self._client = connector.Client(env=STATE.api.env)

    def on_stop(self) -> None:
        self._client.close()

    @task
    def call(self) -> None:
        traffic = STATE.api
        assert traffic is not None
        name = traffic.pick(self._rng)
        started = time.time()
        try:
            request = traffic.render(name, next(STATE.numbers))
        except connector.ConnectorError as exc:
            _fire(self, traffic.render_failure(name, exc), method="-", name=name, started=started)
            return
        result = self._client.send(request, traffic.api(name), name=name)
        outcome = result.outcome
        length = len(result.answer.text) if result.answer is not None else 0
        _fire(
            self,
            traffic.outcome(name, outcome),
            method=request.method,
            name=name,
            started=started,
            elapsed_s=outcome.elapsed,
            length=length,
        )


class CallLogUser(FastHttpUser):
    """A provider pushing call logs to ``mcc serve``: one connection, its own calls."""

    max_redirects = 0
    insecure = False

    def wait_time(self) -> float:
        return _pace(self)

    def on_start(self) -> None:
        assert STATE.calllog is not None
        self._calls: UserCalls = STATE.calllog.user()

    @task
    def post(self) -> None:
        traffic = STATE.calllog
        assert traffic is not None
        delivery = traffic.next_delivery(self._calls)
        STATE.ledger.sent(delivery)
        headers = {"Content-Type": delivery.content_type}
        if STATE.token:
            headers[_TOKEN_HEADER] = STATE.token
        with self.client.request(
            "POST",
            delivery.path,
            name=delivery.dialect,
            data=cast(Any, delivery.body),
            headers=headers,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if not response.status_code:
                error = response.error or RuntimeError("no answer")
                message = f"{delivery.dialect}: no answer ({type(error).__name__}: {error})"
                judgement = Judgement(False, fold_message(STATE.safe.text(message)))
                activity = None
            else:
                judgement, activity = traffic.judge(
                    delivery, response.status_code, response.content or b""
                )
            if judgement.ok:
                STATE.ledger.ack(delivery.call_id, delivery.dialect, activity)
                response.success()
            else:
                response.failure(STATE.safe.text(judgement.message))
