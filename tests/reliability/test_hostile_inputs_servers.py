"""Hostile input against the two servers: ``mcc serve`` (the call-log service) and the simulator.

One section per item of the hardening issue. Every test reaches only
127.0.0.1. No test asserts a duration: timeouts (``GUARD_S``) only stop a
test that would otherwise hang on a server that does not defend itself; the
assertions are about answers and counts.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from flask import Flask
from werkzeug.test import EnvironBuilder

from calling.service import create_service, serve_service
from crm import CrmStore
from simulator import create_app
from simulator.cli import sim
from simulator.current import get_simulator
from simulator.seed import SeedError, load_seed
from simulator.serve import start_in_thread

ROOT = Path(__file__).resolve().parents[2]
GUARD_S = 20.0  # a hang guard, never a performance target
TOKEN = "hostile-inputs-token-0123456789"
DEMO_KEY = "KKdemo0000000000000000000000000001"
PULL_DIDS = "/LeadSquare/PullDIDNumbers.php"
MiB = 1024 * 1024


# -- helpers -------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CrmStore]:
    crm = CrmStore(tmp_path / "crm.sqlite3")
    yield crm
    crm.close()


def _serve_in_thread(app: Flask) -> tuple[str, Callable[[], None]]:
    """Run ``serve_service`` on a free loopback port; return its URL and a stopper."""
    urls: list[str] = []
    up = threading.Event()
    stop = threading.Event()

    def ready(url: str) -> None:
        urls.append(url)
        up.set()

    thread = threading.Thread(
        target=serve_service,
        args=(app, "127.0.0.1", 0),
        kwargs={"on_ready": ready, "stop": stop},
        daemon=True,
    )
    thread.start()
    assert up.wait(GUARD_S), "the service did not start"

    def stopper() -> None:
        stop.set()
        thread.join(GUARD_S)

    return urls[0], stopper


@pytest.fixture
def service(store: CrmStore) -> Iterator[str]:
    """The call-log service under waitress, as ``mcc serve`` runs it."""
    url, stop = _serve_in_thread(create_service(store, token=TOKEN))
    yield url
    stop()


@pytest.fixture
def simulator_url() -> Iterator[str]:
    """The simulator under waitress, as ``mcc sim serve`` runs it."""
    with start_in_thread(create_app({"deliver_callbacks": False})) as running:
        yield running.base_url


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _read_status(sock: socket.socket) -> int:
    """The status code of the answer on ``sock`` (reads up to the end of the status line)."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def _status_after_head(url: str, path: str, headers: dict[str, str]) -> int:
    """Send only the head of an upload (no body at all) and read the server's answer."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection(("127.0.0.1", _port(url)), timeout=GUARD_S) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return _read_status(sock)


# -- 1. the body limit is the server's, before any body is spooled ------------------


@pytest.mark.parametrize("authenticated", [False, True], ids=["no-token", "token"])
def test_the_call_log_service_refuses_a_300_mb_upload_from_its_headers(
    service: str, authenticated: bool
) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(300 * 1000 * 1000)}
    if authenticated:
        headers["Authorization"] = f"Bearer {TOKEN}"
    # No byte of the body is sent: a server that waits for it never answers.
    assert _status_after_head(service, "/calllog", headers) == 413


def test_the_simulator_refuses_a_300_mb_upload_from_its_headers(simulator_url: str) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(300 * 1000 * 1000)}
    assert _status_after_head(simulator_url, "/_sim/seed", headers) == 413


def _bytes_taken_by_chunked_upload(url: str, path: str, *, most: int) -> int:
    """Stream a chunked body of up to ``most`` bytes; how many the server let through.

    Sending stops when the server answers, closes the connection or stops
    reading (a send that blocks for ``GUARD_S / 4``).
    """
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"x" * (64 * 1024)
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", _port(url)), timeout=GUARD_S / 4) as sock:
        sock.sendall(head.encode())
        try:
            while sent < most:
                sock.sendall(framed)
                sent += len(chunk)
        except OSError:  # reset, broken pipe, or a send the server no longer reads
            pass
    return sent


def test_a_chunked_unauthenticated_upload_is_cut_near_the_limit(service: str) -> None:
    taken = _bytes_taken_by_chunked_upload(service, "/calllog", most=64 * MiB)
    # The limit is 1 MiB; loopback socket buffers hold a few MiB more.
    assert taken < 32 * MiB


def test_an_unauthenticated_call_log_is_refused_before_its_body_is_read(
    store: CrmStore,
) -> None:
    class Untouchable:
        reads = 0

        def read(self, *args: Any) -> bytes:
            Untouchable.reads += 1
            return b""

        readline = read

    app = create_service(store, token=TOKEN)
    environ = EnvironBuilder(
        path="/calllog", method="POST", data=b"{}", content_type="application/json"
    ).get_environ()
    environ["wsgi.input"] = Untouchable()
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers, *_: statuses.append(status)))
    assert statuses[0].startswith("401")
    assert json.loads(body)["status"] == "error"
    assert Untouchable.reads == 0


# -- 2. slow clients cannot lock others out ------------------------------------------


def _open_slow_connections(url: str, count: int) -> list[socket.socket]:
    """``count`` connections that sent part of a request head and then nothing."""
    opened = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", _port(url)), timeout=GUARD_S)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n")
        opened.append(sock)
    return opened


@pytest.mark.parametrize("server", ["service", "simulator"])
def test_a_normal_client_is_served_while_120_slow_connections_are_open(
    server: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("service" if server == "service" else "simulator_url")
    path = "/healthz" if server == "service" else "/_sim/behaviours"
    slow = _open_slow_connections(url, 120)
    try:
        statuses = []
        for _ in range(20):  # a new connection each time, as a fresh client would
            with httpx.Client(timeout=GUARD_S / 2) as client:
                statuses.append(client.get(f"{url}{path}").status_code)
        assert statuses == [200] * 20
    finally:
        for sock in slow:
            sock.close()


# -- 3. the control plane checks every number -----------------------------------------


@pytest.fixture
def sim_http() -> Iterator[Any]:
    app = create_app({"deliver_callbacks": False})
    yield app.test_client()
    get_simulator(app).close()


BAD_NUMBERS = {
    "huge": "1e308",
    "nan": "NaN",
    "infinity": "Infinity",
    "negative": "-1",
}


def _raw_json(template: str, value: str) -> str:
    return template.replace("VALUE", value)


CONTROL_CASES = [
    ("/_sim/transitions", '{"mode": "timed", "delays": {"ringing": VALUE}}', "delays.ringing"),
    ("/_sim/transitions", '{"mode": "immediate", "delays": {"queued": VALUE}}', "delays.queued"),
    ("/_sim/faults", '{"fault": "hang", "hang_s": VALUE}', "hang_s"),
    ("/_sim/faults", '{"fault": "latency", "latency_ms": VALUE}', "latency_ms"),
    ("/_sim/faults", '{"fault": "status", "count": VALUE}', "count"),
    ("/_sim/profile", '{"name": "compliant", "popup_delay_s": VALUE}', "popup_delay_s"),
    ("/_sim/callbacks/mode", '{"delay_ms": VALUE}', "delay_ms"),
]


def test_a_request_that_finishes_while_the_service_stops_is_answered_cleanly(
    store: CrmStore, caplog: pytest.LogCaptureFixture
) -> None:
    # A worker thread finishing a request wakes waitress's loop through its
    # trigger pipe: stopping must not close that pipe before the request ends
    # (the finisher then wrote to a closed descriptor, EBADF, or to whatever
    # file reused its number).
    app = create_service(store, token=TOKEN)
    entered, release = threading.Event(), threading.Event()

    def slow() -> str:
        entered.set()
        release.wait(GUARD_S)
        return "done"

    app.add_url_rule("/slow", "slow", slow)
    url, stop = _serve_in_thread(app)
    answers: list[httpx.Response] = []
    client = threading.Thread(
        target=lambda: answers.append(
            httpx.get(f"{url}/slow", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=GUARD_S)
        )
    )
    client.start()
    assert entered.wait(GUARD_S)
    stopper = threading.Thread(target=stop)
    with caplog.at_level("ERROR", logger="waitress"):
        stopper.start()
        release.set()  # the request ends while the service is stopping
        stopper.join(GUARD_S)
        client.join(GUARD_S)
    assert [(a.status_code, a.text) for a in answers] == [(200, "done")]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("waitress")] == []


@pytest.mark.parametrize("value", list(BAD_NUMBERS.values()), ids=list(BAD_NUMBERS))
@pytest.mark.parametrize(("path", "template", "field"), CONTROL_CASES)
def test_every_control_number_is_range_checked(
    sim_http: Any, path: str, template: str, field: str, value: str
) -> None:
    answer = sim_http.post(path, data=_raw_json(template, value), content_type="application/json")
    assert answer.status_code == 400, answer.get_data(as_text=True)
    message = answer.get_json()["message"]
    assert field in message
    assert " to " in message  # names the range
    # Nothing was stored: every route still answers.
    assert sim_http.get("/_sim/state").status_code == 200
    assert sim_http.post("/_sim/reset").status_code == 200


@pytest.mark.parametrize("value", ["3600", "1e308", "100000"])
def test_absurd_values_that_are_numbers_are_refused_too(sim_http: Any, value: str) -> None:
    cases = [
        ("/_sim/faults", f'{{"fault": "hang", "hang_s": {value}}}'),
        ("/_sim/profile", f'{{"name": "sloppy", "popup_delay_s": {value}}}'),
        ("/_sim/transitions", f'{{"mode": "timed", "delays": {{"ringing": {value}00}}}}'),
    ]
    for path, body in cases:
        answer = sim_http.post(path, data=body, content_type="application/json")
        assert answer.status_code == 400, (path, answer.get_data(as_text=True))


def test_a_huge_ringing_delay_never_breaks_the_simulator(sim_http: Any) -> None:
    sim_http.post(
        "/_sim/transitions",
        data='{"mode": "timed", "delays": {"ringing": 1e308}}',
        content_type="application/json",
    )
    for path in ("/_sim/reset", "/_sim/state", "/_sim/calls"):
        method = sim_http.post if path == "/_sim/reset" else sim_http.get
        assert method(path).status_code == 200


@pytest.mark.parametrize(
    "limit", ["-1", "1" * 5000, "99999999999"], ids=["negative", "5000-digits", "huge"]
)
def test_the_journal_limit_is_range_checked(sim_http: Any, limit: str) -> None:
    answer = sim_http.get("/_sim/journal", query_string={"limit": limit})
    assert answer.status_code == 400
    assert "limit" in answer.get_json()["message"]


def test_a_bad_delay_state_is_400_not_409(sim_http: Any) -> None:
    answer = sim_http.post("/_sim/transitions", json={"mode": "timed", "delays": {"completed": 1}})
    assert answer.status_code == 400
    assert "delays.completed" in answer.get_json()["message"]


#: A generic click-to-call with the five parameters the demo seed accepts.
CLICK2CALL = {
    "api_key": DEMO_KEY,
    "username": "demouser",
    "agentID": "agent1",
    "campaignName": "Inbound_918030000001",
    "customerNumber": "9876543210",
}


def test_the_simulator_stops_cleanly_while_a_hang_outlives_the_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The held request ends after the server stopped (its connection closed):
    # the stop returns, and the late finisher logs no error. (The trigger
    # pipe stays open for such a thread: see RunningServer.stop.)
    entered, release = threading.Event(), threading.Event()

    def sleep(seconds: float) -> None:
        entered.set()
        release.wait(seconds)

    app = create_app({"sleep": sleep, "deliver_callbacks": False})
    others = set(threading.enumerate())
    server = start_in_thread(app)
    rule = {"fault": "hang", "hang_s": 60, "operation": "generic.click2call"}
    assert httpx.post(f"{server.base_url}/_sim/faults", json=rule).status_code == 201

    def client() -> None:
        with contextlib.suppress(httpx.HTTPError):  # the stop closes its connection
            httpx.get(f"{server.base_url}/click2call", params=CLICK2CALL, timeout=GUARD_S)

    held = threading.Thread(target=client)
    held.start()
    assert entered.wait(GUARD_S)
    with caplog.at_level("WARNING", logger="waitress"):
        server.stop(timeout=0.2)  # the hang outlives it
        # This server's worker threads (other tests' servers have their own).
        worker = [
            t for t in threading.enumerate() if t.name.startswith("waitress-") and t not in others
        ]
        release.set()
        for thread in worker:
            thread.join(GUARD_S)
        held.join(GUARD_S)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == []
    assert not server.running
    # The hang outlived the stop: the trigger it wakes stayed open for it.
    assert not server._server.trigger._closed


def test_hang_faults_never_starve_the_control_plane_or_other_clients() -> None:
    release = threading.Event()
    lock = threading.Lock()
    holding = [0, 0]  # now, most at once
    four_held = threading.Event()

    def sleep(seconds: float) -> None:
        with lock:
            holding[0] += 1
            holding[1] = max(holding)
            if holding[0] >= 4:
                four_held.set()
        release.wait(seconds)
        with lock:
            holding[0] -= 1

    app = create_app({"sleep": sleep, "deliver_callbacks": False})
    statuses: list[int] = []
    with start_in_thread(app) as server:
        base = server.base_url
        rule = {"fault": "hang", "hang_s": 60, "operation": "generic.click2call"}
        assert httpx.post(f"{base}/_sim/faults", json=rule).status_code == 201

        def client() -> None:
            answer = httpx.get(f"{base}/click2call", params=CLICK2CALL, timeout=GUARD_S * 3)
            with lock:
                statuses.append(answer.status_code)

        clients = [threading.Thread(target=client) for _ in range(24)]
        for thread in clients:
            thread.start()
        try:
            assert four_held.wait(GUARD_S)
            # While hangs hold worker threads: the control plane and another
            # operation are answered.
            with httpx.Client(base_url=base, timeout=GUARD_S) as http:
                assert http.get("/_sim/state").status_code == 200
                assert http.get(PULL_DIDS, params={"apiKey": DEMO_KEY}).status_code == 200
                assert http.post("/_sim/faults", json={"fault": "html"}).status_code == 201
        finally:
            release.set()
            for thread in clients:
                thread.join(GUARD_S * 3)
    assert statuses == [504] * 24
    assert holding[1] <= get_simulator(app).config.max_held_requests


# -- 4. the journal is bounded in bytes ------------------------------------------------


def test_a_2_mb_parameter_is_journalled_truncated(sim_http: Any) -> None:
    big = "x" * 2_000_000
    for _ in range(3):
        sim_http.post(PULL_DIDS, json={"apiKey": DEMO_KEY, "note": big})
    answer = sim_http.get("/_sim/journal")
    entries = answer.get_json()["entries"]
    assert len(entries) == 3
    for entry in entries:
        note = entry["params"]["note"]
        assert len(note) < 2200
        assert note.endswith("…[truncated 1997952 characters]")
    assert len(answer.get_data()) < 64 * 1024


def test_the_journal_keeps_at_most_its_byte_budget() -> None:
    app = create_app({"deliver_callbacks": False, "journal_bytes": 200_000})
    http = app.test_client()
    params = {f"p{i}": "y" * 3000 for i in range(30)}
    for _ in range(100):
        http.post(PULL_DIDS, json={"apiKey": DEMO_KEY, **params})
    answer = http.get("/_sim/journal")
    entries = answer.get_json()["entries"]
    assert 0 < len(entries) < 100
    assert len(answer.get_data()) <= 200_000 + 1024
    # The newest entries are the ones kept.
    assert entries[-1]["id"] == 100


# -- 5. seeding is linear and short under the lock ------------------------------------


def _dids(count: int) -> list[str]:
    return [f"98{i:08d}" for i in range(count)]


def test_seeding_the_most_dids_a_seed_may_hold_completes(sim_http: Any) -> None:
    answers: list[int] = []
    thread = threading.Thread(
        target=lambda: answers.append(
            sim_http.post("/_sim/seed", json={"dids": _dids(99_998)}).status_code
        ),
        daemon=True,
    )
    thread.start()
    thread.join(GUARD_S * 1.5)  # a hang guard: a few seconds of work once linear
    assert answers == [200]
    assert len(sim_http.get("/_sim/state").get_json()["dids"]) == 100_000


def test_seed_numbers_are_read_outside_the_simulators_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    import simulator.seed as seed_module

    app = create_app({"deliver_callbacks": False})
    sim_state = get_simulator(app)
    entered = threading.Event()
    release = threading.Event()
    real = seed_module.national

    def slow_national(text: str | None) -> str | None:
        entered.set()
        release.wait(GUARD_S)
        return real(text)

    monkeypatch.setattr(seed_module, "national", slow_national)
    seeder = threading.Thread(target=lambda: sim_state.merge_seed({"dids": _dids(10)}), daemon=True)
    seeder.start()
    try:
        assert entered.wait(GUARD_S)
        # While the seed's numbers are being read, other requests get the lock.
        got = sim_state.lock.acquire(timeout=GUARD_S / 2)
        if got:
            sim_state.lock.release()
        assert got, "seeding held the simulator lock while it validated numbers"
    finally:
        release.set()
        seeder.join(GUARD_S)
    assert len(sim_state.directory.dids) == 12


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"agents": {f"a{i}": {"phone": "9800000001"} for i in range(10_001)}}, "agents"),
        (
            {"accounts": {f"x{i}": {"username": "u", "api_key": "k"} for i in range(1_001)}},
            "accounts",
        ),
        ({"dids": _dids(100_001)}, "dids"),
        ({"dnd": _dids(100_001)}, "dnd"),
    ],
    ids=["agents", "accounts", "dids", "dnd"],
)
def test_seed_documents_are_bounded(sim_http: Any, doc: dict[str, Any], field: str) -> None:
    answer = sim_http.post("/_sim/seed", json=doc)
    assert answer.status_code == 400
    message = answer.get_json()["message"]
    assert field in message
    assert "at most" in message


def test_a_seed_item_that_is_not_a_number_is_named_without_echoing_it(sim_http: Any) -> None:
    answer = sim_http.post("/_sim/seed", json={"dids": [["9800000001"] * 1000]})
    assert answer.status_code == 400
    assert len(answer.get_json()["message"]) < 300


# -- 6. seed YAML is bounded -------------------------------------------------------------


def _billion_laughs(path: Path) -> Path:
    names = "abcdefghi"
    levels = ["&a [" + ",".join(['"9800000001"'] * 9) + "]"]
    levels += [f"&{names[i]} [" + ",".join([f"*{names[i - 1]}"] * 9) + "]" for i in range(1, 9)]
    path.write_text("blacklist: [" + ",".join(levels) + "]\ndids: [*i]\n", encoding="utf-8")
    return path


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (1024 * MiB, 1024 * MiB))


def _serve_seed_in_a_small_child(seed: str) -> subprocess.CompletedProcess[str]:
    """``python -m simulator --seed SEED`` with 1 GiB of address space.

    A regression must not eat the machine: it dies of MemoryError instead.
    """
    return subprocess.run(
        [sys.executable, "-m", "simulator", "--port", "0", "--seed", seed],
        capture_output=True,
        text=True,
        timeout=GUARD_S * 3,
        preexec_fn=_limit_memory,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_a_billion_laughs_seed_is_one_clear_line(tmp_path: Path) -> None:
    seed = _billion_laughs(tmp_path / "laughs.yaml")
    assert seed.stat().st_size < 500
    done = _serve_seed_in_a_small_child(str(seed))
    assert done.returncode == 2, done.stderr[-500:]
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "alias" in done.stderr


def test_an_endless_seed_file_is_one_clear_line() -> None:
    done = _serve_seed_in_a_small_child("/dev/zero")
    assert done.returncode == 2, done.stderr[-500:]
    assert "Traceback" not in done.stderr
    assert "larger than" in done.stderr


def test_load_seed_refuses_nested_aliases(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="alias"):
        load_seed(_billion_laughs(tmp_path / "laughs.yaml"))


def test_load_seed_refuses_a_huge_file_and_deep_nesting(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("dids:\n" + '  - "9800000001"\n' * 400_000, encoding="utf-8")
    with pytest.raises(SeedError, match="larger than"):
        load_seed(big)
    deep = tmp_path / "deep.yaml"
    deep.write_text("dids: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(SeedError, match="nest"):
        load_seed(deep)


# -- 7. no credential in any control-plane answer ---------------------------------------

SECRET = "S3CRET-canary-4f1e9a"


def test_callback_urls_are_redacted_in_every_control_plane_answer(sim_http: Any) -> None:
    url = (
        f"http://127.0.0.1:9/calllog?token={SECRET}&api_key={SECRET}&key={SECRET}"
        f"&signature={SECRET}&password={SECRET}&secret={SECRET}&keep=visible"
    )
    assert (
        sim_http.post("/_sim/seed", json={"accounts": {"demo": {"callback_url": url}}}).status_code
        == 200
    )
    placed = sim_http.get(
        "/click2call",
        query_string={
            "api_key": DEMO_KEY,
            "username": "demouser",
            "agentID": "agent1",
            "campaignName": "Inbound_918030000001",
            "customerNumber": "9876543210",
            "callback_url": url,
        },
    )
    assert placed.status_code == 200
    answers = {
        path: sim_http.get(path).get_data(as_text=True)
        for path in ("/_sim/state", "/_sim/callbacks", "/_sim/calls", "/_sim/journal")
    }
    for path, text in answers.items():
        assert SECRET not in text, f"a credential leaked into {path}"
    assert "keep=visible" in answers["/_sim/state"]


# -- 8. mcc serve: short tokens, non-loopback, startup errors ----------------------------


def _mcc(*args: str, env: dict[str, str] | None = None) -> Any:
    from mcc.cli import cli

    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the serving loop: print the ready line and return at once."""
    import calling.service as service_module

    hosts: list[str] = []

    def fake(app: Flask, host: str = "127.0.0.1", port: int = 8081, **kwargs: Any) -> None:
        hosts.append(host)
        kwargs["on_ready"](f"http://{host}:{port}")

    monkeypatch.setattr(service_module, "serve_service", fake)
    return hosts


