"""contracts/openapi/calllog.yaml describes what the call-log service really answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jsonschema_rs  # schemathesis's validator: no extra dependency
import pytest
import yaml

from calling.service import create_service
from crm import CrmStore

pytestmark = pytest.mark.flows

SPEC_PATH = Path(__file__).resolve().parents[2] / "contracts" / "openapi" / "calllog.yaml"
TOKEN = "contract-token-0123456789"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def _check(spec: dict[str, Any], schema_name: str, answer: object) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    jsonschema_rs.validate(schema, answer)


def test_every_documented_answer_of_post_calllog_is_listed(spec: dict[str, Any]) -> None:
    responses = spec["paths"]["/calllog"]["post"]["responses"]
    assert {"200", "400", "401", "413"} <= set(responses)
    content = spec["components"]["requestBodies"]["CallLog"]["content"]
    assert {"application/x-www-form-urlencoded", "application/json"} <= set(content)


def test_the_services_answers_match_the_contract(
    spec: dict[str, Any], store: CrmStore, cdr: Callable[..., dict[str, Any]]
) -> None:
    http = create_service(store, token=TOKEN, max_body_bytes=10_000).test_client()
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    form = urlencode({"data": json.dumps(cdr("5001"))})
    stored = http.post(
        "/calllog", data=form, content_type="application/x-www-form-urlencoded", headers=bearer
    )
    assert stored.status_code == 200
    _check(spec, "Stored", stored.json)
    for answer, status in [
        (http.post("/calllog", json=[cdr("5002"), {"monitorUCID": "x"}], headers=bearer), 400),
        (http.post("/calllog", json=cdr("5003")), 401),
        (
            http.post(
                "/calllog", data=b"[" * 20_000, content_type="application/json", headers=bearer
            ),
            413,
        ),
    ]:
        assert answer.status_code == status
        _check(spec, "Error", answer.json)
