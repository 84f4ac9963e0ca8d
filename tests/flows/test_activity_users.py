"""A call log's agent (AgentID, UserId, the agent's number) links its activity to the CRM user.

examples/crm.yaml: user ``agent1`` (TelephonyAgentId agent1, phone 9800000001)
and ``agent3`` (TelephonyAgentId agent3, phone 9800000003).
"""

from __future__ import annotations

from typing import Any

import pytest

from calling.activities import ingest
from calling.click_to_call import place_call
from connector.calllog import CallRecord, parse_record
from crm import CrmStore, User

from .conftest import ozonetel_record

pytestmark = pytest.mark.flows


def _generic(call_id: str = "gen-1", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "SourceNumber": "+91-9800000001",  # outbound: the agent's number
        "DestinationNumber": "+91-9876543210",
        "DisplayNumber": "+91-8030000001",
        "StartTime": "2024-05-06 11:29:33",
        "EndTime": "2024-05-06 11:30:03",
        "CallDuration": 30,
        "Status": "Answered",
        "Direction": "Outbound",
        "CallSessionId": call_id,
    }
    record.update(changes)
    return record


def _knowlarity(call_id: str = "kn-1", **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "dispnumber": "+918030000001",
        "callid": call_id,
        "call_duration": "30",
        "caller_id": "+919876543210",
        "agent_number": "+919800000003",
        "start_time": "2024-05-06 05:59:33+00:00",
        "end_time": "2024-05-06 11:30:03+05:30",
        "call_type": "incoming",
    }
    record.update(changes)
    return record


def _user_of(store: CrmStore, record: CallRecord) -> str | None:
    report = ingest(store, [record])
    activity = store.get_activity(report.activity_ids[0])
    assert activity is not None
    return activity.user_id


CASES = {
    "ozonetel AgentID": (ozonetel_record("oz-1", AgentPhoneNumber=""), "agent1"),
    "ozonetel agent phone": (
        ozonetel_record("oz-2", AgentID="", AgentName="", AgentPhoneNumber="09800000003"),
        "agent3",
    ),
    "ozonetel AgentID without case": (ozonetel_record("oz-3", AgentID=" AGENT3 "), "agent3"),
    "generic UserId": (_generic("gen-1", UserId="agent3"), "agent3"),
    "generic agent number": (_generic("gen-2"), "agent1"),
    "knowlarity agent number": (_knowlarity("kn-1"), "agent3"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_call_log_is_linked_to_the_user_its_agent_is(store: CrmStore, case: str) -> None:
    record, user = CASES[case]
    assert _user_of(store, parse_record(record)) == user


@pytest.mark.parametrize(
    "record",
    [
        ozonetel_record("oz-9", AgentID="nobody", AgentName="", AgentPhoneNumber="9811111111"),
        _generic("gen-9", SourceNumber="+91-9811111111"),
        _knowlarity("kn-9", agent_number=""),
    ],
    ids=["ozonetel", "generic", "knowlarity"],
)
def test_an_agent_who_is_no_user_links_nobody(store: CrmStore, record: dict[str, Any]) -> None:
    assert _user_of(store, parse_record(record)) is None


def test_users_imported_later_take_their_earlier_call_logs(tmp_path: Any) -> None:
    with CrmStore(tmp_path / "late.sqlite3") as crm:
        by_id = ingest(crm, [parse_record(ozonetel_record("oz-1", AgentPhoneNumber=""))])
        by_phone = ingest(crm, [parse_record(_knowlarity("kn-1"))])
        crm.upsert_user(User("agent1", "Agent One", fields={"TelephonyAgentId": "agent1"}))
        crm.upsert_user(User("agent3", "Agent Three", phone="9800000003"))
        users = [crm.get_activity(i) for i in (*by_id.activity_ids, *by_phone.activity_ids)]
        assert [a.user_id if a else "?" for a in users] == ["agent1", "agent3"]


def test_the_click_to_call_user_stays_the_activitys_user(store: CrmStore, rig: Any) -> None:
    # agent1 placed the call; the call log's agent (another user) does not take it over.
    attempt = place_call(store, rig.client, rig.config, "L-1001", "agent1")
    assert attempt.call_id
    record = ozonetel_record(attempt.call_id, AgentID="agent3", Type="Manual")
    ingest(store, [parse_record(record)])
    activity = store.get_activity(attempt.activity_id)
    assert activity is not None
    assert activity.user_id == "agent1"
    assert activity.agent == "agent3"
