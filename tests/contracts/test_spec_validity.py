"""Every contract is a valid OpenAPI document, and schemathesis.toml is a valid config for them.

schemathesis loads a document leniently and trips over an invalid part only
when a phase reaches it (a string where a schema belongs crashed ``schemathesis
run`` before any test, while the in-process tests passed): so every document is
checked with a spec validator first. The config is checked against the JSON
Schema schemathesis ships, and each of its sections must name a contract and
operations that exist, since schemathesis ignores a section whose title or
operation id matches nothing.
"""

from __future__ import annotations

import copy
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from contracts.specs import contract_names, load_spec

pytestmark = pytest.mark.conformance

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"


@pytest.mark.parametrize("name", contract_names())
def test_the_contract_is_a_valid_openapi_document(name: str) -> None:
    validate(load_spec(name))


def test_a_string_where_a_schema_belongs_is_refused() -> None:
    # The defect that crashed the schemathesis CLI: `description: "{type: string}"`
    # among a schema's properties (control.yaml, Behaviour).
    spec = copy.deepcopy(load_spec("control"))
    spec["components"]["schemas"]["Behaviour"]["properties"]["description"] = "{type: string}"
    with pytest.raises(OpenAPIValidationError):
        validate(spec)


def _config() -> dict[str, Any]:
    with CONFIG.open("rb") as handle:
        return tomllib.load(handle)


def test_schemathesis_toml_follows_schemathesis_config_schema() -> None:
    shipped = resources.files("schemathesis.config").joinpath("schema.json").read_text("utf-8")
    jsonschema_rs.validate(json.loads(shipped), _config())


def test_every_config_section_names_a_contract_and_its_operations() -> None:
    specs = {load_spec(name)["info"]["title"]: load_spec(name) for name in contract_names()}
    for project in _config()["project"]:
        assert project["title"] in specs, f"no contract has the title {project['title']!r}"
        spec = specs[project["title"]]
        ids = {
            operation["operationId"]
            for item in spec["paths"].values()
            for operation in item.values()
            if isinstance(operation, dict) and "operationId" in operation
        }
        for section in project.get("operations", []):
            wanted = section["include-operation-id"]
            named = {wanted} if isinstance(wanted, str) else set(wanted)
            assert named <= ids, f"{project['title']}: no operation {sorted(named - ids)}"
