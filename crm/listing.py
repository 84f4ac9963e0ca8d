"""What ``mcc crm activities`` and ``mcc crm users`` print: a table, JSON or CSV.

Each record becomes one flat row of plain values first (:func:`activity_row`,
:func:`user_row`), so the three formats show the same facts: JSON and CSV
carry every field whole, never cut; the table is for people. A table is
drawn at the terminal's width on a terminal, and unbounded when the output
is piped or redirected (Rich would squeeze it into 80 columns and cut a call
id to ``answ…``), with every column folding rather than cutting.

Customer numbers (and the agent's phone on an activity) keep their last four
digits unless ``show_numbers``. A recording URL is shown without its
credential parameters (``connector.redaction.strip_credentials``: a signed
URL's signature, a ``?token=``): the call-log boundary stores it so, and a row
written before that boundary existed is cleaned here too.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from connector.phone import PhoneNumber
from connector.redaction import mask_number, strip_credentials
from crm.models import Activity, User

__all__ = [
    "ACTIVITY_COLUMNS",
    "ACTIVITY_TABLE",
    "FORMATS",
    "USER_COLUMNS",
    "ListFormat",
    "activity_row",
    "output_console",
    "user_row",
    "user_rows",
    "write_rows",
]

FORMATS = ("table", "json", "csv")
ListFormat = Literal["table", "json", "csv"]
ACTIVITY_COLUMNS = (
    "id",
    "lead_id",
    "user_id",
    "direction",
    "status",
    "dnd",
    "started_at",
    "ended_at",
    "duration_s",
    "call_duration_s",
    "customer_number",
    "agent",
    "agent_phone",
    "did",
    "disposition",
    "recording_url",
    "provider",
    "provider_call_id",
    "message",
    "attempts",
)
USER_COLUMNS = ("id", "name", "email", "phone")
# A piped table is not cut to a width: this bounds only Rich's line buffer.
_UNBOUNDED = 100_000
# The table's columns of an activity: (heading, row key); the rest is in JSON and CSV.
ACTIVITY_TABLE = (
    ("id", "id"),
    ("lead", "lead_id"),
    ("user", "user_id"),
    ("direction", "direction"),
    ("status", "status"),
    ("started (UTC)", "started_at"),
    ("talk s", "duration_s"),
    ("customer", "customer_number"),
    ("agent", "agent"),
    ("disposition", "disposition"),
    ("recording", "recording_url"),
    ("call id", "provider_call_id"),
    ("tries", "attempts"),
)


def _number(number: PhoneNumber | None, show: bool) -> str | None:
    if number is None:
        return None
    return number.e164 if show else mask_number(number.e164)


def activity_row(activity: Activity, *, show_numbers: bool = False) -> dict[str, Any]:
    """One activity as a flat row (times ISO 8601 in UTC, numbers E.164, masked unless shown)."""
    url = activity.recording_url
    return {
        "id": activity.id,
        "lead_id": activity.lead_id,
        "user_id": activity.user_id,
        "direction": str(activity.direction),
        "status": str(activity.status),
        "dnd": activity.dnd,
        "started_at": activity.started_at.isoformat() if activity.started_at else None,
        "ended_at": activity.ended_at.isoformat() if activity.ended_at else None,
        "duration_s": activity.duration_s,
        "call_duration_s": activity.call_duration_s,
        "customer_number": _number(activity.customer_number, show_numbers),
        "agent": activity.agent,
        "agent_phone": _number(activity.agent_phone, show_numbers),
        "did": activity.did,
        "disposition": activity.disposition,
        "recording_url": strip_credentials(url) if url else None,
        "provider": activity.provider,
        "provider_call_id": activity.provider_call_id,
        "message": activity.message,
        "attempts": activity.attempts,
    }


def user_row(user: User) -> dict[str, Any]:
    """One user as a flat row: its own fields, then its custom fields (``mx_Custom_8``...)."""
    row: dict[str, Any] = {"id": user.id, "name": user.name, "email": user.email}
    row["phone"] = user.phone
    row.update(sorted(user.fields.items()))
    return row


def user_rows(users: Iterable[User]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """Rows of ``users`` and the columns they have (the custom fields any user has, sorted)."""
    rows = [user_row(user) for user in users]
    extra = sorted({key for row in rows for key in row} - set(USER_COLUMNS))
    return rows, (*USER_COLUMNS, *extra)


def output_console(stream: TextIO | None = None) -> Console:
    """A console for tables: the terminal's width, or unbounded when piped."""
    console = Console(file=stream)
    if console.is_terminal:
        return console
    return Console(file=stream, width=_UNBOUNDED)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def _table(
    title: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]
) -> Table:
    table = Table(title=Text(title))
    for heading, _key in columns:
        table.add_column(heading, overflow="fold")
    for row in rows:
        # Plain text cells: markup in CRM data or a call log is shown, never interpreted.
        table.add_row(*(Text(_cell(row.get(key))) for _heading, key in columns))
    return table


def write_rows(
    fmt: ListFormat,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    title: str,
    stream: TextIO,
    table_columns: Sequence[tuple[str, str]] | None = None,
) -> None:
    """Write ``rows`` to ``stream``: a JSON array, CSV with a header, or a table."""
    if fmt == "json":
        stream.write(json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(stream, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: _csv(row.get(key)) for key in columns} for row in rows)
    else:
        shown = table_columns or [(name, name) for name in columns]
        output_console(stream).print(_table(title, rows, shown))


def _csv(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
