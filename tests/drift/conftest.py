"""A partner whose answers drift on purpose: the simulator behind a mutating wrapper.

The simulator's own dialects answer; a WSGI wrapper changes chosen answers
(recase a status, reword an error, XML for JSON, an error moved to HTTP 400,
a field added or dropped, DD/MM/YYYY dates) and, through a relay in the same
server, chosen call logs on their way to the run's receiver. Everything runs
on 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import httpx
import pytest

import connector
import simulator
from contracts.cassettes.format import write_directory
from contracts.clauses.context import Options
from contracts.fixtures import (
    EMBEDDED,
    EMBEDDED_CAMPAIGN,
    ControlPlane,
    Fixtures,
    arrange_simulator,
)
from contracts.record import record
from contracts.target import embedded_env
from simulator.serve import RunningServer, start_in_thread

# status, content type, body -> the same, changed
Change = Callable[[int, str, bytes], tuple[int, str, bytes]]
CANARY_ENV = {
    "GENERIC_API_KEY": "CANARYdriftKEY000000000000000000042",
    "GENERIC_USERNAME": "canary-drift-user",
}


@dataclass
class Mutation:
    """Change the answers of ``path`` whose parameters ``when`` accepts."""

    path: str
    change: Change
    when: Callable[[dict[str, str]], bool] = lambda _params: True


@dataclass
class MutatingPartner:
    """The simulator at a loopback URL, with answer and call-log mutations."""

    config: connector.ConnectorConfig
    mutations: list[Mutation] = field(default_factory=list)
    call_log_change: Callable[[bytes], bytes] | None = None
    server: RunningServer | None = None
    fixtures: Fixtures = EMBEDDED
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> MutatingPartner:
        self._app = simulator.create_app({"random_seed": 20240607})
        self.server = start_in_thread(self._wsgi)
        env, account = embedded_env(self.config, CANARY_ENV)
        self.env = env
        user = {**EMBEDDED.user, self.config.virtual_number_field: EMBEDDED_CAMPAIGN}
        self.fixtures = EMBEDDED.model_copy(update={"user": user})
        control = ControlPlane(self.url)
        try:
            control.profile("compliant", echo_api_key=False)
            arrange_simulator(control, account=account, fixtures=self.fixtures)
        finally:
            control.close()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    # -- the wrapper ---------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/_relay":
            return self._relay(environ, start_response)
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if self.call_log_change is not None and params.get("callback_url"):
            # Per-call delivery: the call log goes through the relay, and is changed there.
            params["callback_url"] = (
                f"{self.url}/_relay?to={quote(params['callback_url'], safe='')}"
            )
            environ["QUERY_STRING"] = urlencode(params)
        mutation = next((m for m in self.mutations if m.path == path and m.when(params)), None)
        if mutation is None:
            return self._app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        body = b"".join(self._app(environ, capture))
        headers = {k.lower(): v for k, v in captured["headers"]}
        status, content_type, body = mutation.change(
            int(captured["status"].split()[0]), headers.get("content-type", ""), body
        )
        start_response(
            f"{status} Changed",
            [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _relay(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        params = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if self.call_log_change is not None:
            body = self.call_log_change(body)
        answer = httpx.post(
            params["to"],
            content=body,
            headers={"content-type": environ.get("CONTENT_TYPE") or "application/json"},
            timeout=10,
        )
        start_response(f"{answer.status_code} Relayed", [("Content-Type", "application/json")])
        return [answer.content]


def json_change(edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Change:
    """A change of a JSON answer's document."""
    import json

    def change(status: int, content_type: str, body: bytes) -> tuple[int, str, bytes]:
        return status, content_type, json.dumps(edit(json.loads(body))).encode()

    return change


def dd_mm_yyyy(body: bytes) -> bytes:
    """Every ``YYYY-MM-DD`` date in a body written ``DD/MM/YYYY``."""
    return re.sub(rb"(\d{4})-(\d{2})-(\d{2})", rb"\3/\2/\1", body)


@pytest.fixture
def partner_factory() -> Iterator[Callable[..., MutatingPartner]]:
    """Start mutating partners; all stopped after the test."""
    started: list[MutatingPartner] = []

    def make(config: str = "generic") -> MutatingPartner:
        partner = MutatingPartner(connector.resolve_config(config)).start()
        started.append(partner)
        return partner

    yield make
    for partner in started:
        partner.stop()


# A quick probe set: click-to-call (its call log included), the pop-up errors, DIDs.
QUICK = (
    "click_to_call.success",
    "click_to_call.dnd",
    "agent_popup.error.empty_username",
    "agent_popup.error.no_call",
    "did_list",
)


def record_baseline(
    partner: MutatingPartner, directory: Path, only: tuple[str, ...] = QUICK
) -> Path:
    """Record ``partner`` into ``directory`` with the ``only`` clauses."""
    recording = record(
        partner.config,
        partner.url,
        partner.fixtures,
        Options(latency_calls=0, only=only),
        env=partner.env,
    )
    write_directory(directory, recording.index, recording.cassettes)
    return directory


@pytest.fixture
def kit() -> Any:
    """The helpers above, for the test modules (conftest modules are not importable)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        Mutation=Mutation,
        json_change=json_change,
        dd_mm_yyyy=dd_mm_yyyy,
        record_baseline=record_baseline,
        QUICK=QUICK,
        CANARY_ENV=CANARY_ENV,
    )
