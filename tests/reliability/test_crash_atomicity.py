"""A delivery of many call records is stored whole or not at all, even when the writer dies.

``calling.activities.ingest`` writes every record of one delivery in one
SQLite transaction (WAL mode). A writer process killed with SIGKILL in the
middle of that transaction, or with the whole batch written but not yet
committed, must leave no record of the batch behind; a writer that finished
leaves all of it. An exception in the middle of a batch rolls everything back
and leaves the store usable.

The batch is an Ozonetel array callback (``data=[{...}, ...]``) built from the
simulator's own call records; the writer is a child Python process that
reads it, parses it and ingests it, printing where it is so that the test can
kill it at a known point.
"""

from __future__ import annotations

import json
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest

from calling.activities import ingest
from calling.service import create_service
from connector.calllog import parse_callback
from crm import CallEvent, CrmStore, RecordResult
from simulator import create_app, get_simulator

pytestmark = [pytest.mark.flows, pytest.mark.ozonetel]

BATCH = 300
FORM = "application/x-www-form-urlencoded"
_LINE_TIMEOUT_S = 60.0

# The writer: ingest one batch; after ``pause_at`` records (0: never) it says
# so and sleeps inside the still-open transaction, waiting to be killed.
WRITER = """
import sys, time
from pathlib import Path
from calling.activities import ingest
from connector.calllog import parse_callback
from crm import CrmStore

db, body, pause_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
records = parse_callback(Path(body).read_bytes(), "application/x-www-form-urlencoded")
store = CrmStore(db)
original = store.record_call_activity
written = 0

def tracked(event):
    global written
    result = original(event)
    written += 1
    if written == pause_at:
        print("PAUSED", written, flush=True)
        time.sleep(300)
    return result

store.record_call_activity = tracked
print("BEGIN", len(records), flush=True)
ingest(store, records)
print("COMMITTED", flush=True)
"""


def _ozonetel_batch(count: int, seed: int) -> tuple[bytes, set[str]]:
    """An Ozonetel array callback of ``count`` finished calls, and their UCIDs."""
    app = create_app({"random_seed": seed, "deliver_callbacks": False, "history_size": count})
    sim = get_simulator(app)
    account = sim.directory.default_account()
    assert account is not None
    agent = sim.directory.agents["agent1"]
    for i in range(count):
        sim.place_call(
            dialect="ozonetel",
            operation="ozonetel.agent_manual_dial",
            account=account,
            customer=f"97{i:08d}",
            agent=agent,
            did="918030000001",
            campaign="Inbound_918030000001",
        )
    records = [dict(d.payload.record) for d in sim.outbox.deliveries()]
    sim.close()
    assert len(records) == count
    body = urlencode({"data": json.dumps(records)}).encode()
    return body, {str(r["monitorUCID"]) for r in records}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """The batch body on disk (the writer reads it) and the UCIDs it holds."""
    body, ucids = _ozonetel_batch(BATCH, seed=31)
    path = tmp_path_factory.mktemp("batch") / "batch.form"
    path.write_bytes(body)
    return path, ucids


