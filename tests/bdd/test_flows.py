"""Step definitions for features/flows: click-to-call, pop-up, DID sync, call logs.

The world is the simulator and the connector's call-log service, in-process:
provider calls through ``httpx.WSGITransport``, callbacks through the
simulator's ``callback_transport``, delivered when a step flushes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_bdd import given, parsers, scenarios, then, when

from calling import (
    CallAttempt,
    DidSyncResult,
    Popup,
    call_options,
    place_call,
    show_popup,
    sync_dids,
)
from calling.service import create_service
from connector.calllog import CallStatus
from connector.client import Client
from connector.config import ConnectorConfig, Mode, with_base_url
from connector.presets import load_preset
from crm import CrmStore, import_file
from simulator.app import create_app

scenarios(
    "flows/click_to_call.feature",
    "flows/incoming_popup.feature",
    "flows/did_sync.feature",
    "flows/call_logs.feature",
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "bdd-token-0123456789abcdef"
ENV = {
    "OZONETEL_API_KEY": "KKdemo0000000000000000000000000001",
    "OZONETEL_USERNAME": "demouser",
    "GENERIC_API_KEY": "KKdemo0000000000000000000000000001",
    "GENERIC_USERNAME": "demouser",
    # @CallbackUrl of the generic preset: the service of this world, with its token.
    "MCC_CALLLOG_URL": "http://connector.test/calllog?token=bdd-token-0123456789abcdef",
}
DIAL_PATHS = {"ozonetel": "/CAServices/AgentManualDial.php", "generic": "/click2call"}
POPUP_PATH = "/CAServices/LeadSquare/PullAPI.php"


@dataclass
class World:
    """The simulator, the connector service and what the steps learnt on the way."""

    store: CrmStore
    service: Flask
    sim: Flask
    control: FlaskClient
    client: Client
    config: ConnectorConfig
    preset: str
    attempts: list[CallAttempt] = field(default_factory=list)
    ucids: list[str] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def post(self, path: str, document: object) -> Any:
        answer = self.control.post(path, json=document)
        assert answer.status_code < 400, answer.get_data(as_text=True)
        return answer.json

    def journal(self, path: str) -> list[Any]:
        answer: Any = self.control.get(f"/_sim/journal?path={path}").json
        return list(answer["entries"])

    def callback_url(self, token: str) -> None:
        dialect = "generic" if self.preset == "generic" else "ozonetel"
        url = f"http://connector.test/calllog/{dialect}?token={token}"
        self.post("/_sim/seed", {"accounts": {"demo": {"callback_url": url}}})


@pytest.fixture
def worlds(tmp_path: Path) -> Iterator[list[World]]:
    """Worlds built by the scenario, closed afterwards."""
    built: list[World] = []
    yield built
    for world in built:
        world.client.close()
        world.store.close()


@given(
    parsers.parse('the connector is wired to the simulator with the "{preset}" preset'),
    target_fixture="world",
)
def _wired(preset: str, tmp_path: Path, worlds: list[World]) -> World:
    store = CrmStore(tmp_path / "crm.sqlite3")
    import_file(store, ROOT / "examples" / "crm.yaml")
    service = create_service(store, token=TOKEN)
    sim = create_app(
        {
            "random_seed": 11,
            "deliver_callbacks": False,
            "callback_transport": httpx.WSGITransport(app=service),
        }
    )
    world = World(
        store=store,
        service=service,
        sim=sim,
        control=sim.test_client(),
        client=Client(transport=httpx.WSGITransport(app=sim), env=ENV),
        config=with_base_url(load_preset(preset), "http://sim.test"),
        preset=preset,
    )
    world.callback_url(TOKEN)
    worlds.append(world)
    return world


@given(parsers.parse('the "{preset}" preset in mode "{mode}"'), target_fixture="config")
def _preset_in_mode(preset: str, mode: str) -> ConnectorConfig:
    return load_preset(preset).model_copy(update={"mode": Mode(mode)})


@given("the DID list is synced")
@when("the DID list is synced", target_fixture="sync_result")
def _sync(world: World) -> DidSyncResult:
    return sync_dids(world.store, world.client, world.config)


@given(parsers.parse('the provider\'s DID list API fails with "{fault}"'))
def _did_fault(world: World, fault: str) -> None:
    world.post("/_sim/faults", {"operation": f"{world.preset}.running_dids", "fault": fault})


@given(parsers.parse('customer "{customer}" calls DID {did}'))
def _incoming(world: World, customer: str, did: str) -> None:
    answer = world.post("/_sim/incoming", {"customer": customer, "did": did, "agent": "agent1"})
    world.ucids.append(str(answer["ucid"]))


@given("nobody answers that call")
def _not_answered(world: World) -> None:
    world.post(f"/_sim/calls/{world.ucids[-1]}/advance", {"to": "not_answered"})


@given(parsers.parse('the simulator\'s callbacks are "{mode}"'))
def _callback_mode(world: World, mode: str) -> None:
    world.post("/_sim/callbacks/mode", {mode: True})


@given("the service expects a different token")
def _wrong_token(world: World) -> None:
    world.callback_url("not-the-service-token")


@when(parsers.parse("agent1 calls lead {lead}"))
def _call(world: World, lead: str) -> None:
    world.attempts.append(place_call(world.store, world.client, world.config, lead, "agent1"))


@when(parsers.parse("agent1 calls lead {lead} allowing {retries:d} retries"))
def _call_with_retries(world: World, lead: str, retries: int) -> None:
    attempt = place_call(world.store, world.client, world.config, lead, "agent1", retries=retries)
    world.attempts.append(attempt)


@when("the simulator delivers its callbacks")
def _flush(world: World) -> None:
    for _ in range(2):  # a second flush delivers anything a mode held back
        world.deliveries.extend(world.post("/_sim/callbacks/flush", {})["results"])


@when(parsers.parse('agent phone {agent} rings with caller id "{caller}"'), target_fixture="popup")
def _ring(world: World, agent: str, caller: str) -> Popup:
    return show_popup(world.store, world.client, world.config, agent_phone=agent, caller=caller)


@when(parsers.parse("a provider posts '{body}' to the call-log endpoint"), target_fixture="answer")
def _post_log(world: World, body: str) -> Any:
    return world.service.test_client().post(
        "/calllog",
        data=body.encode(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


@then("the call is initiated with a provider call id")
def _initiated(world: World) -> None:
    attempt = world.attempts[-1]
    assert attempt.initiated, attempt.message
    assert attempt.call_id


@then("the call failed as DND")
def _failed_dnd(world: World) -> None:
    attempt = world.attempts[-1]
    assert attempt.status is CallStatus.FAILED
    assert attempt.dnd
    activity = world.store.get_activity(attempt.activity_id)
    assert activity is not None
    assert activity.dnd


@then(parsers.parse("the provider was asked to dial {count:d} time"))
def _dialled(world: World, count: int) -> None:
    assert len(world.journal(DIAL_PATHS[world.preset])) == count


@then(parsers.parse('the app offers "{offers}"'))
def _offers(config: ConnectorConfig, offers: str) -> None:
    assert call_options(config) == [item.strip() for item in offers.split(",")]


@then(parsers.parse("lead {lead} has {count:d} activity"))
def _lead_activities(world: World, lead: str, count: int) -> None:
    assert len(world.store.activities(lead)) == count


@then(parsers.parse('that activity is "{status}" with a recording and a duration'))
def _complete(world: World, status: str) -> None:
    activity = world.store.activities()[-1]
    assert activity.status is CallStatus(status)
    assert activity.provider_call_id == world.attempts[-1].call_id
    assert activity.recording_url
    assert activity.duration_s > 0


@then(parsers.parse('that activity is "{status}"'))
def _status(world: World, status: str) -> None:
    assert world.store.activities()[-1].status is CallStatus(status)


@then("that activity is a missed call")
def _missed(world: World) -> None:
    activity = world.store.activities()[-1]
    assert activity.missed
    assert activity.provider_call_id == world.ucids[-1]


@then(parsers.parse('there are {count:d} activities, each "{status}"'))
def _all(world: World, count: int, status: str) -> None:
    activities = world.store.activities()
    assert len(activities) == count
    assert {a.status for a in activities} == {CallStatus(status)}
    assert {a.provider_call_id for a in activities} == {a.call_id for a in world.attempts}


@then(parsers.parse("the delivery was refused with HTTP {status:d}"))
def _refused(world: World, status: int) -> None:
    codes = [a["status"] for d in world.deliveries for a in d["attempts"]]
    assert codes
    assert set(codes) == {status}


@then(parsers.parse('no pop-up is shown because "{reason}"'))
def _no_popup(popup: Popup, reason: str) -> None:
    assert not popup.shown
    assert popup.reason == reason


@then("the provider's pop-up API was not called")
def _not_asked(world: World) -> None:
    assert world.journal(POPUP_PATH) == []


@then(parsers.parse("the pop-up shows lead {lead}"))
def _shows_lead(popup: Popup, lead: str) -> None:
    assert popup.shown, popup.message
    assert popup.lead is not None
    assert popup.lead.id == lead


@then(parsers.parse('the pop-up says "{message}"'))
def _says(popup: Popup, message: str) -> None:
    assert popup.shown
    assert popup.message == message


@then(parsers.parse('Add Contact is prefilled with "{number}"'))
def _add_contact(popup: Popup, number: str) -> None:
    assert popup.add_contact is not None
    assert popup.add_contact.phone.crm == number


@then("the sync succeeded")
def _sync_ok(sync_result: DidSyncResult) -> None:
    assert sync_result.ok, sync_result.message


@then("the sync failed")
def _sync_failed(sync_result: DidSyncResult) -> None:
    assert not sync_result.ok


@then(parsers.parse('the DIDs are "{numbers}"'))
def _dids(world: World, numbers: str) -> None:
    assert world.store.did_set() == {n.strip() for n in numbers.split(",")}


@then("the failure is recorded")
def _failure_recorded(world: World, sync_result: DidSyncResult) -> None:
    status = world.store.did_sync_status()
    assert status.last_error is not None
    assert not status.healthy
    assert sync_result.message.startswith(status.last_error)


@then(parsers.parse('the service answers 400 naming "{name}"'))
def _bad_request(answer: Any, name: str) -> None:
    assert answer.status_code == 400
    assert name in json.loads(answer.get_data(as_text=True))["message"]


@then("no activity is stored")
def _nothing(world: World) -> None:
    assert world.store.activities() == []
