"""What the agent notes on a call (Disposition), chosen by a test.

From the most specific to the least: ``/_sim/calls/<ucid>/advance``, the
``/_sim/incoming`` body, the seed's ``dispositions`` per customer number,
the magic number ``9000000008``; otherwise empty.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from simulator import create_app
from simulator.seed import SeedError, prepare_seed

from .demo import AMD_JSON

pytestmark = pytest.mark.simulator

AMD = dict(AMD_JSON)  # a copy: a test may change it
RINGING = {"customer": "9876543210", "did": "918030000001", "agent": "agent1"}


def _app(seed: dict[str, Any] | None = None) -> Flask:
    app = create_app({"deliver_callbacks": False})
    if seed is not None:
        answer = app.test_client().post("/_sim/seed", json=seed)
        assert answer.status_code == 200, answer.get_json()
    return app


def _records(app: Flask) -> list[dict[str, Any]]:
    deliveries = app.test_client().get("/_sim/callbacks").get_json()["deliveries"]
    return [delivery["record"] for delivery in deliveries]


def _dial(app: Flask, number: str) -> str:
    answer = app.test_client().get(
        "/CAServices/AgentManualDial.php", query_string={**AMD, "customerNumber": number}
    )
    return str(answer.get_json()["ucid"])


def _incoming(app: Flask, **body: Any) -> str:
    answer = app.test_client().post("/_sim/incoming", json={**RINGING, **body})
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["ucid"])


def _end(app: Flask, ucid: str, **body: Any) -> None:
    answer = app.test_client().post(f"/_sim/calls/{ucid}/advance", json={"to": "completed", **body})
    assert answer.status_code == 200, answer.get_json()


@pytest.mark.parametrize("dialect", ["ozonetel", "generic"])
def test_an_incoming_call_carries_the_disposition_its_body_chose(dialect: str) -> None:
    app = _app()
    ucid = _incoming(app, disposition="Sale closed", dialect=dialect)
    assert app.test_client().get(f"/_sim/calls/{ucid}").get_json()["disposition"] == "Sale closed"
    _end(app, ucid)
    (record,) = _records(app)
    assert record["Disposition"] == "Sale closed"


def test_without_a_choice_the_disposition_is_empty() -> None:
    app = _app()
    _end(app, _incoming(app))
    _dial(app, "9876543211")
    assert [record["Disposition"] for record in _records(app)] == ["", ""]


def test_the_seed_chooses_a_disposition_per_customer_number_dialled_or_calling_in() -> None:
    seed = {
        "dispositions": [
            {"number": "+91-9876543210", "disposition": "Call back later"},
            {"number": "09812345678", "disposition": "Not interested"},
        ]
    }
    app = _app(seed)
    _dial(app, "9876543210")  # immediate mode: the call ends at once
    _dial(app, "9812345678")
    _dial(app, "9876543211")  # not in the seed
    _end(app, _incoming(app))
    assert [record["Disposition"] for record in _records(app)] == [
        "Call back later",
        "Not interested",
        "",
        "Call back later",
    ]
    dumped = app.test_client().get("/_sim/state").get_json()["dispositions"]
    assert dumped == [
        {"number": "9812345678", "disposition": "Not interested"},
        {"number": "9876543210", "disposition": "Call back later"},
    ]


def test_the_magic_number_answers_with_the_disposition_interested() -> None:
    app = _app()
    behaviours = app.test_client().get("/_sim/behaviours").get_json()["behaviours"]
    (row,) = [row for row in behaviours if row["number"] == "9000000008"]
    assert row["disposition"] == "Interested"
    ucid = _dial(app, "9000000008")
    call = app.test_client().get(f"/_sim/calls/{ucid}").get_json()
    assert (call["state"], call["reason"]) == ("completed", "")  # an ordinary answered call
    (record,) = _records(app)
    assert record["Disposition"] == "Interested"
    assert record["Status"] == "Answered"


def test_the_more_specific_choice_wins() -> None:
    # advance > the incoming body > the seed > the magic number.
    seed = {"dispositions": [{"number": "9000000008", "disposition": "Seeded"}]}
    app = _app(seed)
    _dial(app, "9000000008")
    body = _incoming(app, customer="9000000008", disposition="Told")
    _end(app, body)
    moved = _incoming(app, customer="9000000008", disposition="Told")
    _end(app, moved, disposition="Noted at the end")
    assert [record["Disposition"] for record in _records(app)] == [
        "Seeded",
        "Told",
        "Noted at the end",
    ]


def test_a_later_seed_entry_for_a_number_wins_and_reset_goes_back_to_the_seed() -> None:
    app = _app({"dispositions": [{"number": "9876543210", "disposition": "First"}]})
    client = app.test_client()
    client.post(
        "/_sim/seed", json={"dispositions": [{"number": "9876543210", "disposition": "Then"}]}
    )
    _dial(app, "9876543210")
    assert _records(app)[-1]["Disposition"] == "Then"
    client.post("/_sim/reset")
    assert client.get("/_sim/state").get_json()["dispositions"] == []


@pytest.mark.parametrize(
    "disposition",
    ["x" * 201, "line\nbreak", 7, ["a"], {"a": 1}],
    ids=["too-long", "control", "number", "list", "object"],
)
def test_a_bad_disposition_on_an_incoming_call_is_400_and_rings_nothing(disposition: Any) -> None:
    app = _app()
    answer = app.test_client().post("/_sim/incoming", json={**RINGING, "disposition": disposition})
    assert answer.status_code == 400
    assert (
        "disposition must be printable text of at most 200 characters"
        in (answer.get_json()["message"])
    )
    assert app.test_client().get("/_sim/calls").get_json()["calls"] == []


@pytest.mark.parametrize(
    ("dispositions", "message"),
    [
        ({"9876543210": "x"}, "dispositions must be a list of {number, disposition}"),
        ([{"number": "9876543210"}], "dispositions[0] must be {number: ..., disposition: ...}"),
        (
            [{"number": "9876543210", "disposition": "x", "extra": 1}],
            "dispositions[0] must be {number: ..., disposition: ...}",
        ),
        ([{"number": "12", "disposition": "x"}], "dispositions[0].number: '12' is not a valid"),
        ([{"number": True, "disposition": "x"}], "dispositions[0].number: '' is not a valid"),
        (
            [{"number": "9876543210", "disposition": "a\tb"}],
            "dispositions[0].disposition must be printable text",
        ),
        (
            [{"number": "9876543210", "disposition": None}],
            "dispositions[0].disposition must be printable text",
        ),
    ],
)
def test_a_bad_seed_disposition_names_the_entry(dispositions: Any, message: str) -> None:
    with pytest.raises(SeedError) as caught:
        prepare_seed({"dispositions": dispositions})
    assert str(caught.value).startswith(message)
    app = _app()
    answer = app.test_client().post("/_sim/seed", json={"dispositions": dispositions})
    assert answer.status_code == 400
    assert answer.get_json()["message"].startswith(message)
