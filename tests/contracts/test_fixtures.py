"""The partner fixtures file: what it accepts and how it says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.fixtures import Fixtures, FixturesError, load_fixtures

pytestmark = pytest.mark.conformance


def test_a_full_fixtures_file_loads_with_numbers_as_text(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text(
        "customer_number: 9812345678\n"
        "dnd_number: '9000000001'\n"
        "ringing_agent_phone: '9800000001'\n"
        "user: {TelephonyAgentId: agent1, mx_Custom_8: Inbound_918030000001}\n",
        encoding="utf-8",
    )
    fixtures = load_fixtures(path)
    assert fixtures.customer_number == "9812345678"
    assert fixtures.user["TelephonyAgentId"] == "agent1"
    assert fixtures.idle_agent_phone is None


def test_an_unknown_fixture_is_named(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text("dnd_numbr: '9000000001'\n", encoding="utf-8")
    with pytest.raises(FixturesError, match="dnd_numbr: is not a known fixture"):
        load_fixtures(path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(FixturesError, match="no such fixtures file"):
        load_fixtures(tmp_path / "absent.yaml")


def test_an_empty_file_means_no_fixtures(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text("", encoding="utf-8")
    assert load_fixtures(path) == Fixtures()


def test_invalid_yaml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text("customer_number: '9812345678'\nuser: [\n", encoding="utf-8")
    with pytest.raises(FixturesError) as refused:
        load_fixtures(path)
    assert str(refused.value) == f"{path}: not valid YAML at line 3, column 1"
