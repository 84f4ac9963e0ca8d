"""Hostile inputs to the client side: what a partner (or a config file) sends to hurt us.

Every case is bounded in size, depth and time, and ends in one clear line:

1. compressed answers are counted as they are decompressed (a 3 KB
   ``gzip, gzip`` answer holding 2 GB must not take 2 GB), and the other reads
   of a partner's answers (``mcc verify``'s reachability probe, the recording
   fetch) never read a body they do not need;
2. control characters from a partner never reach a terminal or a report raw,
   and never make ``junit.xml`` ill-formed;
3. YAML alias expansion ("billion laughs") and oversized files are refused
   before they cost anything;
4. tokens that can never render are config errors with their path.

Every server is on 127.0.0.1; no test waits on a wall-clock deadline (time
is a fake clock where a deadline is checked).
"""

from __future__ import annotations

import gzip
import io
import json
import re
import socket
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from connector.client import Client
from connector.config import ApiConfig, parse_config
from connector.mapping import Reason
from connector.templating import MergeContext
from contracts.events import (
    ClauseFinished,
    ClauseInfo,
    ClauseResult,
    Coverage,
    Evidence,
    RuleUse,
    RunFinished,
    RunInfo,
    RunStarted,
    RunSummary,
    Status,
    UnmappedAnswer,
)

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 64 * 1024
GUARD_S = 30.0  # a hang guard, never a performance target


# -- a raw HTTP/1.1 server: full control over what goes on the wire -----------


