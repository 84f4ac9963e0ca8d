"""``mcc sim serve --server granian``: its process lifecycle and the limits it keeps.

Every server here is a real ``python -m simulator --server granian`` process
on 127.0.0.1 (granian forks worker processes and installs signal handlers,
so it cannot run inside the test process). Timeouts (``GUARD_S``) only stop a
test that would otherwise hang; no assertion is about a duration. The
"tight" server is the same command with the head deadline lowered to
``TIGHT_TIMEOUT_S`` and the connection limit to ``TIGHT_CONNECTIONS``, so that
the deadline and the bound show within a test's patience.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from werkzeug.test import EnvironBuilder

from simulator import create_app, get_simulator
from simulator.cli import sim
from simulator.limits import MAX_BODY_BYTES, MAX_HELD_REQUESTS
from simulator.serve import GRANIAN_THREADS, MAX_HEADER_BYTES, cap_chunked_bodies, serve

from .demo import AMD_PARAMS
from .demo import KEY as DEMO_KEY

pytestmark = [
    pytest.mark.simulator,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="granian workers: Linux"),
]

GUARD_S = 60.0  # a hang guard, never a performance target
ACME_KEY = "KKacme00000000000000000000009876"
PULL_DIDS = "/LeadSquare/PullDIDNumbers.php"
CALL = dict(AMD_PARAMS)
MiB = 1024 * 1024
TIGHT_TIMEOUT_S = 2
TIGHT_CONNECTIONS = 20
# The CLI with the two limits lowered (module constants read when serving starts).
TIGHT = (
    "import sys\n"
    "import simulator.serve as serving\n"
    f"serving.CHANNEL_TIMEOUT_S = {TIGHT_TIMEOUT_S}\n"
    f"serving.CONNECTION_LIMIT = {TIGHT_CONNECTIONS}\n"
    "from simulator.cli import sim\n"
    "sim(['serve', '--server', 'granian', '--port', '0'], prog_name='mcc sim')\n"
)


# -- helpers ----------------------------------------------------------------------


@dataclass
class Served:
    """A granian simulator process and what its banner said."""

    proc: subprocess.Popen[str]
    base_url: str
    banner: str
    seen: set[int] = field(default_factory=set)  # every worker pid looked at

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def workers(self) -> list[int]:
        """The worker processes: the server process's children."""
        found: list[int] = []
        with suppress(FileNotFoundError, ProcessLookupError):
            for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
                found += [int(pid) for pid in (task / "children").read_text().split()]
        self.seen.update(found)
        return found

    def reap(self) -> None:
        """After a test, even a failed one: no server and no worker of it left running."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=GUARD_S)
        for pid in self.seen:
            if _running(pid):
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[str, str]:
        self.proc.send_signal(sig)
        return self.proc.communicate(timeout=GUARD_S)


def _running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _eventually(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + GUARD_S
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _read_banner(proc: subprocess.Popen[str]) -> str:
    """stdout up to the banner's last line (or what came before the guard or an exit)."""
    assert proc.stdout is not None
    stdout = proc.stdout
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        # A thread, so that a server that never prints cannot hang the test.
        while line := stdout.readline():
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        done.set()

    threading.Thread(target=read, daemon=True).start()
    done.wait(GUARD_S)
    return "".join(lines)


def _start(command: list[str], env: dict[str, str] | None = None) -> Served:
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    banner = _read_banner(proc)
    for word in banner.split():
        if word.startswith("http://127.0.0.1:"):
            return Served(proc, word, banner)
    proc.kill()
    _out, err = proc.communicate(timeout=GUARD_S)
    raise AssertionError(f"no URL line: {banner!r} {err[-2000:]!r}")


