"""``mcc crm activities`` and ``mcc crm users``: table, JSON and CSV, never cut."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from calling.activities import ingest
from connector.calllog import parse_record
from crm import CrmStore, User, import_file
from crm.cli import crm
from crm.listing import ACTIVITY_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
CALL_ID = "answered-call-with-a-long-provider-call-id-0001"
URL = "https://recordings.example.test/demouser/2024/05/01/" + "x" * 60 + ".mp3"
LONG_DISPOSITION = "Interested; call back next week " * 100


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "crm.sqlite3"
    with CrmStore(path) as store:
        import_file(store, ROOT / "examples" / "crm.yaml")
        record = {
            "monitorUCID": CALL_ID,
            "CallerID": "919876543210",
            "Type": "inbound",
            "Status": "Answered",
            "StartTime": "2024-05-01 10:00:00",
            "EndTime": "2024-05-01 10:01:00",
            "Duration": "00:00:50",
            "AudioFile": f"{URL}?token=rec-secret-123&id=7",
            "AgentID": "agent1",
            "Disposition": LONG_DISPOSITION,
        }
        ingest(store, [parse_record(record)])
    return path


def _crm(*args: str) -> Result:
    # No COLUMNS: output to a pipe, as `mcc crm activities | less` or `> file` sees it.
    result = CliRunner().invoke(crm, list(args), env={"COLUMNS": None})
    assert result.exit_code == 0, result.output
    return result


def test_a_piped_table_is_not_squeezed_into_80_columns(db: Path) -> None:
    out = _crm("activities", "--db", str(db)).stdout
    assert CALL_ID in out  # whole, on one line: not "answ…" nor folded
    assert f"{URL}?id=7" in out  # the recording URL, without its token
    assert "answered" in out
    assert "rec-secret" not in out
    assert "…" not in out


def test_activities_as_json_are_whole(db: Path) -> None:
    rows = json.loads(_crm("activities", "--db", str(db), "--format", "json").stdout)
    assert len(rows) == 1
    row = rows[0]
    assert tuple(row) == ACTIVITY_COLUMNS
    assert row["provider_call_id"] == CALL_ID
    assert row["disposition"] == LONG_DISPOSITION.strip()
    assert row["recording_url"] == f"{URL}?id=7"
    assert row["customer_number"] == "+91******3210"
    assert (row["status"], row["duration_s"], row["lead_id"]) == ("answered", 50, "L-1001")
    assert row["started_at"] == "2024-05-01T04:30:00+00:00"


def test_activities_as_csv_are_whole_with_a_header(db: Path) -> None:
    out = _crm("activities", "--db", str(db), "--format", "csv", "--show-numbers").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    assert tuple(rows[0]) == ACTIVITY_COLUMNS
    assert rows[0]["customer_number"] == "+919876543210"  # --show-numbers
    assert rows[0]["disposition"] == LONG_DISPOSITION.strip()
    assert rows[0]["recording_url"] == f"{URL}?id=7"
    assert rows[0]["dnd"] == "false"


def test_a_recording_url_stored_with_credentials_is_shown_without_them(tmp_path: Path) -> None:
    # A row from before the call-log boundary stripped URLs: cleaned where it is shown.
    path = tmp_path / "old.sqlite3"
    with CrmStore(path) as store:
        ingest(store, [parse_record({"monitorUCID": "1", "CallerID": "9876543210",
                                     "Type": "inbound", "Status": "Answered"})])  # fmt: skip
        with store.transaction() as conn:
            conn.execute(
                "UPDATE activities SET recording_url = ?",
                ("https://u:p@rec.example/1.mp3?X-Amz-Signature=s3cr3t&id=1",),
            )
    rows = json.loads(_crm("activities", "--db", str(path), "--format", "json").stdout)
    assert rows[0]["recording_url"] == "https://rec.example/1.mp3?id=1"


def _users(db: Path, *extra: str) -> Any:
    return _crm("users", "--db", str(db), *extra).stdout


def test_crm_users_lists_the_users_in_every_format(db: Path) -> None:
    with CrmStore(db) as store:
        store.upsert_user(User("agent9", "Agent [bold]Nine", phone="9800000009"))
    table = _users(db)
    assert "Users (3)" in table
    assert "Inbound_918030000001" in table
    assert "Agent [bold]Nine" in table  # markup in data is shown, never interpreted
    rows = json.loads(_users(db, "--format", "json"))
    assert [row["id"] for row in rows] == ["agent1", "agent3", "agent9"]
    assert rows[0] == {
        "id": "agent1",
        "name": "Agent One",
        "email": "agent1@example.com",
        "phone": "9800000001",
        "TelephonyAgentId": "agent1",
        "mx_Custom_8": "Inbound_918030000001",
    }
    listed = list(csv.DictReader(io.StringIO(_users(db, "--format", "csv"))))
    assert list(listed[0]) == [
        "id", "name", "email", "phone", "TelephonyAgentId", "mx_Custom_10", "mx_Custom_8",
    ]  # fmt: skip
    assert listed[2]["mx_Custom_8"] == ""  # a field this user lacks is empty


def test_crm_users_of_an_empty_crm(tmp_path: Path) -> None:
    assert json.loads(_users(tmp_path / "empty.sqlite3", "--format", "json")) == []
    assert _users(tmp_path / "empty.sqlite3", "--format", "csv") == "id,name,email,phone\n"


def test_an_unknown_format_is_refused(db: Path) -> None:
    result = CliRunner().invoke(crm, ["activities", "--db", str(db), "--format", "xml"])
    assert result.exit_code == 2
    assert "'xml' is not one of 'table', 'json', 'csv'" in result.output


def test_the_cli_offers_the_listing_formats() -> None:
    # crm.cli names them itself so that mcc crm --help does not import rich.
    from crm import cli, listing

    assert cli.LIST_FORMATS == listing.FORMATS
