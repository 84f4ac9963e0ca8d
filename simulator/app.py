"""The app factory: ``create_app(config) -> Flask``.

Nothing happens at import time and there is no global app: each call builds a
new Flask app holding its own :class:`~simulator.state.Simulator` in
``app.extensions["simulator"]``, so two apps in one process never share state.

Every request to a provider route goes through the same pipeline, a wrapper
around the route's view (Flask's automatic ``OPTIONS`` answers, which call no
view, are neither checked nor journaled):

1. apply due timed call transitions (lazily, on every request; the control
   plane and recordings do it first too; O(1) when nothing is due);
2. read the parameters (query, form or JSON);
3. refuse unresolved mail-merge tokens and ``null`` numbers (HTTP 400), flag them;
4. apply fault rules, then magic-number faults (latency, 500, HTML, reset...);
5. the dialect's route: parse, call the model, render;
6. journal the request (secrets redacted) with its status, operation and flags.

With ``worker_processes`` above 1 (several server processes, each its own
simulator) the control plane refuses every route but ``/_sim/behaviours``
(409): it could only answer for the process a request happened to reach.

Unknown routes and wrong methods answer JSON (``{"status":"error","message":
"no such route: GET /x"}``), never an HTML page.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Request, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response as BaseResponse

from simulator.behaviours import behaviour_for
from simulator.config import SimulatorConfig
from simulator.control.routes import blueprint as control_blueprint
from simulator.current import EXTENSION, current_simulator, get_simulator
from simulator.faults import FaultAction, fault_response
from simulator.journal import KEPT_HEADERS
from simulator.providers import DIALECTS, Dialect
from simulator.providers.params import (
    CHECKED_HEADERS,
    CUSTOMER_FIELDS,
    find_problems,
    read_params,
)
from simulator.recordings import blueprint as recordings_blueprint
from simulator.request import SimulatorRequest
from simulator.state.numbers import national
from simulator.state.runtime import Simulator

# current_simulator and get_simulator live in simulator.current (no blueprint
# imports them from here); re-exported so ``simulator.app`` keeps its names.
__all__ = ["EXTENSION", "create_app", "current_simulator", "get_simulator"]


def create_app(config: SimulatorConfig | Mapping[str, Any] | None = None) -> Flask:
    """Build a simulator app; ``config`` is a :class:`SimulatorConfig`, a mapping or None."""
    settings = SimulatorConfig.from_value(config)
    app = _SimulatorFlask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # Flask's own 413 (gunicorn, the test client); waitress refuses bigger bodies first.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    sim = Simulator(settings, record_builders={d.name: d.record for d in DIALECTS.values()})
    app.extensions[EXTENSION] = sim
    for dialect in DIALECTS.values():
        app.register_blueprint(dialect.blueprint())
    pipeline = _Pipeline(sim)
    # The control plane and recordings apply due transitions first too (and the
    # control plane refuses when several processes each hold their own state).
    for blueprint in (control_blueprint(), recordings_blueprint()):
        blueprint.before_request(pipeline.before_plane)
        app.register_blueprint(blueprint)
    # Each provider route is wrapped in the pipeline (steps 1-4 before it, 6
    # after): a view decorator rather than app-wide hooks, so the routes that
    # need it pay for it and the pipeline holds the route's dialect and the
    # simulator instead of looking them up on every request.
    dialects = {
        rule.endpoint: DIALECTS[name]
        for rule in app.url_map.iter_rules()
        if (name := rule.endpoint.split(".")[0]) in DIALECTS
    }
    sim.operations = set(dialects)
    for endpoint, dialect in dialects.items():
        app.view_functions[endpoint] = pipeline.wrap(app.view_functions[endpoint], dialect)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


class _SimulatorFlask(Flask):
    """Flask, with the simulator's request class and a memory for ``ensure_sync``."""

    request_class = SimulatorRequest

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's answer, remembered per function.

        Flask asks it of every hook and view on every request (an
        ``inspect.iscoroutinefunction`` each); whether a function is a
        coroutine function never changes. The app's views and hooks are a
        fixed few and nothing here registers per-request functions
        (``after_this_request``); the memory is bounded in case something does.
        """
        found = self._sync.get(func)
        if found is None:
            found = super().ensure_sync(func)
            if len(self._sync) < _SYNC_MEMORY:
                self._sync[func] = found
        return found


#: Functions whose ``ensure_sync`` answer is kept (the app's views and hooks are ~40).
_SYNC_MEMORY = 512


class _Pipeline:
    """The steps around every provider route, with the simulator they serve."""

    __slots__ = ("sim",)

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def wrap(self, view: Callable[..., Any], dialect: Dialect) -> Callable[..., Any]:
        """``view`` inside the pipeline: checked and faulted before, journaled after."""
        before, record = self.before, self.record

        @functools.wraps(view)
        def provider_view(**kwargs: Any) -> Any:
            # The request is taken from its proxy once (each proxy access costs
            # a context lookup) and what is found out is kept on it for the view.
            req: SimulatorRequest = request._get_current_object()  # type: ignore[attr-defined]
            try:
                answer = before(req, dialect)
                if answer is None:
                    answer = view(**kwargs)
            except HTTPException as exc:
                record(req, exc.code or 500)  # the error handlers answer with its code
                raise
            except Exception:
                record(req, 500)  # _unexpected_error's answer
                raise
            if not isinstance(answer, BaseResponse):
                answer = current_app.make_response(answer)
            record(req, answer.status_code)
            return answer

        return provider_view

    def _arrive(self, req: Request) -> None:
        """Step 1, and where recordings are served (learnt from the first request)."""
        sim = self.sim
        if sim.public_url is None:
            sim.public_url = req.host_url.rstrip("/")
        sim.tick()

    def before_plane(self) -> BaseResponse | None:
        """Before a control-plane or recordings route: due transitions, the 409 refusal."""
        sim = self.sim
        self._arrive(request)
        if sim.config.worker_processes > 1 and request.blueprint == "control":
            return _refuse_control(sim.config.worker_processes)
        return None

    def before(self, req: SimulatorRequest, dialect: Dialect) -> BaseResponse | None:
        """Steps 1-4; an answer here (a refusal or a fault) replaces the route's."""
        # Each step is O(1) when it has nothing to do (no timed call due, no
        # fault rule, no magic number), and nothing here walks the calls, the
        # journal or the headers.
        sim = self.sim
        self._arrive(req)
        params = read_params(req)
        req.simulator = sim
        req.sim_params = params
        environ = req.environ
        # The checked headers are looked up only when one was sent (most requests send neither).
        headers = (
            None
            if environ.keys().isdisjoint(_CHECKED_KEYS)
            else {name: environ.get(key) for name, key in _CHECKED}
        )
        problems = find_problems(params, headers)
        flags: list[str] = []
        req.sim_flags = flags
        if problems:
            flags.extend(p.flag for p in problems)
            refused = next((p for p in problems if p.refuse), None)
            if refused is not None:
                return dialect.refusal(400, refused.flag, refused.message)
        actions: list[FaultAction] = []
        if sim.faults.has_rules():
            actions = sim.faults.take(req.endpoint or "", params.numbers())
        for number in _customer_numbers(params.values):
            behaviour = behaviour_for(number)
            if behaviour is None or behaviour.fault is None:
                continue
            if behaviour.fault == "fail_first" and sim.count_magic_hit(number) > (
                behaviour.count or 1
            ):
                continue
            actions.append(FaultAction(behaviour.fault, behaviour.status, behaviour.latency_ms))
        for action in actions:
            flags.append(f"fault:{action.fault}")
            response = fault_response(
                action, url=req.url, hold=sim.holds, default_hang_s=sim.config.hang_s
            )
            if response is not None:
                return response
        return None

    def record(self, req: SimulatorRequest, status: int) -> None:
        """Step 6: journal the request with the status it is answered with."""
        params = req.sim_params
        if params is None:
            return
        environ = req.environ
        with_body = bool(environ.get("CONTENT_TYPE"))
        sim = self.sim
        sim.journal.record(
            time=sim.clock(),
            method=req.method,
            path=req.path,
            operation=req.endpoint or "",
            query=_NO_QUERY,
            params=params.values,
            headers=(
                None
                if environ.keys().isdisjoint(_KEPT_KEYS)
                else [(name, v) for name, key in _KEPT if (v := environ.get(key)) is not None]
            ),
            status=status,
            flags=req.sim_flags,
            # The query's values are in params already (the query wins there);
            # with no body, every parameter came in the query.
            query_names=req.args.keys() if with_body else (),
            query_is_params=not with_body,
        )