def _granian(*args: str) -> list[str]:
    return [sys.executable, "-m", "simulator", "--server", "granian", "--port", "0", *args]


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    path = tmp_path / "seed.yaml"
    path.write_text(
        f"accounts:\n  acme:\n    username: acmeuser\n    api_key: {ACME_KEY}\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def launch() -> Iterator[Callable[..., Served]]:
    """Start granian simulators; reap them (and their workers) after the test."""
    started: list[Served] = []

    def start(*args: str) -> Served:
        served = _start(_granian(*args))
        started.append(served)
        served.workers()
        return served

    yield start
    for served in started:
        served.reap()


@pytest.fixture(scope="module")
def granian_url() -> Iterator[str]:
    """One granian simulator (default limits) shared by the limit tests."""
    served = _start(_granian())
    served.workers()
    yield served.base_url
    served.reap()


@pytest.fixture(scope="module")
def tight() -> Iterator[Served]:
    served = _start([sys.executable, "-c", TIGHT])
    served.workers()
    yield served
    served.reap()


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=GUARD_S)


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise AssertionError(f"connection closed with no status line: {data!r}")
        data += chunk
    return int(data.split(b" ", 2)[1])


def _closed_by_server(sock: socket.socket) -> bool:
    """True once the server closes ``sock`` (it sends nothing first), False at the guard."""
    sock.settimeout(GUARD_S)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


# -- lifecycle -------------------------------------------------------------------------


def test_granian_serves_on_the_port_it_reports_and_stops_on_sigint(
    launch: Callable[..., Served], seed: Path
) -> None:
    served = launch("--seed", str(seed))
    workers = served.workers()
    answer = httpx.get(f"{served.base_url}{PULL_DIDS}", params={"apiKey": ACME_KEY})
    assert answer.json()["status"] == "success"
    assert len(workers) == 1
    out, err = served.stop(signal.SIGINT)
    assert served.proc.returncode == 0, err
    assert "account acme: username acmeuser, api key " + "*" * 28 + "9876" in served.banner
    assert ACME_KEY not in served.banner + out + err
    assert "Simulator stopped." in out
    assert "Traceback" not in err
    assert _eventually(lambda: not any(_running(pid) for pid in workers))


def test_two_granian_workers_refuse_the_stateful_control_plane_and_stop_on_sigterm(
    launch: Callable[..., Served],
) -> None:
    served = launch("--workers", "2")
    assert _eventually(lambda: len(served.workers()) == 2)
    workers = served.workers()
    with httpx.Client(base_url=served.base_url, timeout=GUARD_S) as http:
        statuses = {http.get("/CAServices/AgentManualDial.php", params=CALL).status_code}
        refused = http.get("/_sim/state")
    assert statuses == {200}
    assert refused.status_code == 409
    assert "2 worker processes" in refused.json()["message"]
    _out, err = served.stop()
    assert served.proc.returncode == 0, err
    assert "Traceback" not in err
    assert _eventually(lambda: not any(_running(pid) for pid in workers))


def test_granian_workers_do_not_outlive_a_killed_server(launch: Callable[..., Served]) -> None:
    served = launch("--workers", "2")
    assert _eventually(lambda: len(served.workers()) == 2)
    workers = served.workers()
    served.proc.kill()  # SIGKILL: granian itself cannot stop its workers
    served.proc.communicate(timeout=GUARD_S)
    assert _eventually(lambda: not any(_running(pid) for pid in workers))
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{served.base_url}/_sim/state", timeout=5)