@dataclass
class _Raw:
    """Answers each request on 127.0.0.1 with ``handler(method, path, conn)``.

    ``pulled`` counts body chunks the handlers produced, so a test can tell
    how much of an endless body the client asked for.
    """

    handler: Callable[[_Raw, str, str, socket.socket], None]
    pulled: int = 0
    port: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    _sock: socket.socket | None = None

    def start(self) -> int:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        self._sock = sock
        self.port = int(sock.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()
        return self.port

    def stop(self) -> None:
        self.release.set()
        if self._sock is not None:
            self._sock.close()

    def _accept(self) -> None:
        assert self._sock is not None
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                while True:
                    head = b""
                    while b"\r\n\r\n" not in head:
                        data = conn.recv(4096)
                        if not data:
                            return
                        head += data
                    method, path, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
                    self.handler(self, method, path, conn)
            except OSError:
                return

    def endless(self, conn: socket.socket, limit: int = 8192) -> None:
        """Up to ``limit`` chunks of 64 KiB (512 MiB), as long as the client takes them."""
        for _ in range(limit):
            conn.sendall(b"z" * CHUNK)
            self.pulled += 1


def _head(status: str, *headers: str) -> bytes:
    return ("HTTP/1.1 " + status + "\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n").encode()


@contextmanager
def _serving(handler: Callable[[_Raw, str, str, socket.socket], None]) -> Iterator[_Raw]:
    server = _Raw(handler)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _url(server: _Raw, path: str = "/") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


# -- 1. decompression is bounded ---------------------------------------------

# Runs in a subprocess: one connector call against a local server serving a
# bomb, then the process's peak RSS before and after the call. The peak is
# VmHWM: getrusage's ru_maxrss would carry the parent's (pytest's) RSS at
# fork, which Linux keeps across exec.
_BOMB_PROBE = r"""
import sys, threading, zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mib, encoding = int(sys.argv[1]), sys.argv[2]
layers = [layer for layer in encoding.split(",") if layer.strip()]
block = b"\0" * (1 << 20)
packer = zlib.compressobj(9, zlib.DEFLATED, 31)
body = b"".join(packer.compress(block) for _ in range(mib)) + packer.flush()
for _ in layers[1:]:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = packer.compress(body) + packer.flush()
del block

class Bomb(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Bomb)
threading.Thread(target=server.serve_forever, daemon=True).start()

from connector.client import Client
from connector.config import parse_config
from connector.templating import MergeContext

url = f"http://127.0.0.1:{server.server_address[1]}/numbers"
api = parse_config({"apis": {"did_list": {"url": url}}}).api("did_list")

def peak_mb():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) // 1024

before = peak_mb()
with Client() as client:
    result = client.call(api, MergeContext(), name="did_list")
print(len(body), before, peak_mb(), result.outcome.reason, sep="\t")
"""


def _bomb_rss(mib: int, encoding: str) -> tuple[int, int, int, str]:
    """(bomb bytes, peak RSS MB before the call, peak RSS MB after it, outcome reason)."""
    done = subprocess.run(
        [sys.executable, "-c", _BOMB_PROBE, str(mib), encoding],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    size, before, after, reason = done.stdout.strip().split("\t")
    return int(size), int(before), int(after), reason


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
@pytest.mark.parametrize(("mib", "encoding"), [(512, "gzip, gzip"), (256, "gzip")])
def test_a_compressed_bomb_costs_no_memory(mib: int, encoding: str) -> None:
    # 512 MiB of zeros, gzipped twice, is about 1 KB on the wire. httpx's
    # decoder inflated each chunk whole before the connector counted it: the
    # old client peaked at over 1 GB here (4.1 GB for the 2 GiB bomb).
    size, before, after, reason = _bomb_rss(mib, encoding)
    assert size < 300_000
    assert reason == "too_large"
    assert after < 100, f"peak RSS {after} MB (before the call: {before} MB)"


def _api(url: str = "https://provider.example/numbers") -> ApiConfig:
    rules = [{"key": "status", "value": "ok", "outcome": "success"}]
    return parse_config({"apis": {"did_list": {"url": url, "response": rules}}}).api("did_list")


def _answer(body: bytes, encoding: str, **client_args: int) -> tuple[Reason, str, str]:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json", "content-encoding": encoding}
        # An iterator: httpx would read (and decode) plain bytes itself.
        return httpx.Response(200, headers=headers, content=iter([body]))

    with Client(transport=httpx.MockTransport(handler), **client_args) as client:
        result = client.call(_api(), MergeContext(), name="did_list")
    return result.outcome.reason, result.outcome.message, result.body


OK = b'{"status": "ok"}'


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(OK)),
        ("x-gzip", gzip.compress(OK)),
        ("deflate", zlib.compress(OK)),
        ("deflate", _raw_deflate(OK)),
        ("gzip, gzip", gzip.compress(gzip.compress(OK))),
        ("deflate, gzip", gzip.compress(zlib.compress(OK))),
        ("identity", OK),
        ("GZIP", gzip.compress(OK)),
    ],
    ids=["gzip", "x-gzip", "zlib", "raw-deflate", "gzip-gzip", "deflate-gzip", "identity", "GZIP"],
)
def test_compressed_answers_are_still_read(encoding: str, body: bytes) -> None:
    reason, message, text = _answer(body, encoding)
    assert reason is Reason.RULE, message
    assert text == OK.decode()


def test_decompressed_bytes_count_against_the_limit() -> None:
    big = gzip.compress(b'{"status": "ok", "pad": "' + b"a" * 5000 + b'"}')
    reason, message, _ = _answer(big, "gzip", max_body_bytes=1000)
    assert reason is Reason.TOO_LARGE
    assert "more than 1000 bytes" in message


def test_an_encoding_the_connector_cannot_bound_is_refused_by_name() -> None:
    reason, message, _ = _answer(b"\x8b\x07\x80" + OK, "br")
    assert reason is Reason.NOT_TEXT
    assert "content-encoding br" in message.lower()


def test_a_body_that_does_not_decompress_is_an_unreadable_answer() -> None:
    reason, message, _ = _answer(b"\x1f\x8b\x08\x00 this is not gzip at all", "gzip")
    assert reason is Reason.NOT_TEXT
    assert "does not decompress" in message


def test_a_long_chain_of_encodings_is_refused() -> None:
    body = OK
    for _ in range(6):
        body = gzip.compress(body)
    reason, message, _ = _answer(body, ", ".join(["gzip"] * 6))
    assert reason is Reason.NOT_TEXT
    assert "6 content encodings" in message