def test_mcc_serve_refuses_a_short_token(tmp_path: Path, no_serving: list[str]) -> None:
    db = str(tmp_path / "crm.sqlite3")
    result = _mcc("serve", "--db", db, env={"MCC_CALLLOG_TOKEN": "tiny-9q"})
    assert result.exit_code == 2
    assert "16" in result.output
    assert "--insecure-short-token" in result.output
    assert "tiny-9q" not in result.output
    assert no_serving == []
    allowed = _mcc(
        "serve", "--db", db, "--insecure-short-token", env={"MCC_CALLLOG_TOKEN": "tiny-9q"}
    )
    assert allowed.exit_code == 0, allowed.output
    assert no_serving == ["127.0.0.1"]


def test_mcc_serve_warns_when_it_binds_a_non_loopback_address(
    tmp_path: Path, no_serving: list[str]
) -> None:
    db = str(tmp_path / "crm.sqlite3")
    result = _mcc("serve", "--db", db, "--host", "0.0.0.0", env={"MCC_CALLLOG_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert "not loopback" in result.output
    quiet = _mcc("serve", "--db", db, env={"MCC_CALLLOG_TOKEN": TOKEN})
    assert "not loopback" not in quiet.output


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def _one_clean_line(result: Any) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_mcc_serve_on_a_port_in_use_is_one_line(tmp_path: Path, busy_port: int) -> None:
    result = _mcc(
        "serve",
        "--db",
        str(tmp_path / "crm.sqlite3"),
        "--port",
        str(busy_port),
        env={"MCC_CALLLOG_TOKEN": TOKEN},
    )
    _one_clean_line(result)
    assert f"127.0.0.1:{busy_port}" in result.output


def test_mcc_sim_serve_on_a_port_in_use_is_one_line(busy_port: int) -> None:
    result = CliRunner().invoke(sim, ["serve", "--port", str(busy_port)])
    _one_clean_line(result)
    assert f"127.0.0.1:{busy_port}" in result.output


def _bad_databases(tmp_path: Path) -> dict[str, str]:
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("these are notes, not a database\n" * 50, encoding="utf-8")
    return {"not-sqlite": str(not_sqlite), "unopenable": "/proc/x.sqlite3"}


COMMANDS = {
    "dids-list": ["dids", "list"],
    "dids-sync": ["dids", "sync", "--config", "ozonetel", "--base-url", "http://127.0.0.1:9"],
    "call": [
        "call", "--lead", "L-1", "--user", "u1",
        "--config", "ozonetel", "--base-url", "http://127.0.0.1:9",
    ],
    "popup": [
        "popup", "--agent-phone", "9800000001", "--caller", "918030000001",
        "--config", "ozonetel", "--base-url", "http://127.0.0.1:9",
    ],
    "serve": ["serve", "--port", "0"],
}  # fmt: skip


@pytest.mark.parametrize("kind", ["not-sqlite", "unopenable"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_that_opens_the_crm_store_fails_in_one_line(
    tmp_path: Path, command: str, kind: str, no_serving: list[str]
) -> None:
    env = {
        "MCC_CALLLOG_TOKEN": TOKEN,
        "OZONETEL_API_KEY": DEMO_KEY,
        "OZONETEL_USERNAME": "demouser",
        "MCC_CONFIG": "",
    }
    result = _mcc(*COMMANDS[command], "--db", _bad_databases(tmp_path)[kind], env=env)
    _one_clean_line(result)
    assert "database" in result.output
    assert no_serving == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_crm_file_in_a_read_only_directory_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = _mcc("dids", "list", "--db", str(folder / "x.sqlite3"))
    finally:
        folder.chmod(0o755)
    _one_clean_line(result)
