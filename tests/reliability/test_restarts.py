"""Call logs survive restarts: 10,000 calls, 4 service restarts, one activity per call.

The connector's call-log service runs as a real ``mcc serve`` process on a
fixed loopback port with its SQLite file on disk. The simulator runs in this
process; its delivery worker posts the Ozonetel callbacks over real HTTP to
``/calllog/ozonetel?token=...``, while the test:

- produces 10,000 finished calls in 8 waves through the ``Simulator`` object
  (5,200 delivered one per POST, 4,800 as 96 Ozonetel array callbacks of 50
  built from the simulator's own records: 98 % of the deliveries are single),
  switching the delivery mode (``POST /_sim/callbacks/mode``) per wave:
  duplicated, delayed, reordered;
- stops the service 4 times mid-stream, alternately with SIGKILL (a crash:
  a commit may land without its 200 reaching the simulator) and SIGTERM, and
  starts it again on the same port and file.

Afterwards every call has exactly one activity with one event (none lost,
none doubled), the database is in WAL mode, and the delivery log
(``GET /_sim/callbacks``) shows that the deliveries that met a stopped service
were retried, during each stop, with backoff, and finally delivered.
Backoff is shortened (50 ms doubling to 400 ms) so the run takes seconds.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from flask.testing import FlaskClient

from calling.auth import TOKEN_ENV
from crm import CrmStore
from simulator import FakeClock, create_app, get_simulator
from simulator.callbacks import CallbackPayload, Outbox, redacted_url
from simulator.state.runtime import Simulator

pytestmark = [pytest.mark.flows, pytest.mark.ozonetel]

# A token made up for this test; the delivery log and the service log must not show it.
TOKEN = "restart-test-token-5d0c2a9e71"
# A POST costs about 5 ms of CPU on loopback here (client and service), so the
# calls are sent 98 % single but 48 % in arrays, and one wave is duplicated.
WAVES: tuple[Mapping[str, Any], ...] = (
    {"reorder": True},
    {"duplicate": True, "reorder": True, "delay_ms": 300},
    {"reorder": True, "delay_ms": 800},
    {"delay_ms": 200},
    {"reorder": True, "delay_ms": 500},
    {"reorder": True},
    {"reorder": True, "delay_ms": 1000},
    {},
)
SINGLES = 650  # per wave, one call per delivery
BATCHES = 12  # per wave, array callbacks of BATCH_SIZE calls
BATCH_SIZE = 50
TOTAL = len(WAVES) * (SINGLES + BATCHES * BATCH_SIZE)
# (how, after this many deliveries are done); alternately a crash and a clean stop.
RESTARTS = (("kill", 900), ("term", 2_000), ("kill", 3_100), ("term", 4_200))
BACKLOG = 700  # the next wave is produced when fewer deliveries than this are pending
BACKOFF_BASE_S = 0.1
DOWNTIME_S = 0.3  # the service stays down at least this long (plus its start-up)
# No wall-clock deadline for the whole soak (a busy machine may take many times
# longer): it fails only when nothing is delivered for this long.
STALL_S = 120.0
FORM = "application/x-www-form-urlencoded"


def _free_port() -> int:
    """A free loopback port below the ephemeral range, so no client socket takes it meanwhile."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-32000")


def _mcc() -> list[str]:
    script = Path(sys.executable).with_name("mcc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from mcc.cli import main; main()"]