def test_the_client_asks_only_for_encodings_it_can_bound() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("accept-encoding", ""))
        return httpx.Response(200, json={"status": "ok"})

    with Client(transport=httpx.MockTransport(handler)) as client:
        client.call(_api(), MergeContext(), name="did_list")
    assert seen == ["gzip, deflate"]


# -- 1b. mcc verify's reachability probe and the recording fetch ---------------


def _root_then_body(endless: bool) -> Callable[[_Raw, str, str, socket.socket], None]:
    def handler(server: _Raw, method: str, path: str, conn: socket.socket) -> None:
        if endless:
            conn.sendall(_head("200 OK", f"Content-Length: {8192 * CHUNK}"))
            server.endless(conn)
        else:  # one byte, then nothing more until the test ends
            conn.sendall(_head("200 OK", "Content-Length: 100") + b"<")
            server.release.wait(60)

    return handler


def test_the_reachability_probe_does_not_read_a_huge_body() -> None:
    from contracts.fixtures import Fixtures
    from contracts.target import open_url

    with _serving(_root_then_body(endless=True)) as server:
        target = open_url(_url(server), Fixtures())
        # The kernel's socket buffers hold a few MB; the old probe read all 512 MiB.
        assert server.pulled < 256
    assert target.kind == "url"


def test_the_reachability_probe_does_not_wait_for_a_body_that_never_ends() -> None:
    # The old probe read the body, so a drip kept verify waiting (here: until
    # the 5 s read timeout, then "did not answer").
    from contracts.fixtures import Fixtures
    from contracts.target import open_url

    with _serving(_root_then_body(endless=False)) as server:
        target = open_url(_url(server), Fixtures())
    assert target.base_url == _url(server).rstrip("/")


def _recording_handler(server: _Raw, method: str, path: str, conn: socket.socket) -> None:
    if method == "HEAD":
        conn.sendall(_head("405 Method Not Allowed", "Content-Length: 0"))
    elif path == "/rec/1":
        # A redirect whose body is huge: httpx reads (and decodes) it before
        # the next hop, unless the hop's body is dropped.
        conn.sendall(_head("302 Found", "Location: /rec/2", f"Content-Length: {8192 * CHUNK}"))
        server.endless(conn)
    else:
        conn.sendall(_head("200 OK", "Content-Type: audio/mpeg", f"Content-Length: {8192 * CHUNK}"))
        server.endless(conn)


def test_the_recording_fetch_reads_no_body_of_any_hop() -> None:
    from contracts.clauses.callback import _fetch_audio

    with _serving(_recording_handler) as server:
        status, content_type = _fetch_audio(_url(server, "/rec/1"))
        assert server.pulled < 512
    assert (status, content_type) == (200, "audio/mpeg")


