"""One ``mcc load`` run: its plan from the options, Locust in a child, the verdict and reports.

:mod:`contracts.load.cli` parses the command line and imports this module only
when a run starts, so ``mcc load --help`` loads none of the run's stack.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shlex
import socket
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

import connector
from contracts.clauses.context import DEFAULT_BUDGETS_MS
from contracts.evidence import SafeText
from contracts.fixtures import Fixtures, load_fixtures
from contracts.load.calllogs import Ledger
from contracts.load.launch import CSV_PREFIX, HTML_NAME, STOP_GRACE_S, Role, locust_argv, run_locust
from contracts.load.options import (
    API_NAMES,
    CALLLOG_DIALECTS,
    MAX_DURATION_S,
    MAX_RPS,
    USER_CLASSES,
    LoadInputError,
    base_url,
    is_loopback,
    parse_duration,
    parse_mix,
    parse_thresholds,
)
from contracts.load.plan import PLAN_ENV, TOKEN_ENV, LoadPlan
from contracts.load.traffic import ApiTraffic
from contracts.load.verdict import calllog_check, evaluate, store_activities
from contracts.target import Target, config_secrets, embedded_env, open_url, require_env

__all__ = ["execute"]

MISSED = 1
INTERRUPTED = 130
DEFAULT_MIX = {"click_to_call": 1.0, "agent_popup": 10.0, "did_list": 0.1}
INSTALL_HINT = (
    "Locust is not installed; install the load extra: pip install -e '.[load]'"
    " (or pip install 'locust==2.47.0')"
)
_WORKER_ONLY = frozenset({"master_host", "master_port", "processes", "token", "worker"})


@dataclass(frozen=True)
class _Run:
    """What the parent keeps of a run to judge and report it."""

    plan: LoadPlan
    p95_ms: Mapping[str, float]
    secrets: tuple[str, ...]
    target_label: str
    db: Path | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE


def _role(ctx: click.Context, opts: Mapping[str, Any]) -> Role:
    if opts["master"] and opts["worker"]:
        raise LoadInputError("--master and --worker exclude each other")
    if opts["worker"]:
        extra = sorted(
            name for name in ctx.params if _given(ctx, name) and name not in _WORKER_ONLY
        )
        if extra:
            shown = ", ".join("--" + name.replace("_", "-") for name in extra)
            raise LoadInputError(
                f"a worker takes its traffic from the master; leave out {shown}"
                " (a worker takes only --master-host, --master-port, --processes and --token)"
            )
        return Role(
            "worker",
            processes=opts["processes"],
            master_host=opts["master_host"],
            master_port=opts["master_port"],
        )
    if opts["master"]:
        if opts["processes"]:
            raise LoadInputError(
                "--processes already makes this run the master of its local workers;"
                " drop --master, or start workers with: mcc load --worker --processes N"
            )
        return Role(
            "master",
            expect_workers=opts["expect_workers"],
            master_port=opts["master_port"],
            bind_host=opts["master_bind_host"],
            workers_wait_s=parse_duration(opts["workers_wait"], "--workers-wait"),
        )
    if _given(ctx, "expect_workers"):
        raise LoadInputError("--expect-workers needs --master")
    if opts["processes"]:
        # The local workers reach their master on loopback, on a port no other run holds.
        return Role(
            "local", processes=opts["processes"], master_port=_free_port(), bind_host="127.0.0.1"
        )
    return Role("local")


def _safe_to_load(url: str, yes: bool, what: str) -> None:
    if not is_loopback(url) and not yes:
        raise LoadInputError(
            f"{what} {url} is not on this machine; a load run against it places real calls"
            " and writes real data: add --yes to go ahead"
        )


def _mix(text: str | None, config: connector.ConnectorConfig) -> dict[str, float]:
    if text is None:
        mix = {name: w for name, w in DEFAULT_MIX.items() if name in config.apis}
    else:
        mix = parse_mix(text, API_NAMES)
    for name in mix:
        if name not in config.apis:
            reason = config.not_offered.get(name)
            why = f"the provider does not offer it ({reason})" if reason else "it is not configured"
            raise LoadInputError(f"--mix {name}: config {config.name!r} cannot call it: {why}")
    if not mix:
        raise LoadInputError(f"config {config.name!r} configures none of {', '.join(API_NAMES)}")
    return mix


def _p95(
    text: str | None,
    mix: Mapping[str, float],
    known: tuple[str, ...],
    defaults: Mapping[str, float],
) -> dict[str, float]:
    limits = {name: defaults[name] for name in mix if name in defaults}
    if text is not None:
        given = parse_thresholds(text, known)
        for name in given:
            if name not in mix:
                raise LoadInputError(f"--p95 {name}: not in the mix ({', '.join(mix)})")
        limits.update(given)
    return limits


def _fixtures(path: Path | None) -> Fixtures:
    return load_fixtures(path) if path is not None else Fixtures()


def _api_plan(opts: Mapping[str, Any], stack: ExitStack, run_id: str, duration: float) -> _Run:
    if not opts["config_name"]:
        raise LoadInputError("--config is required (a preset or a config file); or --calllog URL")
    config = connector.resolve_config(opts["config_name"])
    mix = _mix(opts["mix"], config)
    p95 = _p95(opts["p95_text"], mix, API_NAMES, DEFAULT_BUDGETS_MS)
    env: Mapping[str, str] = os.environ
    names = config_secrets(config)
    if opts["target"] is None:
        from contracts.target import start_embedded

        merged, _account = embedded_env(config, env)
        target: Target = start_embedded(config, env)
        stack.callback(target.close)
        env_defaults = {name: merged[name] for name in names if not env.get(name)}
        fixtures = target.fixtures
        if opts["fixtures_path"] is not None:
            given = _fixtures(opts["fixtures_path"]).model_dump(exclude_defaults=True)
            fixtures = fixtures.model_copy(update=given)
        label = f"{target.base_url} (embedded simulator)"
    else:
        url = base_url(opts["target"])
        _safe_to_load(url, opts["yes"], "--target")
        require_env(config, env)
        target = open_url(url, _fixtures(opts["fixtures_path"]))
        env_defaults, fixtures, label = {}, target.fixtures, target.base_url
        for api, fixture in (
            ("click_to_call", "customer_number"),
            ("agent_popup", "ringing_agent_phone"),
        ):
            if api in mix and not getattr(fixtures, fixture):
                raise LoadInputError(
                    f"{api} is in the mix but the fixtures have no {fixture}"
                    f" ({Fixtures.describe(fixture)}); pass --fixtures FILE"
                )
    rebased = connector.with_base_url(config, target.base_url)
    callback_url = _callback_url(opts, config, target, stack)
    plan = LoadPlan(
        mode="api",
        target=target.base_url,
        target_kind=target.kind,
        users=opts["users"],
        spawn_rate=opts["spawn_rate"],
        duration_s=duration,
        max_rps=opts["max_rps"],
        mix=mix,
        run_id=run_id,
        config_name=config.name,
        config=rebased.model_dump(mode="json"),
        fixtures=fixtures.model_dump(mode="json"),
        secret_names=tuple(names),
        env_defaults=env_defaults,
        callback_url=callback_url,
        user_class="connector" if opts["user_class"] == "connector" else "fast",
        show_numbers=opts["show_numbers"],
    )
    traffic = ApiTraffic(plan, env)  # every request must render before Locust starts
    for name in mix:
        try:
            traffic.render(name, 0)
        except connector.ConnectorError as exc:
            raise LoadInputError(f"cannot build the {name} request: {exc}") from None
    values = tuple(traffic.env[name] for name in names if traffic.env.get(name))
    return _Run(plan, p95, values, label)


def _callback_url(
    opts: Mapping[str, Any], config: connector.ConnectorConfig, target: Target, stack: ExitStack
) -> str | None:
    log = config.call_log
    if log is None or str(log.delivery) != "per_call":
        return None
    if opts["callback_url"]:
        return str(opts["callback_url"])
    if target.kind == "embedded":
        from contracts.load.sink import CallLogSink

        sink = CallLogSink()
        stack.callback(sink.close)
        return sink.url
    if log.url:
        return log.url
    raise LoadInputError(
        f"config {config.name!r} sends a call-log URL with each call (@CallbackUrl):"
        " pass --callback-url URL, where the partner should push this run's call logs"
    )


def _calllog_plan(opts: Mapping[str, Any], run_id: str, duration: float) -> _Run:
    url = base_url(opts["calllog_url"], "--calllog")
    _safe_to_load(url, opts["yes"], "--calllog")
    if opts["target"] is not None:
        raise LoadInputError("--calllog posts to mcc serve; leave out --target")
    dialects: tuple[str, ...] = CALLLOG_DIALECTS
    if opts["config_name"]:
        log = connector.resolve_config(opts["config_name"]).call_log
        if log is None:
            raise LoadInputError(f"config {opts['config_name']!r} has no call_log section")
        dialects = (str(log.format),)
    given = opts["mix"]
    mix = dict.fromkeys(dialects, 1.0) if given is None else parse_mix(given, dialects)
    p95 = _p95(opts["p95_text"], mix, dialects, {})
    token = opts["token"] or ""
    plan = LoadPlan(
        mode="calllog",
        target=url,
        target_kind="url",
        users=opts["users"],
        spawn_rate=opts["spawn_rate"],
        duration_s=duration,
        max_rps=opts["max_rps"],
        mix=mix,
        run_id=run_id,
        duplicate_rate=opts["duplicate_rate"],
        reorder_rate=opts["reorder_rate"],
    )
    return _Run(plan, p95, (token,) if token else (), url, db=opts["db"])


def _redact_reports(folder: Path, safe: SafeText) -> int:
    """Secrets that reached a report file are replaced with ``***``; how many files changed."""
    if not safe.secrets:
        return 0
    changed = 0
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        cleaned = text
        for secret in sorted(safe.secrets, key=len, reverse=True):
            cleaned = cleaned.replace(secret, "***")
        if cleaned != text:
            path.write_text(cleaned, encoding="utf-8")
            changed += 1
    return changed


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "not measured"
    return f"{value:g} ms" if unit == "ms" else f"{value:.2%}"


def _report(
    run: _Run,
    figures: Mapping[str, Any],
    folder: Path,
    *,
    max_error_ratio: float,
    interrupted: bool,
    command: list[str],
) -> int:
    plan = run.plan
    safe = SafeText(run.secrets, show_numbers=plan.show_numbers)
    thresholds, passed = evaluate(
        figures, names=tuple(plan.mix), p95_ms=run.p95_ms, max_error_ratio=max_error_ratio
    )
    check: dict[str, Any] | None = None
    if plan.mode == "calllog":
        ledger = Ledger.from_dict(figures.get("ledger") or {})
        stored = store_activities(run.db, plan.run_id) if run.db is not None else None
        check = calllog_check(ledger, stored)
        (folder / "calllog-ledger.json").write_text(
            json.dumps(ledger.to_dict(), indent=1), encoding="utf-8"
        )
        passed = passed and bool(check["passed"])
    code = 0 if passed else MISSED
    if interrupted and passed:
        code = INTERRUPTED
    total = figures.get("total", {})
    seconds = max(0.0, float(figures.get("end") or 0) - float(figures.get("start") or 0))
    summary = {
        "tool": "mcc load",
        "run_id": plan.run_id,
        "mode": plan.mode,
        "command": safe.text(shlex.join(command)),
        "target": safe.text(run.target_label),
        "target_kind": plan.target_kind,
        "config": plan.config_name or None,
        "user_class": plan.user_class if plan.mode == "api" else "CallLogUser",
        "users": plan.users,
        "spawn_rate": plan.spawn_rate,
        "duration_s": plan.duration_s,
        "max_rps": plan.max_rps,
        "mix": dict(plan.mix),
        "workers": figures.get("workers", 0),
        "requests_per_worker": figures.get("requests_per_worker", []),
        "started": datetime.fromtimestamp(float(figures.get("start") or 0), UTC).isoformat(),
        "seconds": round(seconds, 2),
        "interrupted": interrupted,
        "requests": figures.get("entries", []),
        "total": total,
        "failures": [
            {**failure, "message": safe.text(str(failure.get("message", "")))}
            for failure in figures.get("failures", [])
        ],
        "thresholds": thresholds,
        "calllog_check": check,
        "passed": passed,
        "exit_code": code,
        "reports": {"html": HTML_NAME, "csv": f"{CSV_PREFIX}_*.csv", "summary": "summary.json"},
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (folder / "run.json").unlink(missing_ok=True)
    _redact_reports(folder, safe)
    _print(summary, folder)
    return code


def _print(summary: Mapping[str, Any], folder: Path) -> None:
    total = summary["total"]
    click.echo(
        f"mcc load: {total.get('requests', 0)} requests, {total.get('failures', 0)} failed,"
        f" in {summary['seconds']:g} s against {summary['target']}"
        f" ({summary['users']} users, {summary['user_class']})"
    )
    for item in summary["thresholds"]:
        click.echo(
            f"  {item['what']} {item['name']}: {_shown(item['measured'], item['unit'])}"
            f" (limit {_shown(item['limit'], item['unit'])}): {item['status']}"
        )
    check = summary.get("calllog_check")
    if check:
        store = check.get("store")
        answers = check["answers"]
        line = (
            f"  call logs: {check['distinct_calls_acknowledged']} calls acknowledged;"
            f" answers: {answers['doubled']} doubled, {answers['merged']} merged"
        )
        if store is not None:
            line += (
                f"; store: {store['activities']} activities, {store['lost']} lost,"
                f" {store['doubled']} doubled, {store['misfiled']} misfiled"
            )
        else:
            line += "; store not checked (pass --db to check the CRM file)"
        click.echo(line)
    missed = [
        f"{item['what']} {item['name']}"
        for item in summary["thresholds"]
        if item["status"] == "fail"
    ]
    if check and not check["passed"]:
        missed.append("call logs lost, doubled or misfiled")
    verdict = "PASS" if summary["passed"] else "FAIL (" + "; ".join(missed) + ")"
    if summary["interrupted"]:
        verdict += " (interrupted: the figures cover the part that ran)"
    click.echo(f"{verdict}: reports in {folder} ({HTML_NAME}, {CSV_PREFIX}_*.csv, summary.json)")


def _child_env(plan: LoadPlan, token: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env[PLAN_ENV] = plan.to_json()
    if token:
        env[TOKEN_ENV] = token
    return env


def execute(ctx: click.Context, opts: dict[str, Any]) -> int:
    if importlib.util.find_spec("locust") is None:
        raise LoadInputError(INSTALL_HINT)
    role = _role(ctx, opts)
    if role.kind == "worker":
        argv = locust_argv(role)
        env = dict(os.environ)
        if opts["token"]:
            env[TOKEN_ENV] = opts["token"]
        return run_locust(argv, env, bound_s=None, worker=True).exit_code
    duration = parse_duration(opts["duration"])
    if duration > MAX_DURATION_S:
        raise LoadInputError(f"--duration {opts['duration']} is more than 24h")
    if opts["max_rps"] > MAX_RPS or opts["max_rps"] <= 0:
        raise LoadInputError(f"--max-rps must be more than 0 and at most {MAX_RPS:g}")
    run_id = f"{secrets.randbelow(10**8):08d}"
    folder: Path = opts["report_dir"]
    with ExitStack() as stack:
        if opts["calllog_url"]:
            run = _calllog_plan(opts, run_id, duration)
        else:
            run = _api_plan(opts, stack, run_id, duration)
        folder.mkdir(parents=True, exist_ok=True)
        where = folder.resolve()  # Locust runs in another folder (launch.package_root)
        run_file = where / "run.json"
        run_file.unlink(missing_ok=True)
        plan = run.plan
        user_class = "CallLogUser" if plan.mode == "calllog" else USER_CLASSES[plan.user_class]
        argv = locust_argv(
            role,
            user_class=user_class,
            users=plan.users,
            spawn_rate=plan.spawn_rate,
            duration_s=duration,
            host=plan.target,
            report_dir=where,
            run_file=run_file,
        )
        waits = role.workers_wait_s if role.kind == "master" else 0.0
        finished = run_locust(
            argv, _child_env(plan, opts["token"]), bound_s=duration + waits + STOP_GRACE_S
        )
        if not run_file.exists():
            raise LoadInputError(
                f"the load run ended without figures (Locust exit code {finished.exit_code});"
                " see Locust's output above"
            )
        figures = json.loads(run_file.read_text(encoding="utf-8"))
        return _report(
            run,
            figures,
            folder,
            max_error_ratio=opts["max_error_ratio"],
            interrupted=finished.interrupted,
            command=["mcc", *sys.argv[1:]],
        )
