"""What the calling flows give the agent console: Add Contact as a lead, and stored call logs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from calling import FlowError, IngestReport, add_contact, create_service
from connector import parse_phone
from crm import CrmStore

pytestmark = pytest.mark.flows


def test_add_contact_creates_the_lead_and_links_its_earlier_calls(
    store: CrmStore, cdr: Any
) -> None:
    app = create_service(store, allow_no_auth=True)
    record = cdr("5550001", CallerID="919123456780", Status="NotAnswered")
    answer = app.test_client().post("/calllog", data={"data": json.dumps(record)})
    assert answer.status_code == 200
    (unknown,) = [a for a in store.activities() if a.lead_id is None]
    lead = add_contact(
        store, parse_phone("09123456780"), first_name=" Meera ", last_name="Iyer", owner_id="agent1"
    )
    assert (lead.first_name, lead.phone, lead.owner_id) == ("Meera", "+91-9123456780", "agent1")
    assert lead.id.startswith("L-")
    assert store.get_activity(unknown.id).lead_id == lead.id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"first_name": "  ", "last_name": ""}, "needs a first or a last name"),
        ({"first_name": "x" * 101}, "longer than 100"),
        ({"first_name": "Dup", "lead_id": "L-1001"}, "exists already"),
    ],
)
def test_add_contact_refuses_what_it_cannot_save(
    store: CrmStore, kwargs: dict[str, Any], says: str
) -> None:
    with pytest.raises(FlowError, match=says):
        add_contact(store, parse_phone("9123456780"), **kwargs)


def test_add_contact_of_a_number_that_is_a_lead_already_names_it(store: CrmStore) -> None:
    with pytest.raises(FlowError, match="already the number of lead L-1001"):
        add_contact(store, parse_phone("+91 98765 43210"), first_name="Again")


def _service(store: CrmStore, listener: Any) -> Flask:
    return create_service(store, allow_no_auth=True, on_ingest=listener)


def test_on_ingest_hears_each_stored_delivery_after_its_commit(store: CrmStore, cdr: Any) -> None:
    heard: list[IngestReport] = []

    def listener(report: IngestReport) -> None:
        heard.append(report)
        assert store.get_activity(report.activity_ids[0]) is not None  # committed already

    app = _service(store, listener)
    app.test_client().post("/calllog", data={"data": json.dumps(cdr("5550002"))})
    assert [r.created for r in heard] == [1]
    bad = app.test_client().post("/calllog", data={"data": "{"})
    assert bad.status_code == 400
    assert len(heard) == 1  # nothing stored, nothing heard


def test_a_failing_listener_never_fails_the_delivery(store: CrmStore, cdr: Any) -> None:
    def broken(report: IngestReport) -> None:
        raise RuntimeError("the screen went away")

    answer = (
        _service(store, broken)
        .test_client()
        .post("/calllog", data={"data": json.dumps(cdr("5550003"))})
    )
    assert answer.status_code == 200
    assert store.get_activity_by_call_id("5550003") is not None