class _FakeClock:
    """Seconds that advance by ``step`` each time they are read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def _hops(server: _Raw, method: str, path: str, conn: socket.socket) -> None:
    hop = int(path.rsplit("/", 1)[-1])
    conn.sendall(_head("302 Found", f"Location: /hop/{hop + 1}", "Content-Length: 0"))


def test_the_recording_fetch_has_one_deadline_for_every_hop() -> None:
    from contracts.clauses.callback import _fetch_audio

    with _serving(_hops) as server, pytest.raises(httpx.TimeoutException) as caught:
        # Each reading of the clock moves it 4 s on: the third hop starts past 10 s.
        _fetch_audio(_url(server, "/hop/1"), clock=_FakeClock(4.0))
    assert "10 s" in str(caught.value)


def _fuzz_answers(server: _Raw, method: str, path: str, conn: socket.socket) -> None:
    if path.startswith("/huge"):
        conn.sendall(_head("200 OK", f"Content-Length: {8192 * CHUNK}"))
        server.endless(conn)
    elif path.startswith("/bomb"):
        # 256 MiB of zeros, gzipped: about 256 KB on the wire.
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        body = b"".join(packer.compress(b"\0" * (1 << 20)) for _ in range(256))
        body += packer.flush()
        conn.sendall(
            _head("200 OK", "Content-Encoding: gzip", f"Content-Length: {len(body)}") + body
        )
    elif path.startswith("/redirect"):
        # A hop with a huge body: requests reads a hop's body whole before it
        # follows the redirect, unless the hook has read it (bounded) first.
        conn.sendall(_head("302 Found", "Location: /ok", f"Content-Length: {8192 * CHUNK}"))
        server.endless(conn)
    else:
        body = gzip.compress(OK)
        conn.sendall(
            _head("200 OK", "Content-Encoding: gzip", f"Content-Length: {len(body)}") + body
        )


@pytest.mark.parametrize("path", ["/huge", "/bomb", "/redirect"])
def test_fuzzing_reads_at_most_a_mib_of_any_answer(path: str) -> None:
    import tracemalloc

    from contracts.clauses.fuzz import AnswerTooLarge, bounded_session

    with _serving(_fuzz_answers) as server, bounded_session() as session:
        tracemalloc.start()
        try:
            with pytest.raises(AnswerTooLarge, match="more than 1048576 bytes"):
                session.get(_url(server, path), stream=True, timeout=GUARD_S)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        # The kernel's socket buffers hold a few MB; requests alone read it all.
        assert server.pulled < 256
    # Unbounded, the bomb alone inflates to 256 MiB.
    assert peak < 16 * 1024 * 1024, f"peak {peak} bytes"


def test_fuzzing_stops_reading_an_answer_that_takes_too_long() -> None:
    from contracts.clauses.fuzz import AnswerTooSlow, bounded_session

    # Each reading of the clock moves it 1 s on: the 10 s pass within a few chunks.
    session = bounded_session(max_bytes=1 << 40, clock=_FakeClock(1.0))
    with _serving(_fuzz_answers) as server, session:
        with pytest.raises(AnswerTooSlow, match="more than 10 s"):
            session.get(_url(server, "/huge"), stream=True, timeout=GUARD_S)
        assert server.pulled < 256


def test_fuzzing_reads_an_ordinary_answer_whole() -> None:
    from contracts.clauses.fuzz import bounded_session

    with _serving(_fuzz_answers) as server, bounded_session() as session:
        answer = session.get(_url(server, "/ok"), stream=True, timeout=GUARD_S)
    assert answer.status_code == 200
    assert answer.content == OK
    assert answer.json() == {"status": "ok"}


# -- 2. control characters from a partner --------------------------------------

# A title-setting OSC sequence, a colour, a bare CR that rewrites the line, a
# NUL, a C1 CSI, a lone surrogate (JSON "\ud800" decodes to one) and DEL.
HOSTILE = "ok\x1b]0;pwned\x07 \x1b[31mred\x1b[0m\rfake PASS\x00 \x9b2J \ud800 \x7f end"
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _hostile_summary() -> RunSummary:
    info = RunInfo(
        target="http://127.0.0.1:1",
        target_kind="url",
        config_name="generic",
        started=datetime(2024, 6, 7, 10, 0, tzinfo=UTC),
        tool_version="0.1.0",
        clauses=(ClauseInfo("click_to_call.dnd", "click_to_call", "DND maps to error"),),
    )
    evidence = Evidence(
        label="call DND number",
        method="GET",
        url="http://127.0.0.1:1/click2call?api_key=***",
        headers=(("user-agent", "mcc-connector/0.1"),),
        body=None,
        status=200,
        answer_headers=(("content-type", "text/plain\x1b[2J"),),
        answer_excerpt=HOSTILE,
        outcome="error",
        outcome_message=f"unmapped: {HOSTILE}",
        elapsed_ms=12.5,
        curl='curl -sS -X GET "http://127.0.0.1:1/click2call?api_key=${GENERIC_API_KEY}"',
    )
    result = ClauseResult(
        clause=info.clauses[0],
        status=Status.FAIL,
        message=f"the partner answered {HOSTILE}",
        evidence=(evidence,),
    )
    return RunSummary(
        info=info,
        results=(result,),
        duration_s=1.0,
        coverage=Coverage(
            rules=(RuleUse("click_to_call", "status", "ok", "success", 0),),
            unmapped=(UnmappedAnswer("click_to_call", 200, "text/plain\x1b[2J", HOSTILE),),
            answers_seen=1,
        ),
    )


def _feed(reporter: object, summary: RunSummary) -> None:
    events = [
        RunStarted(summary.info),
        *(ClauseFinished(result) for result in summary.results),
        RunFinished(summary),
    ]
    for event in events:
        reporter.handle(event)  # type: ignore[attr-defined]


def test_junit_stays_well_formed_and_shows_the_controls(tmp_path: Path) -> None:
    from contracts.reporters.junit import JUnitReporter

    path = tmp_path / "junit.xml"
    _feed(JUnitReporter(path), _hostile_summary())
    text = path.read_text(encoding="utf-8")  # a lone surrogate could not even be written
    failure = ET.parse(path).getroot().find(".//failure")  # the old file did not parse
    assert failure is not None
    assert "␛]0;pwned␇" in str(failure.get("message"))
    assert "␛[31mred" in str(failure.text)
    assert RAW_CONTROLS.search(text) is None


def test_html_report_shows_the_controls(tmp_path: Path) -> None:
    from contracts.reporters.html import HtmlReporter

    path = tmp_path / "report.html"
    _feed(HtmlReporter(path), _hostile_summary())
    text = path.read_text(encoding="utf-8")
    assert RAW_CONTROLS.search(text) is None
    assert "␛]0;pwned␇" in text
    assert "␍fake PASS␀" in text


def test_json_report_keeps_the_data_and_stays_valid(tmp_path: Path) -> None:
    from contracts.reporters.json_report import JsonReporter

    path = tmp_path / "report.json"
    _feed(JsonReporter(path), _hostile_summary())
    text = path.read_text(encoding="ascii")  # every control is a \u escape
    document = json.loads(text)
    assert document["clauses"][0]["message"] == f"the partner answered {HOSTILE}"
    assert RAW_CONTROLS.search(text) is None


def test_console_scorecard_shows_the_controls() -> None:
    from contracts.reporters.console import ConsoleReporter

    out = io.StringIO()
    console = Console(file=out, width=400, color_system=None, force_terminal=False)
    _feed(ConsoleReporter(console, progress=False), _hostile_summary())
    text = out.getvalue()
    assert RAW_CONTROLS.search(text) is None
    assert "␛]0;pwned␇" in text
    assert "text/plain␛[2J" in text


def test_verify_error_lines_show_the_controls(capsys: pytest.CaptureFixture[str]) -> None:
    from contracts.cli import _fail

    with pytest.raises(SystemExit):
        _fail(f"target answered {HOSTILE}")
    err = capsys.readouterr().err
    assert RAW_CONTROLS.search(err) is None
    assert "␛]0;pwned␇" in err


def test_test_api_output_shows_the_controls() -> None:
    from mcc import testapi

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-type": "text/plain\x1b[2J", "server": "evil\x1b]0;t\x07"},
            content=HOSTILE.encode("utf-8", "surrogatepass"),
        )

    config = parse_config({"apis": {"did_list": {"url": "https://provider.example/numbers"}}})
    report = testapi.run_test_api(
        config, "did_list", {}, transport=httpx.MockTransport(handler), env={}
    )
    out = io.StringIO()
    console = Console(file=out, width=400, color_system=None, force_terminal=False)
    testapi.print_report(report, console=console)
    text = out.getvalue()
    assert RAW_CONTROLS.search(text) is None
    assert "␛]0;pwned␇" in text
    assert "evil␛]0;t␇" in text


def test_reports_and_the_command_line_show_text_through_one_function() -> None:
    # One rule for every place a partner's text is shown: connector.visible.
    import connector
    from contracts.evidence import visible as contracts_visible

    every = "".join(chr(code) for code in range(0x00, 0x200)) + "\r\n\ud800\udfff\ufffe\uffff"
    assert contracts_visible(every) == connector.visible(every)
    assert connector.visible("a\r\nb\tc\n") == "a\nb\tc\n"


# -- 3. YAML: alias bombs, depth and size ---------------------------------------


def _laughs(levels: int, top: str) -> str:
    """The "billion laughs": each level is nine aliases of the one before."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    lines.append(f"{top}: *l{levels - 1}")
    return "\n".join(lines) + "\n"


