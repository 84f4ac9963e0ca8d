"""Fixtures of the console tests: the console, the call-log service and the simulator, in-process.

The console reaches the simulator as it does in production, over HTTP, here
through ``httpx.WSGITransport`` (no sockets); the simulator's call logs and
ring notifications reach the console the same way (its
``callback_transport``). Call logs wait in the simulator's outbox until a
test flushes them. The browser scenarios (tests/bdd/test_console.py) run the
same parts over real sockets instead.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from calling import sync_dids
from connector import Client, ConnectorConfig, resolve_config, with_base_url
from console import ConsoleServer, ConsoleSettings, SimulatorClient, build
from console.state import state_of
from crm import CrmStore, User, import_file
from simulator import create_app, get_simulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "console-token-0123456789abcdef"
SECRET = "console-secret-0123456789abcdef-0123456789"
PASSWORD = "agent-password-1"
SIM_BASE = "http://sim.test"
CONSOLE_BASE = "http://console.test"
ENV = {"OZONETEL_API_KEY": "KKdemo0000000000000000000000000001", "OZONETEL_USERNAME": "demouser"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Desk:
    """A console with its service, store and simulator; ``login`` gives an agent's browser."""

    store: CrmStore
    sim: Flask
    server: ConsoleServer
    config: ConnectorConfig
    password: str = PASSWORD
    csrf = staticmethod(csrf_of)

    @property
    def app(self) -> Flask:
        return self.server.app

    def control(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.sim.test_client().open(path, method=method, json=body)
        assert answer.status_code < 400, answer.get_data(as_text=True)
        return answer.json

    def login(self, user: str = "agent1", password: str = PASSWORD) -> FlaskClient:
        browser = self.app.test_client()
        page = browser.get("/login").get_data(as_text=True)
        answer = browser.post(
            "/login", data={"user_id": user, "password": password, "csrf_token": csrf_of(page)}
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return browser

    def ring(
        self, caller: str = "9876543210", did: str = "918030000001", agent: str = "agent1"
    ) -> Any:
        """A customer calls through ``did``; returns the simulator's answer once notified."""
        answer = self.control(
            "POST", "/_sim/incoming", {"customer": caller, "did": did, "agent": agent}
        )
        assert get_simulator(self.sim).ringer.wait_idle(30)
        return answer

    def notifications(self) -> list[dict[str, Any]]:
        notes: list[dict[str, Any]] = self.control("GET", "/_sim/notifications")["notifications"]
        return notes


def seed_crm(path: Path) -> None:
    """examples/crm.yaml plus agent2 (phone 9800000002), agent1 and agent2 with PASSWORD."""
    with CrmStore(path) as store:
        import_file(store, ROOT / "examples" / "crm.yaml")
        store.upsert_user(User("agent2", "Agent Two", phone="9800000002"))
        for user in ("agent1", "agent2"):
            store.set_password(user, PASSWORD)


@pytest.fixture(scope="session")
def crm_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded CRM file, made once: password hashing (scrypt) is slow on purpose."""
    path = tmp_path_factory.mktemp("crm") / "template.sqlite3"
    seed_crm(path)
    return path


def make_desk(tmp_path: Path, template: Path, *, preset: str = "ozonetel") -> Iterator[Desk]:
    shutil.copyfile(template, tmp_path / "console.sqlite3")
    store = CrmStore(tmp_path / "console.sqlite3")
    holder: dict[str, Flask] = {}

    def to_console(request: httpx.Request) -> httpx.Response:
        return httpx.WSGITransport(app=holder["app"]).handle_request(request)

    sim = create_app(
        {
            "deliver_callbacks": False,
            "callback_transport": httpx.MockTransport(to_console),
            "transitions": "manual",
        }
    )
    sim_transport = httpx.WSGITransport(app=sim)
    config = with_base_url(resolve_config(preset), SIM_BASE)
    client = Client(transport=sim_transport, env=ENV)
    simulator = SimulatorClient(SIM_BASE, transport=sim_transport)
    settings = ConsoleSettings(secret_key=SECRET, token=TOKEN)
    server = build(store, config, client, settings=settings, simulator=simulator)
    holder["app"] = server.app
    phones = [p for p in (store.people.number(u.phone) for u in store.users()) if p]
    simulator.wire(CONSOLE_BASE, TOKEN, phones)
    desk = Desk(store, sim, server, config)
    desk.control("POST", "/_sim/seed", {})  # the first request sets the recording host
    try:
        yield desk
    finally:
        server.hub.close()
        get_simulator(sim).close()
        simulator.close()
        client.close()
        store.close()


@pytest.fixture
def desk(tmp_path: Path, crm_template: Path) -> Iterator[Desk]:
    """The ozonetel preset against the simulator, the CRM of examples/crm.yaml plus agent2."""
    yield from make_desk(tmp_path, crm_template)


@pytest.fixture
def synced(desk: Desk) -> Desk:
    """``desk`` with the DID list synced from the simulator."""
    state = state_of(desk.server.console)
    result = sync_dids(desk.store, state.client, desk.config, gate=state.gate)
    assert result.ok, result.message
    return desk
