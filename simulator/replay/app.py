"""A recorded partner served again: ``create_replay_app(directory)``.

Every request is matched to a recorded probe (:mod:`simulator.replay.match`)
and answered with the recorded status, content type and body, its call ids,
times and numbers made fresh (:mod:`simulator.replay.regenerate`). A request
no probe matches gets a JSON 404 that says so. When the recorded call had
call logs, they are pushed again, in the background, to the call-log URL the
request carries (``@CallbackUrl``, per-call delivery) or to the replay's
``callback_url`` (account delivery), after the recorded delay (at most
``MAX_DELAY_S``); a delivery refused with a non-2xx status is delivered again
only when the recorded partner did so.

The app keeps no state between requests but a seeded random source; nothing
under ``/_sim``: a replay is the partner as recorded, not a simulator.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from flask import Flask, Response, request

from simulator.limits import MAX_BODY_BYTES
from simulator.providers.params import read_params
from simulator.replay.match import best_match
from simulator.replay.regenerate import Regenerator
from simulator.replay.store import CallLog, RecordedProbe, load_cassettes

__all__ = ["EXTENSION", "MAX_DELAY_S", "Replay", "create_replay_app"]

EXTENSION = "simulator.replay"
MAX_DELAY_S = 5.0
_DELIVERY_TIMEOUT_S = 10.0
_MAX_RETRIES = 3


def _recordings(probes: list[RecordedProbe]) -> list[tuple[re.Pattern[str], tuple[int, str]]]:
    """Recording paths heard while recording (``***`` stands for a hidden key) -> answer."""
    found = {}
    for probe in probes:
        for log in probe.call_logs:
            for item in log.recordings:
                path = str(item.get("path") or "")
                for value in log.volatile:
                    if value.get("kind") == "call_id" and value.get("value"):
                        path = path.replace(value["value"], "***")  # a fresh id each replay
                if path:
                    pattern = ".+".join(re.escape(part) for part in path.split("***"))
                    found[pattern] = (int(item.get("status") or 200), str(item.get("content_type")))
    return [(re.compile(pattern), answer) for pattern, answer in found.items()]


def _retry_gap(probes: list[RecordedProbe]) -> float | None:
    """Seconds the recorded partner waited to deliver a refused call log again, if it did."""
    for probe in probes:
        logs = probe.call_logs
        for first, second in itertools.pairwise(logs):
            if not 200 <= first.answered < 300:
                return max(0.0, second.after_s - first.after_s)
    return None


def _when(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Replay:
    """The recorded probes and how to answer with them."""

    def __init__(
        self,
        directory: Path,
        *,
        fixtures: Mapping[str, str] | None = None,
        callback_url: str | None = None,
        random_seed: int | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.index, self.probes = load_cassettes(directory)
        self.fixtures = {k: str(v) for k, v in (fixtures or {}).items() if v}
        self.callback_url = callback_url
        self._rng = random.Random(random_seed)
        self._lock = threading.Lock()
        self._transport = transport
        self.recordings = _recordings(self.probes)
        self.retry_after_s = _retry_gap(self.probes)

    def recording(self, method: str, path: str) -> Response | None:
        """A recording link's recorded status and content type (no body), if recorded."""
        if method not in ("GET", "HEAD"):
            return None
        for pattern, (status, content_type) in self.recordings:
            if pattern.fullmatch(path):
                return Response(b"", status, content_type=content_type or None)
        return None

    def answer(
        self, method: str, path: str, params: Mapping[str, str], base_url: str = ""
    ) -> Response:
        """The recorded answer to a request, made fresh; a JSON 404 when none matches."""
        heard = self.recording(method, path)
        if heard is not None:
            return heard
        probe = best_match(self.probes, method, path, params)
        if probe is None:
            body = json.dumps(
                {
                    "status": "error",
                    "message": f"no recorded answer for {method} {path} with these parameters",
                }
            )
            return Response(body, 404, content_type="application/json")
        with self._lock:
            regen = Regenerator(
                now=datetime.now(UTC),
                recorded_at=_when(probe.recorded_at),
                numbers=probe.numbers,
                fixtures=self.fixtures,
                rng=self._rng,
                base_url=base_url,
            )
            text = regen.text(probe.body, probe.volatile)
            logs = [(log, regen.text(log.body, log.volatile)) for log in probe.call_logs]
        target = next(
            (params.get(p.name.lower()) for p in probe.params if p.role == "callback"), None
        )
        url = target or self.callback_url
        if logs and url:
            threading.Thread(
                target=self._deliver, args=(url, logs), name="replay-calllog", daemon=True
            ).start()
        response = Response(text, probe.status or 200)
        if probe.content_type:
            response.headers["Content-Type"] = probe.content_type
        else:
            response.headers.pop("Content-Type", None)
        return response

    def _deliver(self, url: str, logs: list[tuple[CallLog, str]]) -> None:
        """Push the call logs as recorded: the next one only after a refusal.

        A refused push with no recorded next one is pushed again when the
        recorded partner delivered a refused call log again elsewhere (after
        the same gap), at most ``_MAX_RETRIES`` times.
        """
        started = time.monotonic()
        if self.retry_after_s is not None and logs:
            last_log, last_body = logs[-1]
            for attempt in range(1, _MAX_RETRIES + 1):
                again = last_log.after_s + attempt * self.retry_after_s
                logs.append((CallLog(last_log.content_type, "", again, 200, ()), last_body))
        with httpx.Client(timeout=_DELIVERY_TIMEOUT_S, transport=self._transport) as client:
            for log, body in logs:
                wait = min(log.after_s, MAX_DELAY_S) - (time.monotonic() - started)
                if wait > 0:
                    time.sleep(wait)
                headers = {"content-type": log.content_type} if log.content_type else {}
                try:
                    answer = client.post(url, content=body.encode("utf-8"), headers=headers)
                except httpx.HTTPError:
                    continue  # not delivered: the next recorded push (or retry) follows
                if 200 <= answer.status_code < 300:
                    return


def _params() -> dict[str, str]:
    found = {k.lower(): v for k, v in read_params(request).values.items()}
    for name, value in request.headers.items():
        found.setdefault(f"header:{name.lower()}", value)
    return found


def create_replay_app(
    directory: Path | str,
    *,
    fixtures: Mapping[str, str] | None = None,
    callback_url: str | None = None,
    random_seed: int | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Flask:
    """A Flask app serving the cassettes of ``directory`` (``ReplayError`` when unreadable)."""
    replay = Replay(
        Path(directory),
        fixtures=fixtures,
        callback_url=callback_url,
        random_seed=random_seed,
        transport=transport,
    )
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions[EXTENSION] = replay

    def serve(path: str = "") -> Response:
        return replay.answer(request.method, "/" + path, _params(), request.host_url.rstrip("/"))

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
    app.add_url_rule("/", "replay_root", serve, methods=methods)
    app.add_url_rule("/<path:path>", "replay", serve, methods=methods)

    @app.errorhandler(Exception)
    def _error(exc: Exception) -> Any:
        code = getattr(exc, "code", None) or 500
        message = "request too large" if code == 413 else f"replay error ({type(exc).__name__})"
        return Response(
            json.dumps({"status": "error", "message": message}),
            code,
            content_type="application/json",
        )

    return app