def _customer_numbers(values: Mapping[str, str]) -> list[str]:
    """The customer numbers that parse, in order, each once (usually one, or none)."""
    found = [
        number
        for name in CUSTOMER_FIELDS
        if (text := values.get(name)) and (number := national(text)) is not None
    ]
    return found if len(found) < 2 else sorted(set(found))


def _environ_key(header: str) -> str:
    """Where a WSGI server puts a request header (PEP 3333)."""
    name = header.upper().replace("-", "_")
    return name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"


# Headers are read straight from the WSGI environ, and only these.
_CHECKED = tuple((name, _environ_key(name)) for name in CHECKED_HEADERS)
_KEPT = tuple((name, _environ_key(name)) for name in KEPT_HEADERS)
_CHECKED_KEYS = frozenset(key for _, key in _CHECKED)
_KEPT_KEYS = frozenset(key for _, key in _KEPT)


_NO_QUERY: Mapping[str, str] = {}


# Control-plane routes that hold no state of their own (the same in every worker).
_STATELESS_CONTROL = frozenset({"control.behaviours"})


def _refuse_control(workers: int) -> Response | None:
    """With several worker processes, each has its own state: the control plane refuses (409)."""
    if request.endpoint in _STATELESS_CONTROL:
        return None
    return _json_error(
        409,
        f"this simulator runs in {workers} worker processes, each with its own calls, "
        "journal, faults and seed, so /_sim cannot answer for all of them; serve it with "
        "one process (--server waitress, or --workers 1 with gunicorn or granian) for stateful"
        " tests",
    )


def _json_error(status: int, message: str) -> Response:
    body = json.dumps({"status": "error", "message": message})
    return Response(body, status, content_type="application/json")


def _http_error(exc: HTTPException) -> Response:
    if isinstance(exc, NotFound):
        return _json_error(404, f"no such route: {request.method} {request.path}")
    if isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(sorted(set(exc.valid_methods or ()) - {"HEAD", "OPTIONS"}))
        answer = _json_error(
            405, f"method not allowed: {request.method} {request.path} (use {allowed})"
        )
        # RFC 9110: a 405 lists the methods the resource supports (Flask's own does too).
        answer.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
        return answer
    return _json_error(exc.code or 500, exc.description or exc.name)


def _unexpected_error(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    current_app.logger.exception("simulator error")
    # The type only: a message could echo request values (secrets).
    return _json_error(500, f"internal simulator error ({type(exc).__name__})")
