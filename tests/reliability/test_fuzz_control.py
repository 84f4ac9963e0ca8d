"""Fuzz the simulator's control plane (contracts/openapi/control.yaml).

Two layers:

- schemathesis, with every phase on (examples, coverage: boundary and
  missing values, unexpected methods; fuzzing in positive and negative mode):
  no 5xx, a documented status code, JSON as documented, bodies matching the
  documented schemas. tests/simulator/test_contract.py runs the positive
  fuzzing phase; this adds the coverage phase and negative data.
- hypothesis, with bodies no schema describes (not JSON, JSON that is not an
  object, deep nesting, huge numbers, odd content types) posted to every POST
  route: never a 5xx, always a JSON error naming what to send.

The app is built once per module and reset before every example; callbacks
are never delivered (a generated callback URL must not be called) and
simulated sleeps return at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import yaml
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from simulator import create_app, get_simulator

pytestmark = pytest.mark.simulator

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "contracts" / "openapi" / "control.yaml"
MAX_EXAMPLES = 20
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
Test = Callable[..., None]


def _no_delivery(request: httpx.Request) -> httpx.Response:
    # Reaching here is a bug in the test set-up: fail loudly, never go out.
    raise AssertionError(f"callback delivery attempted to {request.url.host}")


def _new_app() -> Flask:
    return create_app(
        {
            "random_seed": 5,
            "deliver_callbacks": False,
            "callback_transport": httpx.MockTransport(_no_delivery),
            "sleep": lambda _s: None,
        }
    )


_APP = _new_app()


def _fresh() -> Flask:
    get_simulator(_APP).reset()
    # A ringing call, so that /_sim/calls/<ucid> and advance reach their 200 paths too.
    _APP.test_client().post(
        "/_sim/incoming", json={"customer": "9876543211", "did": "918030000001", "agent": "agent1"}
    )
    return _APP


def _load() -> Any:
    # Valid first: schemathesis meets an invalid part only when a phase reaches it.
    validate(yaml.safe_load(SPEC.read_text(encoding="utf-8")))
    schema = schemathesis.openapi.from_path(SPEC)
    schema.config.generation.update(max_examples=MAX_EXAMPLES)
    schema.config.checks.update(included_check_names=CHECKS)
    schema.config.phases.coverage.enabled = True
    return schema


def parametrized(loaded: Any) -> Callable[[Test], Test]:
    """``loaded.parametrize()`` with a type mypy can follow."""
    decorator: Callable[[Test], Test] = loaded.parametrize()
    return decorator


schema = _load()


@parametrized(schema)
@settings(
    deadline=None,
    derandomize=True,
    max_examples=MAX_EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_control_plane_answers_within_its_contract(case: Any) -> None:
    case.call_and_validate(app=_fresh())


# -- bodies no schema describes ----------------------------------------------------

POST_ROUTES = (
    "/_sim/seed",
    "/_sim/faults",
    "/_sim/profile",
    "/_sim/transitions",
    "/_sim/incoming",
    "/_sim/callbacks/mode",
    "/_sim/calls/{ucid}/advance",
)
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
# Keys the routes read, so generated objects reach their validation code.
_route_keys = st.sampled_from(
    [
        "operation",
        "number",
        "fault",
        "status",
        "latency_ms",
        "count",
        "hang_s",
        "name",
        "mode",
        "delays",
        "ucid",
        "customer",
        "did",
        "agent",
        "agent_phone",
        "dialect",
        "duplicate",
        "delay_ms",
        "reorder",
        "drop",
        "to",
        "accounts",
        "agents",
        "campaigns",
        "dids",
        "dnd",
        "blacklist",
        "rate_limits",
    ]
)
_objects = st.dictionaries(_route_keys, _json_values, max_size=5)
_bodies = st.one_of(
    _objects.map(lambda o: (json.dumps(o).encode(), "application/json")),
    _json_values.map(lambda v: (json.dumps(v).encode(), "application/json")),
    st.binary(max_size=64).map(lambda b: (b, "application/json")),
    st.text(max_size=40).map(lambda t: (t.encode(), "text/plain")),
    st.just(("[" * 5000 + "]" * 5000).encode()).map(lambda b: (b, "application/json")),
    st.just(b"a=1&b=2").map(lambda b: (b, "application/x-www-form-urlencoded")),
)


@settings(
    deadline=None,
    derandomize=True,
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(route=st.sampled_from(POST_ROUTES), body=_bodies)
def test_any_body_gets_a_json_answer_and_never_a_server_error(
    route: str, body: tuple[bytes, str]
) -> None:
    app = _fresh()
    ucid = next(iter(get_simulator(app).calls.calls))
    data, content_type = body
    answer = app.test_client().post(
        route.format(ucid=ucid), data=data, headers={"Content-Type": content_type}
    )
    assert answer.status_code < 500, answer.get_data(as_text=True)
    assert answer.mimetype == "application/json"
    document = answer.get_json()
    assert isinstance(document, dict)
    if answer.status_code >= 400:
        assert document["status"] == "error"
        assert str(document["message"]).strip()


def test_a_body_that_is_not_an_object_is_refused_with_what_to_send() -> None:
    answer = (
        _fresh().test_client().post("/_sim/faults", data=b"[1, 2]", content_type="application/json")
    )
    assert answer.status_code == 400
    assert "JSON object" in answer.get_json()["message"]


# -- fixes found by these tests (simulator/control/routes.py) ----------------------


@pytest.mark.parametrize("limit", ["¹", "٣", "-1", "1.5"])
def test_a_journal_limit_that_is_not_ascii_digits_is_a_400(limit: str) -> None:
    answer = _fresh().test_client().get("/_sim/journal", query_string={"limit": limit})
    assert answer.status_code == 400
    assert answer.get_json()["message"] == "limit must be a whole number from 0 to 1000000"


def test_deeply_nested_json_is_a_400_not_a_500() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    answer = _fresh().test_client().post("/_sim/seed", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert "JSON object" in answer.get_json()["message"]
