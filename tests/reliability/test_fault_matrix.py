"""The fault matrix: every provider API against every transport fault, over real sockets.

Each cell points a preset (``generic``, ``ozonetel``) at a simulator served by
waitress on 127.0.0.1, arms one fault for one operation through ``POST
/_sim/faults`` and makes one ``Client.call``. Every cell must end in an error
outcome (never success, never an exception) whose message names the host or
the problem, within the API's timeout plus one second, without a canary
secret anywhere in the outcome. The results go to ``reports/fault-matrix.json``
(see conftest) and ``tools/fault_matrix.py`` prints them as the table of
``docs/fault-matrix.md``.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from flask import Flask

import simulator
from connector.client import Client
from connector.config import ConnectorConfig, with_base_url
from connector.phone import parse_phone
from connector.presets import load_preset
from connector.templating import MergeContext
from simulator import get_simulator, serve

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 1.0
MAX_BODY = 1_048_576
APIS = ("click_to_call", "agent_popup", "did_list")
PRESETS = ("generic", "ozonetel")
OPERATIONS: Mapping[str, Mapping[str, str]] = {
    "generic": {
        "click_to_call": "generic.click2call",
        "agent_popup": "generic.pull_api",
        "did_list": "generic.pull_did_numbers",
    },
    "ozonetel": {
        "click_to_call": "ozonetel.agent_manual_dial",
        "agent_popup": "ozonetel.pull_api",
        "did_list": "ozonetel.running_dids",
    },
}
CONTEXT = MergeContext(
    user={
        "TelephonyAgentId": "agent1",
        "mx_Custom_8": "Inbound_918030000001",
        "PhoneMobile": "9800000001",
    },
    customer_number=parse_phone("9812345678"),
    callback_url="http://127.0.0.1:9/calllog",  # the generic preset sends it with each call
)


@dataclass(frozen=True)
class Fault:
    """One column of the matrix: the rule to arm and what the message must say."""

    name: str
    rule: Mapping[str, Any] | None  # None: not a simulator fault (refused)
    says: tuple[str, ...]  # every one of these appears in the message
    names_host: bool = True  # the message names 127.0.0.1
    reasons: tuple[str, ...] = ("transport",)
    extra: Mapping[str, Any] = field(default_factory=dict)


FAULTS = (
    # The server sleeps past the 1 s timeout, then frees its thread.
    Fault(
        "latency",
        {"fault": "latency", "latency_ms": 2000},
        ("within the 1 s timeout",),
        reasons=("timeout",),
    ),
    Fault(
        "hang", {"fault": "hang", "hang_s": 2}, ("within the 1 s timeout",), reasons=("timeout",)
    ),
    Fault("refused", None, ("connection refused",)),
    Fault("reset", {"fault": "reset"}, ("closed the connection",)),
    Fault("http_500", {"fault": "status", "status": 500}, ("HTTP 500",), False, ("rule",)),
    Fault("http_502", {"fault": "status", "status": 502}, ("HTTP 502",), False, ("rule",)),
    Fault("http_503", {"fault": "status", "status": 503}, ("HTTP 503",), False, ("rule",)),
    Fault(
        "html_200",
        {"fault": "html"},
        ("no response rule matched", "HTTP 200"),
        False,
        ("unmapped",),
    ),
    Fault(
        "malformed_json",
        {"fault": "malformed_json"},
        ("no response rule matched", "HTTP 200"),
        False,
        ("unmapped",),
    ),
    Fault(
        "empty_body",
        {"fault": "empty"},
        ("no response rule matched", "(empty body)"),
        False,
        ("unmapped",),
    ),
    Fault("bad_utf8", {"fault": "bad_utf8"}, ("not valid UTF-8",), reasons=("not_text",)),
    Fault(
        "wrong_content_type",
        {"fault": "wrong_content_type"},
        ("content type application/octet-stream",),
        reasons=("not_text",),
    ),
    Fault("huge_20mb", {"fault": "huge"}, (f"more than {MAX_BODY} bytes",), reasons=("too_large",)),
    Fault(
        "redirect_other_host",
        {"fault": "redirect_other_host"},
        ("redirected to another host",),
        reasons=("redirect",),
    ),
    Fault("redirect_loop", {"fault": "redirect_loop"}, ("redirect loop",), reasons=("redirect",)),
)
CELLS = [(preset, api, fault) for preset in PRESETS for api in APIS for fault in FAULTS]


@dataclass
class Provider:
    """The simulator under test, the witness behind the other host, and a control client."""

    base_url: str
    port: int
    control: httpx.Client
    app: Flask
    witness: Flask


def _quiet_app() -> Flask:
    return simulator.create_app({"random_seed": 11, "deliver_callbacks": False, "hang_s": 2})


@pytest.fixture(scope="module")
def provider(canaries: Any) -> Iterator[Provider]:
    """A simulator on 127.0.0.1 seeded with the canary key, and a witness on 127.0.0.2.

    The ``redirect_other_host`` fault sends clients to 127.0.0.2 on the same
    port; the witness listens there so a client that followed would be
    recorded in its journal (read in-process: the test itself never calls it).
    """
    app = _quiet_app()
    server = serve.start_in_thread(app)
    witness_app = _quiet_app()
    witness = serve.start_in_thread(witness_app, host="127.0.0.2", port=server.port)
    control = httpx.Client(base_url=server.base_url, timeout=5.0)
    seeded = control.post(
        "/_sim/seed",
        json={"accounts": {"demo": {"api_key": canaries.api_key, "username": canaries.username}}},
    )
    assert seeded.status_code == 200, seeded.text
    try:
        yield Provider(server.base_url, server.port, control, app, witness_app)
    finally:
        control.close()
        witness.stop()
        server.stop()


def _closed_port() -> int:
    # Bound then closed at once: nothing listens there during the cell.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _config(preset: str, base_url: str) -> ConnectorConfig:
    return with_base_url(load_preset(preset), base_url)


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param(
            cell, id=f"{cell[0]}-{cell[1]}-{cell[2].name}", marks=getattr(pytest.mark, cell[0])
        )
        for cell in CELLS
    ],
)
def test_fault_cell_ends_in_a_clear_error_within_the_timeout(
    cell: tuple[str, str, Fault],
    provider: Provider,
    canaries: Any,
    fault_matrix_cells: list[dict[str, Any]],
) -> None:
    preset, api, fault = cell
    cleared = provider.control.delete("/_sim/faults")
    assert cleared.status_code == 200
    get_simulator(provider.witness).journal.clear()
    if fault.rule is None:
        base = f"http://127.0.0.1:{_closed_port()}"
    else:
        base = provider.base_url
        armed = provider.control.post(
            "/_sim/faults", json={"operation": OPERATIONS[preset][api], **fault.rule}
        )
        assert armed.status_code == 201, armed.text
    settings = _config(preset, base).apis[api].model_copy(update={"timeout": TIMEOUT_S})

    with Client(env=canaries.env(), max_body_bytes=MAX_BODY) as client:
        started = time.perf_counter()
        result = client.call(settings, CONTEXT, name=api)
        elapsed = time.perf_counter() - started

    outcome = result.outcome
    fault_matrix_cells.append(
        {
            "id": f"{preset}-{api}-{fault.name}",
            "order": CELLS.index(cell),
            "preset": preset,
            "api": api,
            "fault": fault.name,
            "kind": outcome.kind,
            "reason": outcome.reason,
            "status": outcome.status,
            "message": outcome.message,
            "elapsed_s": round(elapsed, 3),
            "timeout_s": TIMEOUT_S,
        }
    )
    assert outcome.kind == "error", outcome.message
    assert outcome.reason in fault.reasons, (outcome.reason, outcome.message)
    for phrase in fault.says:
        assert phrase in outcome.message, outcome.message
    if fault.names_host:
        assert "127.0.0.1" in outcome.message, outcome.message
    assert elapsed <= settings.timeout + 1.0, f"{elapsed:.2f} s"
    canaries.assert_absent_all(
        [
            ("the outcome message", outcome.message),
            ("the outcome excerpt", outcome.excerpt),
            ("the captured data", repr(dict(outcome.data))),
            ("the body kept", result.body),
        ]
    )


@pytest.mark.parametrize("preset", PRESETS)
def test_a_redirect_to_another_host_never_reaches_it(
    preset: str, provider: Provider, canaries: Any
) -> None:
    provider.control.delete("/_sim/faults")
    provider.control.delete("/_sim/journal")
    witness = get_simulator(provider.witness).journal
    witness.clear()
    operation = OPERATIONS[preset]["click_to_call"]
    armed = provider.control.post(
        "/_sim/faults", json={"operation": operation, "fault": "redirect_other_host"}
    )
    assert armed.status_code == 201
    settings = _config(preset, provider.base_url).apis["click_to_call"]
    with Client(env=canaries.env()) as client:
        result = client.call(settings, CONTEXT, name="click_to_call")
    assert result.outcome.status == 302
    assert len(witness) == 0
    # The simulator itself saw exactly the one request that was redirected.
    journal = provider.control.get("/_sim/journal", params={"operation": operation}).json()
    assert journal["count"] == 1


def test_the_witness_would_record_a_client_that_followed(provider: Provider) -> None:
    # Guards the test above: a request that does reach 127.0.0.2 is journaled.
    # Served in-process (WSGI), so no socket to 127.0.0.2 is opened here.
    witness = get_simulator(provider.witness).journal
    witness.clear()
    provider.witness.test_client().get("/click2call")
    assert len(witness) == 1


class _CountingStream(httpx.SyncByteStream):
    """Counts the body bytes pulled from the network."""

    def __init__(self, inner: httpx.SyncByteStream, counter: list[int]) -> None:
        self._inner = inner
        self._counter = counter

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._counter.append(len(chunk))
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.read: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _CountingStream(response.stream, self.read)
        return response


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-length"])
def test_the_huge_body_is_not_read_past_the_limit(
    declared: bool, provider: Provider, canaries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider.control.delete("/_sim/faults")
    armed = provider.control.post(
        "/_sim/faults", json={"operation": "generic.pull_did_numbers", "fault": "huge"}
    )
    assert armed.status_code == 201
    settings = _config("generic", provider.base_url).apis["did_list"]
    limit = 65_536
    transport = _CountingTransport()
    if not declared:
        # Hide the declared length so the client must count while it reads.
        original = transport.handle_request

        def undeclared(request: httpx.Request) -> httpx.Response:
            response = original(request)
            del response.headers["content-length"]
            return response

        monkeypatch.setattr(transport, "handle_request", undeclared)
    with Client(transport=transport, env=canaries.env(), max_body_bytes=limit) as client:
        result = client.call(settings, CONTEXT, name="did_list")
    assert f"more than {limit} bytes" in result.outcome.message
    # At most one network chunk past the limit is pulled before the client stops.
    assert sum(transport.read) <= limit + max(transport.read, default=0)
    assert sum(transport.read) < 20 * 1024 * 1024 // 4


# -- the renderer of docs/fault-matrix.md ----------------------------------------


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fault_matrix_tool", ROOT / "tools" / "fault_matrix.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fault_matrix_tool", module)
    spec.loader.exec_module(module)
    return module


def _cell(api: str, fault: str, kind: str = "error", **changes: Any) -> dict[str, Any]:
    cell = {
        "id": f"generic-{api}-{fault}",
        "order": 0,
        "preset": "generic",
        "api": api,
        "fault": fault,
        "kind": kind,
        "reason": "transport",
        "status": 0,
        "message": f"{api}: no answer from 127.0.0.1:40123 within 1 s",
        "elapsed_s": 1.004,
        "timeout_s": 1.0,
    }
    return {**cell, **changes}


def test_the_tool_prints_one_row_per_cell_with_the_port_hidden() -> None:
    tool = _tool()
    text = tool.render(
        [_cell("click_to_call", "hang"), _cell("did_list", "reset", message="a | b")]
    )
    rows = [line for line in text.splitlines() if line.startswith("| generic")]
    assert len(rows) == 2
    assert "127.0.0.1:PORT" in rows[0]
    assert "40123" not in text
    assert "a \\| b" in rows[1]  # a pipe in a message cannot break the table
    assert "python tools/fault_matrix.py" in text


def test_the_tool_flags_a_cell_that_did_not_end_in_an_error() -> None:
    text = _tool().render([_cell("click_to_call", "hang", kind="success")])
    assert "**success**" in text
    assert "1 cell(s) did not end in an error" in text


def test_the_committed_table_covers_every_cell_of_the_matrix() -> None:
    doc = (ROOT / "docs" / "fault-matrix.md").read_text(encoding="utf-8")
    for preset, api, fault in CELLS:
        assert f"| {preset} | {api} | {fault.name} |" in doc, (preset, api, fault.name)


# -- the client's refusal of unreadable bodies (fix found by this matrix) ---------

_SUCCESS = b'{"status": "success", "message": "call initiated successfully"}'


def _answer(body: bytes, content_type: str | None) -> Any:
    headers = {"content-type": content_type} if content_type else {}
    transport = httpx.MockTransport(lambda _r: httpx.Response(200, content=body, headers=headers))
    settings = _config("generic", "http://provider.test").apis["did_list"]
    with Client(transport=transport, env={"GENERIC_API_KEY": "k", "GENERIC_USERNAME": "u"}) as c:
        return c.call(settings, CONTEXT, name="did_list")


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json",
        "text/html; charset=UTF-8",  # Ozonetel-style JSON labelled as HTML
        "text/plain",
        "application/problem+json",
        "application/xml",
    ],
)
def test_json_under_any_text_label_is_still_mapped(content_type: str | None) -> None:
    assert _answer(_SUCCESS, content_type).outcome.ok


@pytest.mark.parametrize(
    "content_type", ["application/octet-stream", "image/png", "application/pdf"]
)
def test_a_body_that_is_not_text_is_refused_with_its_content_type(content_type: str) -> None:
    outcome = _answer(_SUCCESS, content_type).outcome
    assert not outcome.ok
    assert f"content type {content_type}" in outcome.message
    assert outcome.status == 200


def test_invalid_utf8_is_refused_only_where_utf8_is_promised() -> None:
    latin1 = '{"status": "success", "message": "café"}'.encode("latin-1")
    assert _answer(latin1, "text/plain; charset=ISO-8859-1").outcome.ok
    refused = _answer(latin1, "application/json").outcome  # JSON is UTF-8 (RFC 8259)
    assert not refused.ok
    assert "not valid UTF-8" in refused.message
    assert not _answer(latin1, "text/plain; charset=utf-8").outcome.ok
