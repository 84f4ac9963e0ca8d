"""Importing users and leads (YAML, CSV), its errors, and the ``mcc crm`` commands."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from calling.activities import ingest
from connector.calllog import parse_record
from crm import CrmImportError, CrmStore, ImportSummary, import_file, load_rows
from crm.cli import crm

YAML = """\
users:
  - id: U1
    name: Ravi Kumar
    email: ravi@example.test
    phone: 9800000001
    mx_Custom_8: "918030000001"
    TelephonyAgentId: agent1
leads:
  - ProspectID: L1
    FirstName: Asha
    LastName: Rao
    Phone: "+91-9876543210"
    Mobile: 09123456789
    OwnerId: U1
    mx_City: Pune
  - id: L2
    FirstName: Vikram
    Phone: "98765 43211"
"""

CSV = """\
kind,id,name,email,phone,FirstName,LastName,Phone,Mobile,mx_Custom_8,TelephonyAgentId
user,U1,Ravi Kumar,ravi@example.test,9800000001,,,,,918030000001,agent1
lead,L1,,,,Asha,Rao,+91-9876543210,09123456789,,
lead,L2,,,,Vikram,,98765 43211,,,
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CrmStore]:
    crm = CrmStore(tmp_path / "crm.sqlite3")
    yield crm
    crm.close()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_yaml_import(store: CrmStore, tmp_path: Path) -> None:
    summary = import_file(store, _write(tmp_path, "crm.yaml", YAML))
    assert summary == ImportSummary(users_created=1, leads_created=2)
    user = store.get_user("U1")
    assert user is not None
    assert user.phone == "9800000001"  # YAML read it as a number; the CRM keeps text
    assert user.fields == {"mx_Custom_8": "918030000001", "TelephonyAgentId": "agent1"}
    lead = store.get_lead("L1")
    assert lead is not None
    assert (lead.first_name, lead.last_name, lead.owner_id) == ("Asha", "Rao", "U1")
    assert lead.fields == {"mx_City": "Pune"}
    found = store.find_lead_by_phone("+919123456789")
    assert found is not None
    assert found.id == "L1"


def test_csv_import_with_a_kind_column(store: CrmStore, tmp_path: Path) -> None:
    summary = import_file(store, _write(tmp_path, "crm.csv", CSV))
    assert summary == ImportSummary(users_created=1, leads_created=2)
    user = store.get_user("U1")
    assert user is not None
    assert user.fields["mx_Custom_8"] == "918030000001"
    lead = store.get_lead("L2")
    assert lead is not None
    assert lead.mobile is None  # an empty cell means "not set"
    assert lead.fields == {}


def test_csv_kind_from_the_file_name(store: CrmStore, tmp_path: Path) -> None:
    path = _write(tmp_path, "leads.csv", "id,FirstName,Phone\nL7,Meera,9876500000\n")
    assert import_file(store, path).leads_created == 1
    assert store.find_lead_by_phone("09876500000") is not None


