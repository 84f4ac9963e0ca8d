"""Control plane: reset, seed, state dump, behaviours table, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from contracts.specs import load_spec
from simulator import MAGIC_NUMBERS, FakeClock, create_app, get_simulator

from .demo import KEY

pytestmark = pytest.mark.simulator


@pytest.fixture
def client() -> FlaskClient:
    return create_app({"clock": FakeClock(), "deliver_callbacks": False}).test_client()


def test_state_dump_redacts_secrets(client: FlaskClient) -> None:
    state = client.get("/_sim/state").get_json()
    account = state["accounts"]["demo"]
    assert account["api_key"] == "***"
    assert account["knowlarity_authorization"] == "***"
    assert account["username"] == "demouser"
    assert KEY not in client.get("/_sim/state").get_data(as_text=True)
    assert state["profile"] == "compliant"
    assert state["transitions"]["mode"] == "immediate"


def test_seed_merges_and_reset_restores(client: FlaskClient) -> None:
    doc = {
        "accounts": {"demo": {"callback_url": "http://127.0.0.1:9/cb"}},
        "agents": {"agent4": {"phone": "+91-9800000004", "logged_in": True, "ready": True}},
        "campaigns": {"Inbound_918030000003": {"did": "918030000003"}},
        "dids": ["918030000003"],
        "dnd": ["9811111111"],
        "blacklist": ["09822222222"],
        "rate_limits": {"demo": 10},
    }
    assert client.post("/_sim/seed", json=doc).get_json() == {"status": "ok"}
    state = client.get("/_sim/state").get_json()
    assert state["accounts"]["demo"]["callback_url"] == "http://127.0.0.1:9/cb"
    assert state["accounts"]["demo"]["rate_limit_per_minute"] == 10
    assert state["agents"]["agent4"]["phone"] == "9800000004"
    assert state["agents"]["agent1"]["logged_in"] is True  # untouched entries stay
    assert state["dids"] == ["8030000001", "8030000002", "8030000003"]
    assert (state["dnd"], state["blacklist"]) == (["9811111111"], ["9822222222"])
    client.post("/_sim/reset")
    state = client.get("/_sim/state").get_json()
    assert "agent4" not in state["agents"]
    assert state["dnd"] == []
    assert state["accounts"]["demo"]["callback_url"] is None


def test_reset_clears_calls_journal_faults_and_profile(client: FlaskClient) -> None:
    client.get("/PullAPI")
    client.post("/_sim/faults", json={"fault": "empty"})
    client.post("/_sim/profile", json={"name": "sloppy"})
    client.post(
        "/_sim/incoming", json={"customer": "9876543210", "did": "918030000001", "agent": "agent1"}
    )
    client.post("/_sim/reset")
    state = client.get("/_sim/state").get_json()
    assert (state["calls"], state["faults"], state["profile"]) == ([], [], "compliant")
    assert client.get("/_sim/journal").get_json()["count"] == 0


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"agentz": {}}, "unknown seed key(s): agentz"),
        ({"agents": {"x": {"phone": "123"}}}, "agents.x.phone '123' is not a valid number"),
        ({"agents": {"x": {"logged_in": True}}}, "agents.x: a new agent needs a phone"),
        ({"agents": {"agent1": {"mode": "psychic"}}}, "agents.agent1.mode must be one of"),
        ({"agents": {"agent1": {"ready": "yes"}}}, "agents.agent1.ready has the wrong type"),
        ({"accounts": {"new": {"username": "n"}}}, "a new account needs api_key"),
        ({"accounts": {"demo": {"colour": "red"}}}, "unknown field(s) colour"),
        ({"dnd": ["nope"]}, "dnd[0]: 'nope' is not a valid Indian phone number"),
        ({"dids": "918030000001"}, "dids must be a list"),
        ({"rate_limits": {"ghost": 1}}, "rate_limits.ghost: no such account"),
        ({"rate_limits": {"demo": True}}, "rate_limits.demo must be a whole number"),
        ({"campaigns": {"C": {"offline": True}}}, "campaigns.C: a new campaign needs a did"),
        ({"campaigns": {"C": {"did": "12"}}}, "campaigns.C.did '12' is not a valid number"),
    ],
)
def test_bad_seed_is_400_and_changes_nothing(
    client: FlaskClient, doc: dict[str, Any], fragment: str
) -> None:
    before = client.get("/_sim/state").get_json()
    response = client.post("/_sim/seed", json={"dnd": ["9811111111"], **doc})
    assert response.status_code == 400
    assert fragment in response.get_json()["message"]
    assert client.get("/_sim/state").get_json() == before


@pytest.mark.parametrize("raw", ["{oops", "[1, 2]", '"text"'])
def test_non_object_json_is_400_not_500(client: FlaskClient, raw: str) -> None:
    for path in ("/_sim/seed", "/_sim/transitions", "/_sim/incoming", "/_sim/callbacks/mode"):
        response = client.post(path, data=raw, content_type="application/json")
        assert response.status_code == 400, path
        assert response.get_json()["message"] == "the request body must be a JSON object"


def test_behaviours_table_is_served(client: FlaskClient) -> None:
    rows = client.get("/_sim/behaviours").get_json()["behaviours"]
    assert [r["number"] for r in rows[:-1]] == [b.number for b in MAGIC_NUMBERS]
    assert rows[0]["number"] == "9000000001"
    assert rows[0]["description"] == "DND"
    assert rows[-1]["outcome"] == "success"


def test_unknown_control_route_is_json_404(client: FlaskClient) -> None:
    response = client.get("/_sim/nothing")
    assert response.status_code == 404
    assert response.get_json()["message"] == "no such route: GET /_sim/nothing"


# -- what `schemathesis run --checks all` found (contracts/openapi/control.yaml) -----


def test_callback_mode_needs_a_body(client: FlaskClient) -> None:
    response = client.post("/_sim/callbacks/mode")
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("this route needs a JSON body: send {")
    assert client.post("/_sim/callbacks/mode", json={}).status_code == 200  # {} is a mode


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"agent_phone": {}}, "agent_phone must be a string"),
        ({"agent": 7}, "agent must be a string"),
        ({"customer": 9876543210}, "customer must be a string"),
        ({"agent_phone": ""}, "agent_phone must be a valid Indian phone number"),
        (
            {"agent": "agent1", "agent_phone": "x"},
            "agent_phone must be a valid Indian phone number",
        ),
    ],
)
def test_incoming_refuses_fields_of_the_wrong_kind(
    client: FlaskClient, body: dict[str, Any], message: str
) -> None:
    doc = {"customer": "9876543210", "did": "918030000001", "agent": "agent1", **body}
    response = client.post("/_sim/incoming", json=doc)
    assert response.status_code == 400
    assert response.get_json()["message"] == message


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=", "limit must be a whole number from 0 to 1000000"),
        ("limit=1&limit=x", "limit is given more than once; give it once"),
        ("path=/a&path=/b", "path is given more than once; give it once"),
    ],
)
def test_journal_refuses_an_empty_limit_and_repeated_filters(
    client: FlaskClient, query: str, message: str
) -> None:
    response = client.get(f"/_sim/journal?{query}")
    assert response.status_code == 400
    assert response.get_json()["message"] == message
    assert client.get("/_sim/journal?flagged=&path=").status_code == 200  # empty: no filter


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("rate_limits", ""),
        ("rate_limits", 0),
        ("rate_limits", []),
        ("agents", False),
        ("dnd", ""),
        ("dnd", 0),
        ("dnd", False),
        ("dnd", {}),
    ],
)
def test_a_seed_key_of_the_wrong_type_is_refused_even_when_empty(
    client: FlaskClient, key: str, value: object
) -> None:
    response = client.post("/_sim/seed", json={key: value})
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(f"{key} must be a ")


def test_a_seed_key_that_is_null_merges_nothing(client: FlaskClient) -> None:
    before = client.get("/_sim/state").get_json()
    doc = dict.fromkeys(
        ("accounts", "agents", "campaigns", "dids", "dnd", "blacklist", "rate_limits")
    )
    assert client.post("/_sim/seed", json=doc).status_code == 200
    assert client.get("/_sim/state").get_json() == before


def test_the_contract_lists_every_operation_a_fault_may_name() -> None:
    schema = load_spec("control")["components"]["schemas"]["FaultRequest"]
    named = {name for name in schema["properties"]["operation"]["enum"] if name is not None}
    assert named == get_simulator(create_app()).operations