class Writer:
    """The writer child process, with its output lines readable under a timeout."""

    def __init__(self, db: Path, body: Path, pause_at: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(body), str(pause_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.strip())
        self._lines.put(None)

    def expect(self, word: str) -> str:
        """The next line, which must start with ``word`` (else fail with the writer's stderr)."""
        try:
            line = self._lines.get(timeout=_LINE_TIMEOUT_S)
        except queue.Empty:
            line = None
        if line is None or not line.startswith(word):
            self.kill()
            stderr = self.proc.stderr.read() if self.proc.stderr else ""
            pytest.fail(f"writer said {line!r}, expected {word!r}; stderr:\n{stderr[-2000:]}")
        return line

    def wait(self) -> int:
        """Wait for the writer to exit on its own; its exit status."""
        return self._close(self.proc.wait(timeout=_LINE_TIMEOUT_S))

    def _close(self, code: int) -> int:
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code

    def kill(self) -> int:
        """SIGKILL, as a crash or the OOM killer would; the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self._close(self.proc.wait(timeout=30))


def _stored(db: Path) -> tuple[set[str], int, int]:
    """Reopened after the crash: the call ids stored, activities, and their events."""
    with CrmStore(db) as store:  # opening recovers the WAL, as the next service start would
        assert store.pragma("journal_mode") == "wal"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {row[0] for row in conn.execute("SELECT provider_call_id FROM activities")}
        activities = conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0]
        events = conn.execute("SELECT COUNT(*) FROM activity_events").fetchone()[0]
        orphans = conn.execute(
            "SELECT COUNT(*) FROM activity_events e"
            " WHERE NOT EXISTS (SELECT 1 FROM activities a WHERE a.id = e.activity_id)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert orphans == 0, "events of an activity that does not exist"
    return ids, activities, events


@pytest.mark.parametrize(
    ("pause_at", "where"),
    [(1, "after the first record"), (BATCH // 2, "mid-batch"), (BATCH, "all written, no commit")],
)
def test_sigkill_inside_the_transaction_leaves_none_of_the_batch(
    tmp_path: Path, batch: tuple[Path, set[str]], pause_at: int, where: str
) -> None:
    body, ucids = batch
    db = tmp_path / "crm.sqlite3"
    writer = Writer(db, body, pause_at)
    assert writer.expect("BEGIN") == f"BEGIN {len(ucids)}"
    assert writer.expect("PAUSED") == f"PAUSED {pause_at}"
    assert writer.kill() == -signal.SIGKILL

    stored, activities, events = _stored(db)
    assert (stored, activities, events) == (set(), 0, 0), f"partial batch left {where}"


def test_writer_that_commits_leaves_the_whole_batch(
    tmp_path: Path, batch: tuple[Path, set[str]]
) -> None:
    body, ucids = batch
    db = tmp_path / "crm.sqlite3"
    writer = Writer(db, body, pause_at=0)
    writer.expect("BEGIN")
    writer.expect("COMMITTED")
    assert writer.wait() == 0

    stored, activities, events = _stored(db)
    assert stored == ucids
    assert activities == events == len(ucids)


def test_store_recovers_after_a_crash_and_takes_the_batch_again(
    tmp_path: Path, batch: tuple[Path, set[str]]
) -> None:
    """The crashed writer left no lock behind: the retried delivery stores every call once."""
    body, ucids = batch
    db = tmp_path / "crm.sqlite3"
    crashed = Writer(db, body, pause_at=BATCH // 3)
    crashed.expect("BEGIN")
    crashed.expect("PAUSED")
    crashed.kill()

    retried = Writer(db, body, pause_at=0)
    retried.expect("BEGIN")
    retried.expect("COMMITTED")
    assert retried.wait() == 0

    stored, activities, events = _stored(db)
    assert stored == ucids
    assert activities == events == len(ucids)


@pytest.mark.parametrize("delay_s", [0.02, 0.15, 0.4])
def test_sigkill_at_any_moment_leaves_all_or_none(
    tmp_path: Path, batch: tuple[Path, set[str]], delay_s: float
) -> None:
    """Killed after a delay into the ingest (parse, writes or commit): never a part."""
    body, ucids = batch
    db = tmp_path / "crm.sqlite3"
    writer = Writer(db, body, pause_at=0)
    writer.expect("BEGIN")
    threading.Event().wait(delay_s)
    writer.kill()

    stored, activities, events = _stored(db)
    assert stored in (set(), ucids), f"{len(stored)} of {len(ucids)} calls stored"
    assert activities == events == len(stored)


class Boom(RuntimeError):
    """Raised by the test in the middle of a batch."""


@contextmanager
def _failing_at(store: CrmStore, at: int) -> Iterator[None]:
    """Make the ``at``-th write of ``store`` raise, as a bug or a full disk would."""
    original = store.record_call_activity
    seen = [0]

    def failing(event: CallEvent) -> RecordResult:
        seen[0] += 1
        if seen[0] == at:
            raise Boom(f"record {at} failed")
        return original(event)

    store.record_call_activity = failing  # type: ignore[method-assign]
    try:
        yield
    finally:
        store.record_call_activity = original  # type: ignore[method-assign]


def test_an_exception_mid_batch_rolls_back_everything(
    tmp_path: Path, batch: tuple[Path, set[str]]
) -> None:
    body, ucids = batch
    records = parse_callback(body.read_bytes(), FORM)
    with CrmStore(tmp_path / "crm.sqlite3") as store:
        with _failing_at(store, BATCH // 2), pytest.raises(Boom):
            ingest(store, records)
        assert store.pragma("journal_mode") == "wal"
        assert store.activities() == []

        report = ingest(store, records)  # the store is usable, and the retry stores all
        assert report.created == len(ucids)
    stored, activities, _events = _stored(tmp_path / "crm.sqlite3")
    assert stored == ucids
    assert activities == len(ucids)


def test_service_refuses_a_batch_with_one_bad_record_and_stores_none(
    tmp_path: Path, batch: tuple[Path, set[str]]
) -> None:
    body, _ucids = batch
    records = json.loads(parse_qs(body.read_text())["data"][0])
    records[len(records) // 2]["StartTime"] = "2018-13-45 99:00"
    bad = urlencode({"data": json.dumps(records)}).encode()
    with CrmStore(tmp_path / "crm.sqlite3") as store:
        client = create_service(store, None, "atomicity-test-token").test_client()
        answer = client.post(
            "/calllog/ozonetel",
            data=bad,
            headers={"content-type": FORM, "X-MCC-Token": "atomicity-test-token"},
        )
        assert answer.status_code == 400
        assert "StartTime" in answer.get_json()["message"]
        assert store.activities() == []