def test_reimport_is_idempotent_and_updates_by_id(store: CrmStore, tmp_path: Path) -> None:
    path = _write(tmp_path, "crm.yaml", YAML)
    import_file(store, path)
    assert import_file(store, path) == ImportSummary(users_unchanged=1, leads_unchanged=2)
    path.write_text(YAML.replace("Vikram", "Vikram S"), encoding="utf-8")
    assert import_file(store, path) == ImportSummary(
        users_unchanged=1, leads_unchanged=1, leads_updated=1
    )
    assert len(store.leads()) == 2


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("a.yaml", "leads:\n  - id: L1\n    Phone: '12'\n", "leads[0], Phone: '12' is too short"),
        ("a.yaml", "leads:\n  - FirstName: X\n", "leads[0], id: Field required"),
        ("a.yaml", "users:\n  - id: U1\n    phone: abc\n", "users[0], phone: 'abc' is not"),
        ("a.yaml", "leads:\n  - id: L1\n    mx_x: [1, 2]\n", "leads[0], mx_x: [1, 2] must be"),
        ("a.csv", "kind,id,Phone\nlead,L1,12345\n", "line 2, Phone: '12345' is too short"),
        ("a.yaml", "leads:\n  - id: L1\n  - id: L1\n", "lead id 'L1' appears more than once"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_imported(
    store: CrmStore, tmp_path: Path, name: str, text: str, problem: str
) -> None:
    path = _write(tmp_path, name, "users:\n  - id: U0\n" + text if name.endswith("l") else text)
    with pytest.raises(CrmImportError) as caught:
        import_file(store, path)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    assert "nothing was imported" in str(caught.value)
    assert store.users() == []
    assert store.leads() == []


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.txt", "x", "use a .yaml, .yml or .csv file"),
        ("a.yaml", "- 1\n- 2\n", "expected a mapping with users: and/or leads:"),
        ("a.yaml", "lead: []\n", "unknown top-level key(s) ['lead']"),
        ("a.yaml", "leads: {id: 1}\n", "leads must be a list"),
        ("a.yaml", "users: [\n", "not valid YAML"),
        ("crm.csv", "id,Phone\nL1,9876543210\n", "add a kind column"),
        ("crm.csv", "kind,id\nperson,P1\n", "line 2, kind: 'person' is not user or lead"),
    ],
)
def test_unusable_files_say_what_to_fix(
    store: CrmStore, tmp_path: Path, name: str, text: str, message: str
) -> None:
    with pytest.raises(CrmImportError) as caught:
        import_file(store, _write(tmp_path, name, text))
    assert message in str(caught.value)


def test_a_missing_file_is_a_clear_error(store: CrmStore, tmp_path: Path) -> None:
    with pytest.raises(CrmImportError, match="cannot read"):
        import_file(store, tmp_path / "nope.yaml")


def test_cli_import_then_list_leads_with_masked_numbers(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    path = _write(tmp_path, "crm.yaml", YAML)
    runner = CliRunner(env={"COLUMNS": "200"})
    result = runner.invoke(crm, ["import", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Imported crm.yaml" in result.output
    listed = runner.invoke(crm, ["leads", "--db", str(db)])
    assert listed.exit_code == 0
    assert "Asha Rao" in listed.output
    assert "3210" in listed.output
    assert "9876543210" not in listed.output
    shown = runner.invoke(crm, ["leads", "--db", str(db), "--show-numbers"])
    assert "+91-9876543210" in shown.output


def test_cli_db_defaults_to_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.sqlite3"
    path = _write(tmp_path, "crm.yaml", YAML)
    result = CliRunner(env={"MCC_DB": str(db)}).invoke(crm, ["import", str(path)])
    assert result.exit_code == 0, result.output
    with CrmStore(db) as store:
        assert len(store.leads()) == 2


def test_cli_activities_of_a_lead(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    with CrmStore(db) as store:
        import_file(store, _write(tmp_path, "crm.yaml", YAML))
        record = {
            "monitorUCID": "4242",
            "CallerID": "919876543210",
            "Type": "inbound",
            "Status": "NotAnswered",
            "StartTime": "2024-05-01 10:00:00",
        }
        ingest(store, [parse_record(record)])
    wide = CliRunner(env={"COLUMNS": "250"})  # rich sizes tables from COLUMNS
    result = wide.invoke(crm, ["activities", "--lead", "L1", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "not_answered" in result.output
    assert "4242" in result.output
    assert "2024-05-01 04:30:00" in result.output  # shown in UTC


def test_cli_bad_input_exits_2_with_one_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    bad = _write(tmp_path, "bad.yaml", "leads:\n  - id: L1\n    Phone: '12'\n")
    runner = CliRunner()
    result = runner.invoke(crm, ["import", str(bad), "--db", str(db)])
    assert result.exit_code == 2
    assert "leads[0], Phone" in result.output
    assert "Traceback" not in result.output
    unknown = runner.invoke(crm, ["activities", "--lead", "L404", "--db", str(db)])
    assert unknown.exit_code == 2
    assert "lead 'L404' is not in" in unknown.output


def test_a_yaml_alias_bomb_is_refused_in_one_line_before_it_grows(tmp_path: Path) -> None:
    # Nine levels of nine aliases: 387 million values if expanded.
    lines = ['l0: &l0 ["x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 9):
        items = ",".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{items}]")
    lines.append("leads: *l8")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CrmImportError, match="YAML aliases expand to more than") as refused:
        load_rows(bomb)
    assert "\n" not in str(refused.value)