def test_hang_faults_never_starve_granian_and_it_still_stops(
    launch: Callable[..., Served],
) -> None:
    served = launch()
    workers = served.workers()
    base = served.base_url
    rule = {"fault": "hang", "hang_s": 60, "operation": "generic.click2call"}
    assert httpx.post(f"{base}/_sim/faults", json=rule).status_code == 201
    answers: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        try:
            code = httpx.get(f"{base}/click2call", params=CALL, timeout=GUARD_S * 2).status_code
        except httpx.HTTPError:
            code = 0  # cut when the server stopped
        with lock:
            answers.append(code)

    clients = [threading.Thread(target=client, daemon=True) for _ in range(12)]
    for thread in clients:
        thread.start()
    # 8 requests (max_held_requests) are held; the other 4 are answered at once.
    assert _eventually(lambda: len(answers) >= 4)
    with httpx.Client(base_url=base, timeout=GUARD_S) as http:
        assert http.get("/_sim/state").status_code == 200
        assert http.get(PULL_DIDS, params={"apiKey": DEMO_KEY}).status_code == 200
    assert answers == [504] * 4
    _out, err = served.stop()
    assert served.proc.returncode == 0, err
    assert _eventually(lambda: not any(_running(pid) for pid in workers))
    for thread in clients:
        thread.join(GUARD_S)
    assert len(answers) == 12


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain", "another-granian"])
def test_granian_on_a_port_in_use_is_one_line(reuse_port: bool) -> None:
    # With SO_REUSEPORT the holder looks like an earlier granian, which granian
    # itself would join silently and share the requests with.
    with socket.socket() as busy:
        if reuse_port:
            busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(sim, ["serve", "--server", "granian", "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output


def _record_granian(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace granian's server class by a recorder of its options (nothing is served)."""
    import granian

    made: list[dict[str, Any]] = []

    class Recorder:
        def __init__(self, target: str, **options: Any) -> None:
            made.append(options)

        def serve(self, **_kwargs: Any) -> None:
            return None

    monkeypatch.setattr(granian, "Granian", Recorder)
    monkeypatch.setattr("gc.freeze", lambda: None)  # not this test process's objects
    return made


def test_serving_with_several_granian_workers_marks_the_app_and_sizes_the_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from granian.constants import HTTPModes, Interfaces

    made = _record_granian(monkeypatch)
    app = create_app({"deliver_callbacks": False, "max_held_requests": 3})
    serve(app, "127.0.0.1", 0, 2, server="granian")
    assert get_simulator(app).config.worker_processes == 2
    assert app.test_client().get("/_sim/state").status_code == 409
    (options,) = made
    assert options["workers"] == 2
    assert options["port"] > 0  # 0 was resolved to a free port before granian binds
    assert options["interface"] == Interfaces.WSGI
    assert options["http"] == HTTPModes.http1
    assert options["blocking_threads"] == GRANIAN_THREADS + 3


@pytest.mark.parametrize(("given", "held"), [([], MAX_HELD_REQUESTS), (["--max-held", "1"], 1)])
def test_sim_serve_max_held_sizes_the_threads(
    monkeypatch: pytest.MonkeyPatch, given: list[str], held: int
) -> None:
    made = _record_granian(monkeypatch)
    result = CliRunner().invoke(sim, ["serve", "--server", "granian", "--port", "0", *given])
    assert result.exit_code == 0, result.output
    (options,) = made
    assert options["blocking_threads"] == GRANIAN_THREADS + held


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["--max-held", "0"], "'--max-held': 0 is not in the range 1<=x<=256"),
        (["--max-held", "2", "--replay", "."], "--max-held is the simulator's"),
    ],
    ids=["zero", "with-replay"],
)
def test_sim_serve_refuses_a_bad_max_held_in_one_line(given: list[str], message: str) -> None:
    result = CliRunner().invoke(sim, ["serve", *given])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


# -- limits (issue 12's rules on granian) ------------------------------------------------


