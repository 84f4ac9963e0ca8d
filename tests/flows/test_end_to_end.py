"""End to end: the connector and the simulator together, in-process.

Provider calls: connector ``Client`` -> simulator (``httpx.WSGITransport``).
Call logs: simulator callback outbox -> connector service (same transport).
Numbers and accounts come from the simulator's default seed.
"""

from __future__ import annotations

from typing import Any

import pytest

from calling import DidGate, place_call, show_popup, sync_dids
from connector.calllog import CallStatus, Direction

pytestmark = [pytest.mark.flows]

DIAL_PATHS = {"ozonetel": "/CAServices/AgentManualDial.php", "generic": "/click2call"}
POPUP_PATH = "/CAServices/LeadSquare/PullAPI.php"


@pytest.mark.parametrize(
    "rig",
    [
        pytest.param("ozonetel", marks=pytest.mark.ozonetel),
        pytest.param("generic", marks=pytest.mark.generic),
    ],
    indirect=True,
)
def test_click_to_call_ends_as_a_completed_call_with_recording_and_duration(rig: Any) -> None:
    attempt = place_call(rig.store, rig.client, rig.config, "L-1001", "agent1")
    assert attempt.initiated, attempt.message
    assert attempt.call_id
    before = rig.store.get_activity(attempt.activity_id)
    assert before is not None
    assert before.status is CallStatus.INITIATED
    rig.flush()
    (activity,) = rig.store.activities("L-1001")
    assert activity.id == attempt.activity_id
    assert activity.provider_call_id == attempt.call_id
    assert activity.direction is Direction.OUTBOUND
    assert activity.status is CallStatus.ANSWERED
    assert activity.duration_s > 0
    assert activity.recording_url is not None
    assert activity.recording_url.startswith(("http://", "https://"))
    assert activity.user_id == "agent1"


@pytest.mark.parametrize(
    "rig",
    [
        pytest.param("ozonetel", marks=pytest.mark.ozonetel),
        pytest.param("generic", marks=pytest.mark.generic),
    ],
    indirect=True,
)
def test_a_disposition_seeded_for_a_number_reaches_the_activity_of_a_call_to_it(rig: Any) -> None:
    rig.post(
        "/_sim/seed",
        {"dispositions": [{"number": "+91-9876543210", "disposition": "Call back later"}]},
    )
    attempt = place_call(rig.store, rig.client, rig.config, "L-1001", "agent1")
    assert attempt.initiated, attempt.message
    rig.flush()
    (activity,) = rig.store.activities("L-1001")
    assert activity.status is CallStatus.ANSWERED
    assert activity.disposition == "Call back later"


@pytest.mark.ozonetel
def test_a_disposition_chosen_for_an_incoming_call_reaches_its_activity(rig: Any) -> None:
    answer = rig.post(
        "/_sim/incoming",
        {"customer": "9812345678", "did": "918030000001", "agent": "agent1", "disposition": "Sold"},
    )
    rig.post(f"/_sim/calls/{answer['ucid']}/advance", {"to": "completed"})
    rig.flush()
    (activity,) = rig.store.activities("L-1002")
    assert activity.direction is Direction.INBOUND
    assert activity.disposition == "Sold"


@pytest.mark.ozonetel
def test_a_missed_incoming_call_shows_as_missed(rig: Any) -> None:
    ucid = rig.incoming("9812345678")
    rig.post(f"/_sim/calls/{ucid}/advance", {"to": "not_answered"})
    rig.flush()
    (activity,) = rig.store.activities("L-1002")
    assert activity.provider_call_id == ucid
    assert activity.direction is Direction.INBOUND
    assert activity.status is CallStatus.NOT_ANSWERED
    assert activity.missed


@pytest.mark.ozonetel
def test_a_dnd_number_fails_as_dnd_and_is_never_retried(rig: Any) -> None:
    attempt = place_call(rig.store, rig.client, rig.config, "L-1003", "agent1", retries=2)
    assert attempt.status is CallStatus.FAILED
    assert attempt.dnd
    assert len(rig.journal(DIAL_PATHS["ozonetel"])) == 1
    rig.flush()
    # The provider's record of the refused dial completes the attempt: one call, not two.
    (activity,) = rig.store.activities("L-1003")
    assert activity.id == attempt.activity_id
    assert activity.status is CallStatus.FAILED
    assert activity.dnd
    assert activity.provider_call_id


