"""The call-log clauses against partners that get the other half of an integration wrong.

Each partner is a real server on 127.0.0.1: the simulator (compliant, with its
faithful key echo, or with retries off), or a small fake Ozonetel whose call
logs can be spoilt one way at a time (a wrong call id, a missed call logged as
answered, a recording that is not audio, late logs...). The receiver listens
on a port chosen beforehand, so a partner at a URL can be told where to push,
as a real partner is told in its portal.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from flask import Flask, Response, jsonify, request

import connector
import contracts
from contracts.clauses.context import Options
from contracts.fixtures import EMBEDDED, EMBEDDED_CAMPAIGN, ControlPlane
from simulator import create_app
from simulator.serve import start_in_thread

pytestmark = pytest.mark.conformance

IST = timedelta(hours=5, minutes=30)
KEY = "KKcallback000000000000000000000001"
ENV = {"OZONETEL_API_KEY": KEY, "OZONETEL_USERNAME": "demouser"}
CALLBACK_IDS = (
    "callback.answered",
    "callback.recording",
    "callback.missed",
    "callback.refused",
    "callback.retry",
    "callback.idempotent_id",
    "callback.secrets",
    "callback.timing",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fixtures(**changes: Any) -> contracts.Fixtures:
    """What a partner writes for the call-log clauses: short budgets keep the tests quick."""
    user = {**EMBEDDED.user, "mx_Custom_8": EMBEDDED_CAMPAIGN}
    return EMBEDDED.model_copy(
        update={"user": user, "callback_budget_s": 3.0, "callback_quiet_s": 0.3, **changes}
    )


def _verify(target: str | None, listen_port: int, **fixture_changes: Any) -> dict[str, str]:
    """Statuses of the callback clauses of one run of the ozonetel preset."""
    summary = contracts.verify(
        connector.resolve_config("ozonetel"),
        target=target,
        fixtures=_fixtures(**fixture_changes),
        options=Options(only=("callback",), callback_listen=f"127.0.0.1:{listen_port}"),
        env=ENV,
    )
    return {result.clause.id: f"{result.status}: {result.message}" for result in summary.results}


def _status(results: dict[str, str], clause_id: str) -> str:
    return results[clause_id].split(":", 1)[0]


@contextmanager
def _simulator_partner(
    port: int, *, echo_key: bool, seed_callback: bool = True, **config: Any
) -> Iterator[str]:
    """The simulator as a partner at a URL, pushing call logs to the receiver's port."""
    server = start_in_thread(create_app({"random_seed": 5, **config}))
    control = ControlPlane(server.base_url)
    try:
        account: dict[str, Any] = {"api_key": KEY, "username": "demouser"}
        if seed_callback:
            account["callback_url"] = f"http://127.0.0.1:{port}/calllog"
        control.seed({"accounts": {"demo": account}})
        control.profile("compliant", echo_api_key=echo_key)
        yield server.base_url
    finally:
        control.close()
        server.stop()


def test_the_embedded_simulator_passes_every_callback_clause() -> None:
    results = _verify(None, _free_port())
    assert {clause: _status(results, clause) for clause in CALLBACK_IDS} == dict.fromkeys(
        CALLBACK_IDS, "pass"
    ), results


def test_the_faithful_ozonetel_key_echo_fails_callback_secrets() -> None:
    # Real Ozonetel echoes Apikey in every call log; so does the simulator by default.
    port = _free_port()
    with _simulator_partner(port, echo_key=True) as url:
        results = _verify(url, port)
    assert _status(results, "callback.secrets") == "fail"
    assert "OZONETEL_API_KEY" in results["callback.secrets"]
    assert KEY not in json.dumps(results)
    others = [c for c in CALLBACK_IDS if c != "callback.secrets"]
    assert {c: _status(results, c) for c in others} == dict.fromkeys(others, "pass"), results


