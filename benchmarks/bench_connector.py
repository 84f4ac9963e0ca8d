"""Connector costs: render + map per call, and a whole call beside bare httpx.

(a) ``render_map_us``: ``render_request`` of the Ozonetel click-to-call preset
plus reading (``Answer.read``) and mapping (``map_answer``) a real Ozonetel
answer, per call (target < 50 us): the median of 400 batches of 50 after a 2 s
untimed warm-up; best and p90 too. The customer number is parsed once before
the loop, as the flows parse it once where it comes in.

(b) information, no target: a click-to-call through ``connector.Client``
(render, send through its ``httpx.Client`` with the deadline and redirect
hooks, bounded read, mapping, redaction) against a local waitress server
answering Ozonetel's JSON success, beside a bare ``httpx.Client`` GET of the
same rendered URL on the same server: ``client_overhead_us`` is the
difference (the figure ``mcc verify`` once printed in its reports, measured
here with care instead). Both keep their connection alive;
rounds rotate so drift hits all alike; medians. The server runs in its own
process, as a provider would: in this process it would compete for the GIL
with the client being measured. (The 10 % overhead target is withdrawn: the
connector uses httpx.Client as it is meant to be used, and a real provider
call takes hundreds of milliseconds.)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from waitress.server import create_server

from connector.client import Client
from connector.config import with_base_url
from connector.document import Answer
from connector.mapping import map_answer
from connector.phone import parse_phone
from connector.presets import load_preset
from connector.templating import MergeContext, render_request

RENDER_TARGET_US = 50.0
ANSWER = b'{"ucid":"9012345678901","status":"queued successfully"}'
ENV = {"OZONETEL_API_KEY": "KKbench000000000000000000000000001", "OZONETEL_USERNAME": "bench"}
CTX = MergeContext(
    user={"TelephonyAgentId": "agent1", "mx_Custom_8": "Inbound_918030000001"},
    customer_number=parse_phone("9876543210"),
    env=ENV,
)


def _median_us(samples: Iterable[float]) -> float:
    return statistics.median(samples) * 1e6


def bench_render_map(rounds: int, batch: int, warmup_s: float) -> dict[str, float]:
    """Microseconds for one render + map: median, best and p90 over ``rounds`` batches.

    The loop first runs for ``warmup_s`` untimed: a CPU that was idle runs
    slower until its clock ramps up (about 2x on the development VM), and
    without the warm-up the first batches measure that, not the code.
    """
    api = load_preset("ozonetel").api("click_to_call")

    def one_batch() -> float:
        start = time.perf_counter()
        for _ in range(batch):
            render_request(api, CTX)
            map_answer(api.response, Answer.read(ANSWER, "application/json", 200))
        return (time.perf_counter() - start) / batch

    until = time.perf_counter() + warmup_s
    while time.perf_counter() < until:
        one_batch()
    per_call = sorted(one_batch() for _ in range(rounds))
    return {
        "render_map_us": _median_us(per_call),
        "render_map_best_us": per_call[0] * 1e6,
        "render_map_p90_us": per_call[int(0.9 * (rounds - 1))] * 1e6,
    }


def _app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(ANSWER)))]
    )
    yield ANSWER


def serve() -> None:
    """Child process: serve ``_app`` on a free loopback port and print the port."""
    server = create_server(_app, host="127.0.0.1", port=0, threads=2, ident="bench")
    print(server.effective_port, flush=True)
    server.run()


@contextmanager
def local_server() -> Iterator[str]:
    """A waitress server in a child process on a free 127.0.0.1 port; yields its base URL."""
    child = subprocess.Popen(
        [sys.executable, "-c", "from benchmarks.bench_connector import serve; serve()"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],  # where ``benchmarks`` imports from
    )
    try:
        assert child.stdout is not None
        port = child.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError("the benchmark server did not start (see its output above)")
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=10)


def bench_overhead(iterations: int, warmup: int) -> dict[str, float]:
    """Median per-call times of connector and bare httpx against one local server.

    ``client_send_us`` sends an already rendered request: the client's own
    cost (bounded read, redirect checks, mapping) without templating.
    """
    with local_server() as base:
        api = with_base_url(load_preset("ozonetel"), base).api("click_to_call")
        rendered = render_request(api, CTX)
        with Client(env=ENV) as client, httpx.Client() as bare:

            def connector_call() -> None:
                if not client.call(api, CTX).outcome.ok:
                    raise RuntimeError("the local server's answer did not map to success")

            def send_call() -> None:
                client.send(rendered, api)

            def bare_call() -> None:
                bare.get(rendered.url).read()

            calls = {"connector": connector_call, "send": send_call, "bare": bare_call}
            timings: dict[str, list[float]] = {name: [] for name in calls}
            for _ in range(warmup):
                for fn in calls.values():
                    fn()
            names = list(calls)
            for index in range(iterations):
                # Rotate the order so no variant always runs on a warm cache.
                shift = index % len(names)
                for name in names[shift:] + names[:shift]:
                    start = time.perf_counter()
                    calls[name]()
                    timings[name].append(time.perf_counter() - start)
    connector_us, send_us, bare_us = (_median_us(timings[n]) for n in names)
    return {
        "connector_call_us": connector_us,
        "client_send_us": send_us,
        "bare_httpx_call_us": bare_us,
        "client_overhead_us": connector_us - bare_us,
        "client_send_overhead_us": send_us - bare_us,
        "overhead_pct": (connector_us - bare_us) / bare_us * 100.0,
        "send_overhead_pct": (send_us - bare_us) / bare_us * 100.0,
    }


def run(quick: bool = False) -> dict[str, object]:
    """Both measurements; ``passed`` when render + map meets its target."""
    render = bench_render_map(
        rounds=20 if quick else 400, batch=20 if quick else 50, warmup_s=0.2 if quick else 2.0
    )
    calls = bench_overhead(iterations=100 if quick else 2000, warmup=20 if quick else 200)
    return {
        **render,
        **calls,
        "iterations": 100 if quick else 2000,
        "target": (
            f"render + map < {RENDER_TARGET_US:g} us (the whole call beside bare httpx is"
            " information, no target)"
        ),
        "passed": render["render_map_us"] < RENDER_TARGET_US,
    }
