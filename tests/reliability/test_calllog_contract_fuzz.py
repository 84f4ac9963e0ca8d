"""Fuzz the connector's call-log endpoint against its contract (contracts/openapi/calllog.yaml).

schemathesis generates valid and invalid callbacks (form ``data=<JSON>``,
JSON records and arrays of every provider shape, headers, query tokens) and
posts them in-process to ``calling.service.create_service`` over a real CRM
store. Every answer must be no 5xx, a documented status code, the documented
content type and a body matching the documented schema. About half the
examples carry the right token, so both the 401 path and the parsing and
storing paths are reached. Bounded: ``MAX_EXAMPLES`` per operation.
"""

from __future__ import annotations

import json
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from calling.service import create_service
from crm import CrmStore, import_file

pytestmark = pytest.mark.flows

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "contracts" / "openapi" / "calllog.yaml"
TOKEN = "fuzz-calllog-token-0123456789abcdef"
MAX_EXAMPLES = 40
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]


# How a case presents the token; one case in four keeps what schemathesis
# generated (mostly a wrong token) so the 401 path stays covered.
AUTH: tuple[Mapping[str, str], ...] = (
    {},
    {"Authorization": f"Bearer {TOKEN}"},
    {"X-MCC-Token": TOKEN},
    {"Authorization": f"Bearer {TOKEN}"},
)
# A valid record of each shape; generated fields are laid over them (unknown
# keys only) so that the parsing and storing paths, not just refusals, run.
VALID: tuple[Mapping[str, Any], ...] = (
    {
        "monitorUCID": "9049754955340984",
        "CallerID": "919876543210",
        "Did": "918030000001",
        "Type": "inbound",
        "Status": "Answered",
        "StartTime": "2024-05-06 16:59:33",
        "EndTime": "2024-05-06 17:00:03",
        "Duration": "00:00:23",
        "CallDuration": "00:00:30",
        "AudioFile": "http://recordings.example.test/a.mp3",
    },
    {
        "CallSessionId": "cs-1",
        "SourceNumber": "+91-9876543210",
        "DestinationNumber": "+91-9800000001",
        "Status": "Answered",
        "Direction": "Inbound",
        "CallDuration": 23,
        "StartTime": "2024-05-06 11:29:33",
    },
    {
        "callid": "kn-1",
        "caller_id": "+919876543210",
        "call_type": "incoming",
        "call_duration": "23",
        "start_time": "2024-05-06 16:59:33+05:30",
    },
)
_KNOWN = frozenset(key for record in VALID for key in record)


def _which(case: Any) -> int:
    # Stable per case, so a failing example replays the same way.
    return zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode()) % 4


def authorise(case: Any) -> None:
    """Present the right token on three cases in four (every phase, coverage included)."""
    auth = AUTH[_which(case)]
    if auth:
        case.headers = {**(case.headers or {}), **auth}


def _over_valid(body: Any, record: Mapping[str, Any]) -> Any:
    if isinstance(body, dict):
        if set(body) == {"data"}:  # the form shape: data=<JSON text>
            return {"data": json.dumps(dict(record))}
        return {**record, **{k: v for k, v in body.items() if k not in _KNOWN}}
    if isinstance(body, list) and body:
        return [_over_valid(item, record) for item in body]
    return body


def _load() -> Any:
    # Valid first: schemathesis meets an invalid part only when a phase reaches it.
    validate(yaml.safe_load(SPEC.read_text(encoding="utf-8")))
    schema = schemathesis.openapi.from_path(SPEC)
    schema.config.generation.update(max_examples=MAX_EXAMPLES)
    schema.config.checks.update(included_check_names=CHECKS)

    @schema.hook
    def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.just(body), st.sampled_from(VALID).map(lambda rec: _over_valid(body, rec))
        )

    return schema


Test = Callable[..., None]


def parametrized(loaded: Any) -> Callable[[Test], Test]:
    """``loaded.parametrize()`` with a type mypy can follow."""
    decorator: Callable[[Test], Test] = loaded.parametrize()
    return decorator


schema = _load()

_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    max_examples=MAX_EXAMPLES,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture(scope="module")
def service() -> Iterator[Flask]:
    """The call-log service over a CRM store holding examples/crm.yaml (one per module)."""
    with tempfile.TemporaryDirectory() as folder:
        store = CrmStore(Path(folder) / "crm.sqlite3")
        import_file(store, ROOT / "examples" / "crm.yaml")
        app: Flask = create_service(store, token=TOKEN, max_body_bytes=64_000)
        yield app
        store.close()


@parametrized(schema)
@_SETTINGS
def test_calllog_service_answers_within_its_contract(case: Any, service: Flask) -> None:
    authorise(case)
    case.call_and_validate(app=service)


def _operations() -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def test_the_fuzzed_contract_has_the_operations_it_claims() -> None:
    operations = {(op.method.upper(), op.path) for op in _operations()}
    assert operations == {
        ("POST", "/calllog"),
        ("POST", "/calllog/{provider}"),
        ("GET", "/healthz"),
    }