def test_a_partner_that_never_calls_back_fails_and_loses_nothing_silently() -> None:
    port = _free_port()
    with _simulator_partner(port, echo_key=False, seed_callback=False) as url:
        results = _verify(url, port, callback_budget_s=1.0)  # waiting for what never comes
    assert _status(results, "callback.answered") == "fail"
    assert "no call log for the answered call" in results["callback.answered"]
    assert _status(results, "callback.missed") == "fail"
    # A DND dial with no call log is right; the rest cannot be judged without logs.
    assert _status(results, "callback.refused") == "pass"
    assert _status(results, "callback.retry") == "error"
    assert _status(results, "callback.secrets") == "skip"


def test_a_partner_that_calls_back_once_without_retrying_fails_retry() -> None:
    port = _free_port()
    with _simulator_partner(port, echo_key=False, callback_max_attempts=1) as url:
        results = _verify(url, port, callback_budget_s=1.0)  # the redelivery never comes
    assert _status(results, "callback.retry") == "fail"
    assert "was not delivered again" in results["callback.retry"]
    assert _status(results, "callback.idempotent_id") == "skip"
    assert _status(results, "callback.answered") == "pass"


# -- a fake Ozonetel whose call logs can be spoilt ------------------------------


@dataclass
class FakeOzonetel:
    """AgentManualDial that queues every call and pushes its call log, spoilt as asked."""

    callback_url: str
    wrong_call_id: bool = False
    # national number -> Status; the no-answer number rings out, as a real one does
    status_for: dict[str, str] = field(default_factory=lambda: {"9000000005": "NotAnswered"})
    recording: str = "audio"  # "audio", "html" or "none"
    ended_ago_s: float = 0.0
    new_id_on_retry: bool = False
    counter: int = 0
    base_url: str = ""

    def app(self) -> Flask:
        app = Flask("fake-ozonetel")

        @app.get("/CAServices/AgentManualDial.php")
        def dial() -> Response:
            self.counter += 1
            ucid = f"9{self.counter:015d}"
            customer = connector.parse_phone(request.args["customerNumber"]).national
            if customer == "9000000001":
                return jsonify({"status": "Fail", "message": "DND"})
            threading.Thread(target=self._push, args=(ucid, customer), daemon=True).start()
            return jsonify({"status": "queued successfully", "ucid": ucid})

        @app.get("/rec/<name>")
        def rec(name: str) -> Response:
            if self.recording == "html":
                return Response("<html>login</html>", mimetype="text/html")
            return Response(b"RIFF0000WAVE", mimetype="audio/wav")

        return app

    def _record(self, ucid: str, customer: str) -> dict[str, Any]:
        end = datetime.now(UTC) - timedelta(seconds=self.ended_ago_s)
        start = end - timedelta(seconds=36)
        ist = "%Y-%m-%d %H:%M:%S"
        return {
            "monitorUCID": f"1{ucid[1:]}" if self.wrong_call_id else ucid,
            "CallerID": customer,
            "Type": "Manual",
            "Status": self.status_for.get(customer, "Answered"),
            "StartTime": (start + IST).strftime(ist),
            "EndTime": (end + IST).strftime(ist),
            "Duration": "00:00:30",
            "CallDuration": "00:00:36",
            "AgentPhoneNumber": "9800000001",
            "AudioFile": "" if self.recording == "none" else f"{self.base_url}/rec/{ucid}.wav",
        }

    def _push(self, ucid: str, customer: str) -> None:
        record = self._record(ucid, customer)
        with httpx.Client(timeout=5.0) as http:
            for _ in range(5):
                body = urlencode({"data": json.dumps(record)})
                try:
                    answer = http.post(
                        self.callback_url,
                        content=body,
                        headers={"content-type": "application/x-www-form-urlencoded"},
                    )
                except httpx.HTTPError:
                    return  # the run ended and its receiver with it
                if answer.status_code < 300:
                    return
                time.sleep(0.2)
                if self.new_id_on_retry:
                    record = {**record, "monitorUCID": record["monitorUCID"] + "7"}