@pytest.mark.ozonetel
@pytest.mark.parametrize(
    "mode",
    [{"duplicate": True}, {"reorder": True}, {"duplicate": True, "reorder": True}],
    ids=["duplicate", "reorder", "both"],
)
def test_duplicated_and_reordered_callbacks_leave_one_activity_per_call(
    rig: Any, mode: dict[str, bool]
) -> None:
    rig.post("/_sim/callbacks/mode", mode)
    first = place_call(rig.store, rig.client, rig.config, "L-1001", "agent1")
    second = place_call(rig.store, rig.client, rig.config, "L-1002", "agent1")
    missed = rig.incoming("9845012345")
    rig.post(f"/_sim/calls/{missed}/advance", {"to": "not_answered"})
    rig.flush()
    rig.flush()  # a second flush delivers anything the mode held back
    by_call = {a.provider_call_id: a for a in rig.store.activities()}
    assert len(rig.store.activities()) == 3
    assert by_call[first.call_id].status is CallStatus.ANSWERED
    assert by_call[second.call_id].status is CallStatus.ANSWERED
    assert by_call[missed].status is CallStatus.NOT_ANSWERED


@pytest.mark.ozonetel
def test_the_did_gate_stops_a_private_call_before_any_provider_call(rig: Any) -> None:
    assert sync_dids(rig.store, rig.client, rig.config).ok
    rig.incoming("9876543210")
    popup = show_popup(
        rig.store, rig.client, rig.config, agent_phone="9800000001", caller="9876543210"
    )
    assert not popup.shown
    assert popup.reason == "not_a_did"
    assert rig.journal(POPUP_PATH) == []


@pytest.mark.ozonetel
@pytest.mark.parametrize("written", ["09812345678", "+919812345678", "98123 45678"])
def test_the_popup_finds_the_lead_whatever_form_the_caller_is_written_in(
    rig: Any, written: str
) -> None:
    assert sync_dids(rig.store, rig.client, rig.config).ok
    rig.incoming(written)
    popup = show_popup(
        rig.store, rig.client, rig.config, agent_phone="9800000001", caller="+91-8030000001"
    )
    assert popup.shown, popup.message
    assert popup.lead is not None
    assert popup.lead.id == "L-1002"
    assert len(rig.journal(POPUP_PATH)) == 1


@pytest.mark.ozonetel
def test_an_unknown_caller_gets_add_contact_with_the_real_number(rig: Any) -> None:
    assert sync_dids(rig.store, rig.client, rig.config).ok
    rig.incoming("9123456789")
    popup = show_popup(
        rig.store, rig.client, rig.config, agent_phone="9800000001", caller="918030000001"
    )
    assert popup.reason == "unknown_caller"
    assert popup.message == "918030000001 is not present"
    assert popup.add_contact is not None
    assert popup.add_contact.phone.crm == "+91-9123456789"


@pytest.mark.ozonetel
def test_no_ringing_call_means_no_popup_with_the_providers_message(rig: Any) -> None:
    assert sync_dids(rig.store, rig.client, rig.config).ok
    popup = show_popup(
        rig.store, rig.client, rig.config, agent_phone="9800000001", caller="918030000001"
    )
    assert not popup.shown
    assert popup.reason == "provider_error"


@pytest.mark.ozonetel
def test_a_failed_did_sync_keeps_the_last_good_list(rig: Any) -> None:
    gate = DidGate(rig.store)
    assert sync_dids(rig.store, rig.client, rig.config, gate=gate).ok
    good = rig.store.did_set()
    assert good == {"+918030000001", "+918030000002"}
    rig.post(
        "/_sim/faults", {"operation": "ozonetel.running_dids", "fault": "status", "status": 500}
    )
    result = sync_dids(rig.store, rig.client, rig.config, gate=gate)
    assert not result.ok
    assert rig.store.did_set() == good
    assert gate.dids == good
    assert rig.store.did_sync_status().last_error


@pytest.mark.ozonetel
def test_callbacks_with_a_wrong_token_get_401_and_store_nothing(rig_factory: Any) -> None:
    rig = rig_factory("ozonetel", token="not-the-token")
    attempt = place_call(rig.store, rig.client, rig.config, "L-1001", "agent1")
    (result,) = rig.flush()["results"]
    assert [a["status"] for a in result["attempts"]] == [401]
    (activity,) = rig.store.activities("L-1001")
    assert activity.id == attempt.activity_id
    assert activity.status is CallStatus.INITIATED  # the callback did not land
