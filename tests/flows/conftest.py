"""Fixtures of the flow tests: a CRM loaded from examples/crm.yaml, presets, fake providers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.client import Client
from connector.config import ConnectorConfig, with_base_url
from connector.presets import load_preset
from crm import CrmStore, import_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CRM = ROOT / "examples" / "crm.yaml"
FAKE_BASE = "http://provider.test"
# The simulator's default seed (docs/interfaces.md); fakes, not real keys.
API_KEY = "KKdemo0000000000000000000000000001"
PROVIDER_ENV = {
    "OZONETEL_API_KEY": API_KEY,
    "OZONETEL_USERNAME": "demouser",
    "GENERIC_API_KEY": API_KEY,
    "GENERIC_USERNAME": "demouser",
    # The CRM's call-log URL the generic preset sends with each call (@CallbackUrl);
    # the rig's simulator delivers every call log to its in-process service.
    "MCC_CALLLOG_URL": "http://connector.test/calllog/generic?token=rig-token-0123456789abcdef",
}

Handler = Callable[[httpx.Request], httpx.Response]


class FakeProvider:
    """An httpx mock transport that answers with ``handler`` and keeps every request."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []
        self.handler = handler

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self) -> Client:
        return Client(transport=httpx.MockTransport(self._handle), env=PROVIDER_ENV)

    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]


def json_answer(document: object, status: int = 200) -> Handler:
    """A handler that always answers ``document`` as JSON."""
    body = json.dumps(document).encode()

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    return handle


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CrmStore]:
    """A CRM store holding the users and leads of examples/crm.yaml."""
    crm = CrmStore(tmp_path / "crm.sqlite3")
    import_file(crm, EXAMPLE_CRM)
    yield crm
    crm.close()


@pytest.fixture
def ozonetel() -> ConnectorConfig:
    """The ozonetel preset pointed at the fake provider host."""
    return with_base_url(load_preset("ozonetel"), FAKE_BASE)


@pytest.fixture
def generic() -> ConnectorConfig:
    """The generic preset pointed at the fake provider host."""
    return with_base_url(load_preset("generic"), FAKE_BASE)


@pytest.fixture
def fake_provider() -> Callable[[Handler], FakeProvider]:
    """Build a fake provider from a handler."""
    return FakeProvider


def ozonetel_record(ucid: str = "9049754955340984", **changes: Any) -> dict[str, Any]:
    """An Ozonetel CDR callback record (shape of providers.md 2.7), answered inbound."""
    record: dict[str, Any] = {
        "monitorUCID": ucid,
        "UUI": "",
        "Did": "918030000001",
        "CampaignName": "Inbound_918030000001",
        "CallerID": "919876543210",
        "PhoneName": "agent1",
        "StartTime": "2024-05-06 16:59:33",
        "EndTime": "2024-05-06 17:00:03",
        "TimeToAnswer": "00:00:07",
        "CallDuration": "00:00:30",
        "Duration": "00:00:23",
        "Type": "inbound",
        "AgentID": "agent1",
        "AgentPhoneNumber": "9800000001",
        "AgentName": "Agent One",
        "Disposition": "",
        "HangupBy": "UserHangup",
        "Status": "Answered",
        "AudioFile": f"http://recordings.example.test/demouser_{ucid}.mp3",
        "DialStatus": "answered",
        "Apikey": API_KEY,
        "AgentStatus": "answered",
        "CustomerStatus": "answered",
        "UserName": "demouser",
    }
    record.update(changes)
    return record


@pytest.fixture
def cdr() -> Callable[..., dict[str, Any]]:
    """Factory of Ozonetel CDR records: ``cdr(ucid, Status="NotAnswered")``."""
    return ozonetel_record


# -- the end-to-end rig: simulator and connector service, both in-process ------

SERVICE_TOKEN = "rig-token-0123456789abcdef"  # also in PROVIDER_ENV's MCC_CALLLOG_URL


class Rig:
    """The simulator (a provider) and the connector's call-log service, wired in-process.

    Provider calls go from the connector ``Client`` to the simulator through
    ``httpx.WSGITransport``; the simulator's callbacks go to the service the
    same way (its ``callback_transport``). Callbacks wait in the simulator's
    outbox until :meth:`flush`, so every test decides when they land.
    """

    def __init__(self, store: CrmStore, preset: str, token: str = SERVICE_TOKEN) -> None:
        from calling.service import create_service
        from simulator.app import create_app

        self.store = store
        self.service = create_service(store, token=SERVICE_TOKEN)
        self.sim = create_app(
            {
                "random_seed": 7,
                "deliver_callbacks": False,
                "callback_transport": httpx.WSGITransport(app=self.service),
            }
        )
        self.control = self.sim.test_client()
        dialect = "generic" if preset == "generic" else "ozonetel"
        url = f"http://connector.test/calllog/{dialect}?token={token}"
        self.post("/_sim/seed", {"accounts": {"demo": {"callback_url": url}}})
        self.config = with_base_url(load_preset(preset), "http://sim.test")
        self.client = Client(transport=httpx.WSGITransport(app=self.sim), env=PROVIDER_ENV)

    def post(self, path: str, document: object = None) -> Any:
        answer = self.control.post(path, json=document if document is not None else {})
        assert answer.status_code < 400, answer.get_data(as_text=True)
        return answer.json

    def get(self, path: str) -> Any:
        answer = self.control.get(path)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.json

    def flush(self) -> Any:
        """Deliver every due callback to the connector service now."""
        return self.post("/_sim/callbacks/flush")

    def journal(self, path: str) -> list[dict[str, Any]]:
        entries = self.get(f"/_sim/journal?path={path}")
        return list(entries["entries"] if isinstance(entries, dict) else entries)

    def incoming(self, customer: str, did: str = "918030000001") -> str:
        """A customer calls the DID; the call rings on agent1's phone."""
        answer = self.post("/_sim/incoming", {"customer": customer, "did": did, "agent": "agent1"})
        return str(answer["ucid"])

    def close(self) -> None:
        self.client.close()


@pytest.fixture(params=["ozonetel"])
def rig(request: pytest.FixtureRequest, store: CrmStore) -> Iterator[Rig]:
    """The in-process rig on the ozonetel preset (parametrize ``rig`` indirectly for others)."""
    built = Rig(store, request.param)
    yield built
    built.close()


@pytest.fixture
def rig_factory(store: CrmStore) -> Iterator[Callable[..., Rig]]:
    """Build rigs: ``rig_factory("generic", token="wrong")``, on ``store`` unless ``crm``."""
    built: list[Rig] = []

    def make(
        preset: str = "ozonetel", token: str = SERVICE_TOKEN, crm: CrmStore | None = None
    ) -> Rig:
        built.append(Rig(crm or store, preset, token))
        return built[-1]

    yield make
    for item in built:
        item.close()