@contextmanager
def _fake(port: int, **spoilt: Any) -> Iterator[str]:
    partner = FakeOzonetel(callback_url=f"http://127.0.0.1:{port}/calllog", **spoilt)
    server = start_in_thread(partner.app())
    partner.base_url = server.base_url
    try:
        yield server.base_url
    finally:
        server.stop()


def test_the_fake_partner_unspoilt_passes_so_each_spoilt_case_below_means_something() -> None:
    port = _free_port()
    with _fake(port) as url:
        results = _verify(url, port)
    assert {c: _status(results, c) for c in CALLBACK_IDS} == dict.fromkeys(CALLBACK_IDS, "pass"), (
        results
    )


@pytest.mark.parametrize(
    ("spoilt", "clause_id", "says"),
    [
        ({"wrong_call_id": True}, "callback.answered", "but the click-to-call answered"),
        ({"status_for": {"9812345678": "NotAnswered"}}, "callback.answered", "not answered"),
        ({"status_for": {}}, "callback.missed", "would not show a missed"),
        ({"recording": "html"}, "callback.recording", "not audio the CRM can play"),
        ({"recording": "none"}, "callback.recording", "carries no recording URL"),
        ({"ended_ago_s": 7200.0}, "callback.timing", "over the 60 s budget"),
        ({"new_id_on_retry": True}, "callback.idempotent_id", "would store one call twice"),
    ],
    ids=["wrong-call-id", "answered-as-missed", "missed-as-answered", "recording-html",
         "no-recording", "late", "new-id-on-retry"],
)  # fmt: skip
def test_each_spoilt_call_log_fails_its_clause(
    spoilt: dict[str, Any], clause_id: str, says: str
) -> None:
    port = _free_port()
    with _fake(port, **spoilt) as url:
        # 1 s: a spoilt log may never match, and the fake partner answers in milliseconds.
        results = _verify(url, port, callback_budget_s=1.0)
    assert _status(results, clause_id) == "fail", results[clause_id]
    assert says in results[clause_id]


def test_a_dnd_dial_logged_as_a_missed_call_fails_refused() -> None:
    port = _free_port()

    @dataclass
    class LogsDnd(FakeOzonetel):
        def app(self) -> Flask:
            app = super().app()

            @app.before_request
            def dnd_logged() -> None:
                number = request.args.get("customerNumber", "")
                if number and connector.parse_phone(number).national == "9000000001":
                    self.counter += 1
                    record = self._record(f"9{self.counter:015d}", "9000000001")
                    record["Status"] = "NotAnswered"
                    body = urlencode({"data": json.dumps(record)})
                    headers = {"content-type": "application/x-www-form-urlencoded"}
                    httpx.post(self.callback_url, content=body, headers=headers, timeout=5.0)

            return app

    partner = LogsDnd(callback_url=f"http://127.0.0.1:{port}/calllog")
    server = start_in_thread(partner.app())
    partner.base_url = server.base_url
    try:
        results = _verify(server.base_url, port)
    finally:
        server.stop()
    assert _status(results, "callback.refused") == "fail"
    assert "never happened" in results["callback.refused"]


def test_without_a_call_log_section_the_clauses_skip_saying_what_to_add() -> None:
    config = connector.resolve_config("ozonetel").model_copy(update={"call_log": None})
    summary = contracts.verify(config, options=Options(only=("callback",)), env=ENV)
    assert {r.status for r in summary.results} == {contracts.Status.SKIP}
    assert "the config has no call_log section" in summary.results[0].message


def test_recordings_off_in_the_fixtures_skips_the_recording_clause() -> None:
    results = _verify(None, _free_port(), recordings=False)
    assert _status(results, "callback.recording") == "skip"
    assert "recordings: false" in results["callback.recording"]


def test_a_taken_listen_port_is_one_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(contracts.CannotRunError, match="cannot listen for call logs"):
            _verify(None, port)