PRESET_TEXT = (ROOT / "connector" / "presets" / "generic.yaml").read_text(encoding="utf-8")


def _config_problem(tmp_path: Path, text: str) -> str:
    from connector.config import load_config
    from connector.errors import ConfigError

    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


def _fixtures_problem(tmp_path: Path, text: str) -> str:
    from contracts.errors import FixturesError
    from contracts.fixtures import load_fixtures

    path = tmp_path / "fixtures.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FixturesError) as caught:
        load_fixtures(path)
    return str(caught.value)


def test_a_config_alias_bomb_is_refused_in_one_line(tmp_path: Path) -> None:
    # Six levels (531441 values) keep the old code's failure cheap: it
    # answered with a 4 MB message (nine levels: 52 s and 8 GB of memory).
    message = _config_problem(tmp_path, _laughs(6, "apis"))
    assert len(message.splitlines()) == 1
    assert len(message) < 300
    assert "aliases expand to more than" in message


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    message = _config_problem(tmp_path, "apis: &a [*a]\n")
    assert "refers to the collection it is in" in message


def test_deeply_nested_config_is_refused_not_a_traceback(tmp_path: Path) -> None:
    # The old loader recursed once per level: RecursionError, a traceback.
    message = _config_problem(tmp_path, "apis: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested more than" in message
    assert "line 1" in message


def test_an_oversized_config_is_refused_unread(tmp_path: Path) -> None:
    padding = "# " + "x" * 1024 + "\n"
    message = _config_problem(tmp_path, PRESET_TEXT + padding * 1100)
    assert "larger than 1 MiB" in message


def test_configs_may_still_share_values_through_aliases(tmp_path: Path) -> None:
    from connector.config import load_config

    text = (
        "apis:\n"
        "  click_to_call:\n"
        "    url: https://provider.example/call\n"
        "    response: &rules\n"
        "      - {key: status, value: ok, outcome: success}\n"
        "  did_list:\n"
        "    url: https://provider.example/numbers\n"
        "    response: *rules\n"
    )
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    assert config.api("did_list").response == config.api("click_to_call").response


def test_a_fixtures_alias_bomb_is_refused_in_one_line(tmp_path: Path) -> None:
    message = _fixtures_problem(tmp_path, _laughs(6, "user"))
    assert len(message.splitlines()) == 1
    assert "YAML aliases (*name) are not used in fixtures" in message


def test_deeply_nested_fixtures_are_refused_not_a_traceback(tmp_path: Path) -> None:
    message = _fixtures_problem(tmp_path, "user: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested more than" in message


def test_oversized_fixtures_are_refused_unread(tmp_path: Path) -> None:
    padding = "# " + "x" * 1024 + "\n"
    message = _fixtures_problem(tmp_path, "customer_number: '9812345678'\n" + padding * 1100)
    assert "larger than 1 MiB" in message


def test_config_check_prints_one_line_for_a_bomb(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mcc.cli import cli

    path = tmp_path / "bomb.yaml"
    path.write_text(_laughs(9, "apis"), encoding="utf-8")  # the real one: 1e9 values
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "aliases expand to more than" in result.output


# -- 4. tokens that can never render are config errors with their path ---------


def _click(**api: object) -> dict[str, object]:
    return {"apis": {"click_to_call": {"url": "https://provider.example/call", **api}}}


def _problems(document: dict[str, object]) -> list[str]:
    from connector.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_config(document)
    return caught.value.problems


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("${}", "malformed secret reference at position 0"),
        ("@{Lead:Phone", "token at position 0 is not closed"),
        ("{{Other_Token}}", "the only {{...}} token is {{Agent_Number}}"),
        ("@{Bogus:Field}", "names 'Bogus'; use Lead, User or Owner"),
        (
            "@CustomerNumbr",
            "unknown token @CustomerNumbr at position 0; did you mean @CustomerNumber?",
        ),
        (
            "+91 @VirtualNumbers",
            "unknown token @VirtualNumbers at position 4; did you mean @VirtualNumber?",
        ),
        ("@Agent_Number", "did you mean {{Agent_Number}}?"),
        ("@CustomerNumber[x]", "asks for number format 'x'; use one of crm, e164"),
    ],
)
def test_a_token_that_can_never_render_fails_the_config_with_its_path(
    value: str, needle: str
) -> None:
    # The old config loaded; the call failed later (or, for a misspelt @ token,
    # sent it literally to the provider).
    [problem] = _problems(_click(params={"customerNumber": value}))
    assert problem.startswith("apis.click_to_call.params.customerNumber: "), problem
    assert needle in problem


def test_every_template_problem_is_reported_with_its_own_path() -> None:
    problems = _problems(
        _click(
            method="POST",
            url="https://provider.example/call?to=@CustomrNumber",
            headers={"x-api-key": "${}"},
            params={"agent": "{{Agent_Numbr}}"},
        )
    )
    assert [p.split(": ", 1)[0] for p in problems] == [
        "apis.click_to_call.url",
        "apis.click_to_call.params.agent",
        "apis.click_to_call.headers.x-api-key",
    ]


@pytest.mark.parametrize(
    "body", ['{"to": @CustomerNumber}', '{"to": "@CustomerNumber"', '{"to": "@CustomerNumbr"}']
)
def test_a_body_template_that_cannot_render_to_json_fails_the_config(body: str) -> None:
    [problem] = _problems(_click(method="POST", body_template=body))
    assert problem.startswith("apis.click_to_call.body_template: "), problem


def test_a_call_log_url_that_cannot_render_fails_the_config() -> None:
    document = {**_click(), "call_log": {"format": "generic", "url": "https://crm.example/?t=${}"}}
    [problem] = _problems(document)
    assert problem.startswith("call_log.url: malformed secret reference"), problem


@pytest.mark.parametrize(
    "value",
    ["support@Example.com", "@home", "mail me @ noon", "@{Lead:Phone,}", "a@CustomerNumber-x"],
)
def test_text_that_only_looks_like_a_token_still_loads(value: str) -> None:
    parse_config(_click(params={"note": value}))


def test_config_check_lists_the_template_problems(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mcc.cli import cli

    path = tmp_path / "config.yaml"
    path.write_text(
        "apis:\n"
        "  click_to_call:\n"
        "    url: https://provider.example/call\n"
        "    params:\n"
        "      customerNumber: '@CustomerNumbr'\n"
        "      did: '@VirtualNumbers'\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[1:] == [
        "  apis.click_to_call.params.customerNumber: unknown token @CustomerNumbr at position 0;"
        " did you mean @CustomerNumber?",
        "  apis.click_to_call.params.did: unknown token @VirtualNumbers at position 0;"
        " did you mean @VirtualNumber?",
    ]


def test_every_preset_and_example_still_loads() -> None:
    from connector.config import load_config
    from connector.presets import load_preset, preset_names

    for name in preset_names():
        assert load_preset(name).apis
    assert load_config(ROOT / "examples" / "partner.yaml").apis


def test_config_check_shows_control_characters_of_a_config(tmp_path: Path) -> None:
    # A config may come from a partner (examples/partner.yaml): YAML's "\e"
    # is an ESC, which the problem line quoted raw.
    from click.testing import CliRunner

    from mcc.cli import cli

    path = tmp_path / "config.yaml"
    path.write_text(
        'apis:\n  did_list:\n    url: "https://p.example/n?x=@{Lead:\\e]0;pwned\\a}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 2
    assert RAW_CONTROLS.search(result.output) is None, result.output
    assert "␛]0;pwned␇" in result.output