def _status_after_head(url: str, path: str, headers: dict[str, str]) -> int:
    """Send only the head of an upload (no body at all) and read the answer."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    with _connect(_port(url)) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return _status(sock)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/_sim/seed", "application/json"),
        ("/CAServices/AgentManualDial.php", "application/x-www-form-urlencoded"),
    ],
)
def test_granian_refuses_a_300_mb_upload_from_its_headers(
    granian_url: str, path: str, kind: str
) -> None:
    headers = {"Content-Type": kind, "Content-Length": str(300 * 1000 * 1000)}
    # No byte of the body is sent: a server that waited for it would never answer.
    assert _status_after_head(granian_url, path, headers) == 413


def _chunked_upload(url: str, path: str, total: int) -> tuple[int, int | None]:
    """Send a chunked body of up to ``total`` bytes while reading the answer.

    Returns the bytes sent before the server stopped reading (or all of
    them) and the answer's status (None if the connection broke first).
    """
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"x" * (64 * 1024)
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    statuses: list[int | None] = []
    sent = 0
    with _connect(_port(url)) as sock:

        def read() -> None:
            try:
                statuses.append(_status(sock))
            except (OSError, AssertionError):
                statuses.append(None)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        sock.sendall(head.encode())
        try:
            while sent < total:
                sock.sendall(framed)
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:  # reset or broken pipe: the server answered and closed
            pass
        reader.join(GUARD_S)
    return sent, statuses[0] if statuses else None


def test_granian_answers_413_to_a_chunked_body_past_the_limit(granian_url: str) -> None:
    sent, status = _chunked_upload(granian_url, "/_sim/seed", 64 * MiB)
    assert status == 413
    # The limit is 2 MiB; loopback socket buffers hold a few MiB more.
    assert sent < 32 * MiB


def test_granian_hands_a_small_chunked_body_to_the_app(granian_url: str) -> None:
    body = b'{"dnd": ["9876543210"]}'
    with _connect(_port(granian_url)) as sock:
        sock.sendall(
            b"POST /_sim/seed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            + f"{len(body):x}\r\n".encode()
            + body
            + b"\r\n0\r\n\r\n"
        )
        assert _status(sock) == 200


def test_a_normal_client_is_served_while_120_slow_heads_are_open(granian_url: str) -> None:
    slow = []
    try:
        for _ in range(120):
            sock = _connect(_port(granian_url))
            sock.sendall(b"GET /_sim/behaviours HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n")
            slow.append(sock)
        statuses = []
        for _ in range(20):  # a new connection each time, as a fresh client would
            with httpx.Client(timeout=GUARD_S) as client:
                statuses.append(client.get(f"{granian_url}/_sim/behaviours").status_code)
        assert statuses == [200] * 20
    finally:
        for sock in slow:
            sock.close()


def test_a_request_head_past_the_bound_is_431(granian_url: str) -> None:
    # The bound is the read buffer (MAX_HEADER_BYTES); hyper checks it after each
    # read, so a head a little over it may pass: four times over never does.
    big = "a" * (4 * MAX_HEADER_BYTES)
    with _connect(_port(granian_url)) as sock:
        sock.sendall(f"GET /_sim/behaviours HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n".encode())
        assert _status(sock) == 431
    assert httpx.get(f"{granian_url}/_sim/behaviours").status_code == 200


def test_granian_speaks_http_1_only(granian_url: str) -> None:
    # An HTTP/2 connection preface (prior knowledge) is closed without an answer.
    with _connect(_port(granian_url)) as sock:
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        assert _closed_by_server(sock)


def test_a_silent_connection_is_closed_at_the_head_deadline(tight: Served) -> None:
    with _connect(tight.port) as sock:
        assert _closed_by_server(sock)


def test_a_head_sent_one_line_at_a_time_is_closed_though_it_keeps_coming(tight: Served) -> None:
    # Waitress closes a connection after 30 s with *nothing* received; granian's
    # deadline is for the whole head, so a client dripping lines is cut too.
    closed = False
    with _connect(tight.port) as sock:
        sock.sendall(b"GET /_sim/behaviours HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.settimeout(0.5)
        for number in range(int(GUARD_S / 0.5)):
            try:
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
            except ConnectionResetError:
                closed = True
                break
            try:
                sock.sendall(f"X-Drip-{number}: 1\r\n".encode())
            except OSError:
                closed = True
                break
    assert closed


def _answer(sock: socket.socket) -> bytes:
    """One whole answer (head and ``Content-Length`` body) read from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed mid-answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed mid-body"
        body += chunk
    return head