@dataclass
class Service:
    """``mcc serve`` as a child process; its output goes to a log file (never a full pipe)."""

    db: Path
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    downtimes: list[tuple[datetime, datetime]] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The call-log URL the simulator posts to (token in the query, as Ozonetel needs)."""
        return f"http://127.0.0.1:{self.port}/calllog/ozonetel?token={TOKEN}"

    def start(self) -> None:
        """Start and wait until ``/healthz`` answers."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MCC_")}
        env[TOKEN_ENV] = TOKEN
        command = [*_mcc(), "serve", "--port", str(self.port), "--db", str(self.db)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"mcc serve exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        pytest.fail(f"mcc serve did not answer /healthz within 60 s:\n{self.tail()}")

    def stop(self, how: str) -> None:
        """SIGKILL (a crash) or SIGTERM (a clean stop), and wait for the process to end."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGTERM)
        self.proc.wait(timeout=30)

    def restart(self, how: str) -> None:
        """Stop, stay down a moment (deliveries meet a closed port), start again."""
        down = datetime.now(UTC)
        self.stop(how)
        time.sleep(DOWNTIME_S)
        self.start()
        self.downtimes.append((down, datetime.now(UTC)))

    def tail(self) -> str:
        """The end of the service's log."""
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    """The connector's call-log service, started; stopped at the end whatever happens."""
    running = Service(db=tmp_path / "crm.sqlite3", port=_free_port(), log=tmp_path / "mcc.log")
    running.start()
    yield running
    if running.proc is not None and running.proc.poll() is None:
        running.stop("term")


@dataclass
class Run:
    """What the producer made: UCIDs per wave, and the delivery ids of the array callbacks."""

    waves: list[set[str]] = field(default_factory=list)
    batch_deliveries: set[str] = field(default_factory=set)
    placed: list[str] = field(default_factory=list)  # UCIDs in the order the calls ended

    @property
    def ucids(self) -> set[str]:
        return set().union(*self.waves)


def _place(sim: Simulator, count: int, start: int) -> list[str]:
    """``count`` finished outbound Ozonetel calls; the simulator queues their callbacks."""
    account = sim.directory.default_account()
    assert account is not None
    agent = sim.directory.agents["agent1"]
    calls = [
        sim.place_call(
            dialect="ozonetel",
            operation="ozonetel.agent_manual_dial",
            account=account,
            customer=f"98{start + i:08d}",
            agent=agent,
            did="918030000001",
            campaign="Inbound_918030000001",
        )
        for i in range(count)
    ]
    return [call.ucid for call in calls]


def _place_batches(
    sim: Simulator, client: FlaskClient, url: str, batches: int, start: int
) -> list[str]:
    """Array callbacks (``data=[...]``) of the simulator's records; returns their delivery ids.

    The calls are placed while the account has no callback URL (their single
    callbacks stay in the log as ``no_url``), then their records go out grouped.
    """
    client.post("/_sim/seed", json={"accounts": {"demo": {"callback_url": None}}})
    seen = {d.id for d in sim.outbox.deliveries()}
    _place(sim, batches * BATCH_SIZE, start=start)
    records = [d for d in sim.outbox.deliveries() if d.id not in seen]
    client.post("/_sim/seed", json={"accounts": {"demo": {"callback_url": url}}})
    ids = []
    for i in range(0, len(records), BATCH_SIZE):
        group = [dict(d.payload.record) for d in records[i : i + BATCH_SIZE]]
        body = urlencode({"data": json.dumps(group)}).encode()
        payload = CallbackPayload("ozonetel", FORM, body, {"records": len(group)})
        ids.append(sim.outbox.enqueue(records[i].ucid, url, payload).id)
    return ids


def _states(sim: Simulator) -> dict[str, int]:
    counts: dict[str, int] = {}
    for delivery in sim.outbox.deliveries():
        counts[delivery.state] = counts.get(delivery.state, 0) + 1
    return counts


def _drive(sim: Simulator, client: FlaskClient, service: Service) -> Run:
    """Produce the waves and restart the service as deliveries progress, until all are done."""
    run = Run()
    restarts = list(RESTARTS)
    progress = (-1, time.monotonic())  # (deliveries done, when that count was reached)
    while True:
        states = _states(sim)
        done = states.get("delivered", 0) + states.get("failed", 0)
        if done != progress[0]:
            progress = (done, time.monotonic())
        pending = states.get("pending", 0)
        if len(run.waves) < len(WAVES) and pending < BACKLOG:
            wave = len(run.waves)
            assert client.post("/_sim/callbacks/mode", json=dict(WAVES[wave])).status_code == 200
            ucids = _place(sim, SINGLES, start=wave * 10_000)
            first = {d.id for d in sim.outbox.deliveries()}
            run.batch_deliveries.update(
                _place_batches(sim, client, service.url, BATCHES, start=wave * 10_000 + SINGLES)
            )
            ucids += [
                d.ucid
                for d in sim.outbox.deliveries()
                if d.id not in first and d.id not in run.batch_deliveries
            ]
            run.waves.append(set(ucids))
            run.placed += ucids
        elif restarts and states.get("delivered", 0) >= restarts[0][1]:
            service.restart(restarts.pop(0)[0])
        elif len(run.waves) == len(WAVES) and not restarts and pending == 0:
            return run
        else:
            time.sleep(0.1)
        if time.monotonic() - progress[1] > STALL_S:
            pytest.fail(
                f"no delivery progressed in {STALL_S:.0f} s: {states}; service log:\n"
                f"{service.tail()}"
            )


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.slow
def test_call_logs_survive_service_restarts(service: Service) -> None:
    app = create_app(
        {
            "random_seed": 20_260_101,
            "history_size": 50_000,
            "callback_max_attempts": 200,
            # Short backoff: the stops last about a second, not minutes.
            "callback_backoff_base_s": BACKOFF_BASE_S,
            "callback_backoff_cap_s": 0.5,
        }
    )
    sim = get_simulator(app)
    client = app.test_client()
    seeded = client.post("/_sim/seed", json={"accounts": {"demo": {"callback_url": service.url}}})
    assert seeded.status_code == 200
    try:
        run = _drive(sim, client, service)
    finally:
        sim.close()
    service.stop("term")

    # --- the CRM: exactly one activity, with one event, per call ----------------
    assert len(run.ucids) == TOTAL
    with CrmStore(service.db) as store:
        assert store.pragma("journal_mode") == "wal"
    conn = sqlite3.connect(service.db)
    try:
        rows = conn.execute("SELECT provider_call_id, status FROM activities").fetchall()
        events = dict(
            conn.execute("SELECT activity_id, COUNT(*) FROM activity_events GROUP BY activity_id")
        )
        order = [r[0] for r in conn.execute("SELECT provider_call_id FROM activities ORDER BY id")]
    finally:
        conn.close()
    stored = [row[0] for row in rows]
    assert len(stored) == len(set(stored)), "a call has more than one activity"
    assert set(stored) == run.ucids, f"{len(run.ucids - set(stored))} call(s) lost"
    assert {row[1] for row in rows} == {"answered"}
    assert len(events) == TOTAL
    assert set(events.values()) == {1}, "a duplicate delivery added an event"

    # --- the delivery log: retries during each stop, duplicates, delays, order ----
    log = client.get("/_sim/callbacks")
    assert log.status_code == 200
    assert TOKEN not in log.text
    assert TOKEN not in service.tail()
    deliveries = [d for d in log.get_json()["deliveries"] if d["state"] != "no_url"]
    assert {d["state"] for d in deliveries} == {"delivered"}
    assert len(deliveries) == TOTAL - len(run.batch_deliveries) * (BATCH_SIZE - 1)
    assert {d["url"] for d in deliveries} == {redacted_url(service.url)}

    # (A duplicate send may meet the stop after the first succeeded: not a retry.)
    retried = [d for d in deliveries if d["attempts"][0]["status"] is None]
    assert retried, "no delivery met a stopped service"
    for delivery in retried:
        attempts = delivery["attempts"]
        assert len(attempts) > 1
        assert any(a["status"] == 200 for a in attempts[1:])
        failed = [_when(a["at"]) for a in attempts if not a["status"]]
        waits = [b - a for a, b in itertools.pairwise(failed)]
        assert all(w.total_seconds() >= BACKOFF_BASE_S for w in waits), "retried at once"
    failures = [_when(a["at"]) for d in retried for a in d["attempts"] if a["status"] is None]
    for down, up in service.downtimes:
        assert any(down <= at <= up for at in failures), f"no failed attempt while down {down}"
    assert len(service.downtimes) == len(RESTARTS)

    duplicated = [d for d in deliveries if sum(a["status"] == 200 for a in d["attempts"]) == 2]
    assert duplicated, "duplicate mode sent nothing twice"
    delay_of = {u: WAVES[i].get("delay_ms", 0) / 1000 for i, w in enumerate(run.waves) for u in w}
    held = 0
    for delivery in deliveries:
        first = _when(delivery["attempts"][0]["at"]) - _when(delivery["created_at"])
        assert first.total_seconds() >= delay_of[delivery["ucid"]], "sent before its delay"
        held += delay_of[delivery["ucid"]] > 0
    assert held > 0
    position = {ucid: i for i, ucid in enumerate(run.placed)}
    inversions = sum(position[a] > position[b] for a, b in itertools.pairwise(order))
    assert inversions > 0, "the service stored the calls in the order they were placed"


# --- the outbox fixes this test needed (simulator/callbacks.py) ---------------


def _refusing_outbox(clock: FakeClock, seconds_per_send: float) -> Outbox:
    """An outbox whose receiver refuses every connection, each try taking some clock time."""

    def refuse(request: httpx.Request) -> httpx.Response:
        clock.advance(seconds_per_send)
        raise httpx.ConnectError("connection refused", request=request)

    return Outbox(
        clock=clock,
        transport=httpx.MockTransport(refuse),
        deliver=False,
        backoff_base_s=0.1,
        backoff_cap_s=0.3,
    )


def test_each_attempt_is_stamped_and_backed_off_from_its_own_time() -> None:
    """A long flush must not stamp every attempt (and its backoff) with the flush's start."""
    clock = FakeClock()
    outbox = _refusing_outbox(clock, seconds_per_send=2.0)
    payload = CallbackPayload("ozonetel", FORM, b"data=%7B%7D", {})
    first = outbox.enqueue("u1", "http://127.0.0.1:9/cb", payload)
    second = outbox.enqueue("u2", "http://127.0.0.1:9/cb", payload)
    start = clock()

    outbox.flush()

    assert first.attempts[0].at == start
    assert second.attempts[0].at == start + timedelta(seconds=2)
    assert second.due_at == second.attempts[0].at + timedelta(seconds=0.1)


def test_backoff_base_and_cap_are_the_outboxs_own() -> None:
    clock = FakeClock()
    outbox = _refusing_outbox(clock, seconds_per_send=0.0)
    delivery = outbox.enqueue("u1", "http://127.0.0.1:9/cb", CallbackPayload("x", FORM, b"", {}))
    waits = []
    for _ in range(4):
        outbox.flush()
        waits.append((delivery.due_at - clock()).total_seconds())
        clock.set(delivery.due_at)
    assert waits == [0.1, 0.2, 0.3, 0.3]


def test_delivery_log_hides_a_token_in_the_callback_url() -> None:
    url = f"http://127.0.0.1:9/calllog/ozonetel?source=sim&token={TOKEN}"
    assert redacted_url(url) == "http://127.0.0.1:9/calllog/ozonetel?source=sim&token=***"
    outbox = Outbox(clock=FakeClock(), deliver=False)
    shown = outbox.enqueue("u1", url, CallbackPayload("x", FORM, b"", {})).to_dict()
    assert TOKEN not in json.dumps(shown)
    assert redacted_url("http://127.0.0.1:9/cb") == "http://127.0.0.1:9/cb"