def test_an_idle_keep_alive_connection_is_closed(tight: Served) -> None:
    with _connect(tight.port) as sock:
        sock.sendall(b"GET /_sim/behaviours HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _answer(sock).startswith(b"HTTP/1.1 200")
        assert _closed_by_server(sock)


def _socket_count(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with suppress(FileNotFoundError, ProcessLookupError):
            count += os.readlink(fd).startswith("socket:")
    return count


def test_connections_at_once_are_bounded_and_the_rest_wait(tight: Served) -> None:
    (worker,) = tight.workers()
    before = _socket_count(worker)
    silent = [_connect(tight.port) for _ in range(2 * TIGHT_CONNECTIONS)]
    try:
        # The worker accepts up to its limit; the rest wait in the kernel's backlog.
        assert _eventually(lambda: _socket_count(worker) - before >= TIGHT_CONNECTIONS)
        most = 0
        for _ in range(10):
            most = max(most, _socket_count(worker) - before)
            time.sleep(0.1)
        # (+2: a closing connection's descriptor may outlive its slot for a moment)
        assert most <= TIGHT_CONNECTIONS + 2
        # Served once the head deadline has freed slots (the silent ones are closed).
        answer = httpx.get(f"{tight.base_url}/_sim/behaviours", timeout=GUARD_S)
        assert answer.status_code == 200
    finally:
        for sock in silent:
            sock.close()


# -- chunked bodies, in-process (the wrapper granian and gunicorn serve) -------------------


class _Counting(io.BytesIO):
    """A request body that counts the bytes read from it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data


def _chunked_environ(body: io.BytesIO) -> dict[str, Any]:
    environ = EnvironBuilder(path="/_sim/seed", method="POST").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input"] = body
    return environ


def _call(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[str, bytes]:
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers, *_: statuses.append(status)))
    return statuses[0], body


def test_a_chunked_body_over_the_limit_is_413_without_calling_the_app() -> None:
    called: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        called.append(environ)
        start_response("200 OK", [])
        return [b""]

    body = _Counting(b"x" * (3 * MiB))
    status, text = _call(cap_chunked_bodies(app, MAX_BODY_BYTES), _chunked_environ(body))
    assert status.startswith("413")
    assert str(MAX_BODY_BYTES).encode() in text
    assert called == []
    assert body.taken == MAX_BODY_BYTES + 1  # read no further than needed to know


def test_a_chunked_body_within_the_limit_reaches_the_app_as_a_sized_body() -> None:
    app = create_app({"deliver_callbacks": False})
    payload = b'{"dnd": ["9876543210"]}'
    environ = _chunked_environ(io.BytesIO(payload))
    status, _ = _call(cap_chunked_bodies(app, MAX_BODY_BYTES), environ)
    assert status.startswith("200")
    assert environ["CONTENT_LENGTH"] == str(len(payload))
    assert "HTTP_TRANSFER_ENCODING" not in environ
    assert "9876543210" in str(app.test_client().get("/_sim/state").get_json())


def test_a_request_without_a_chunked_body_passes_untouched() -> None:
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append(dict(environ))
        start_response("204 No Content", [])
        return []

    environ = EnvironBuilder(path="/x", method="GET").get_environ()
    stream = environ["wsgi.input"]
    status, _ = _call(cap_chunked_bodies(app, MAX_BODY_BYTES), environ)
    assert status.startswith("204")
    assert seen[0]["wsgi.input"] is stream


def test_a_broken_chunked_body_is_400_without_calling_the_app() -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("Invalid chunk size")  # what gunicorn's reader raises

    called: list[object] = []
    status, _ = _call(
        cap_chunked_bodies(lambda *args: called.append(args), MAX_BODY_BYTES),
        _chunked_environ(Broken()),
    )
    assert status.startswith("400")
    assert called == []


def test_gunicorn_serves_the_app_behind_the_chunked_body_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gunicorn.app.base import BaseApplication

    loaded: list[Any] = []
    monkeypatch.setattr(BaseApplication, "run", lambda self: loaded.append(self.load()))
    monkeypatch.setattr("gc.freeze", lambda: None)
    app = create_app({"deliver_callbacks": False})
    serve(app, "127.0.0.1", 18098, 1, server="gunicorn")
    status, _ = _call(loaded[0], _chunked_environ(io.BytesIO(b"x" * (3 * MiB))))
    assert status.startswith("413")
