"""``mcc crm``: import users and leads, list leads and their call activities.

Every command takes ``--db PATH`` (default: ``$MCC_DB``, else
``./mcc.sqlite3``). Customer numbers are masked unless ``--show-numbers`` is
given. Bad input prints one clear message on stderr and exits with code 2.
Every cell is plain text: CRM data and call-log fields (a provider's
disposition) may hold ``[bold]`` or ``[/x]``, shown as written, never as
Rich markup.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

# rich, the store (SQLite) and the connector's number handling are imported by
# each command when it runs, so ``mcc crm --help`` stays fast.
if TYPE_CHECKING:
    from rich.table import Table

    from crm.listing import ListFormat
    from crm.store import CrmStore

__all__ = ["crm", "default_db_path"]

BAD_INPUT = 2
# crm.listing.FORMATS (a test keeps them equal), named here for --format's choices.
LIST_FORMATS = ("table", "json", "csv")


def default_db_path() -> Path:
    """``$MCC_DB`` when set, else ``./mcc.sqlite3``."""
    return Path(os.environ.get("MCC_DB") or "mcc.sqlite3")


class _BadInput(click.ClickException):
    exit_code = BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"mcc: {self.format_message()}", err=True)


def _open(db: Path | None) -> CrmStore:
    from connector.errors import ConnectorError
    from crm.errors import CrmStoreError
    from crm.store import CrmStore

    path = db or default_db_path()
    try:
        return CrmStore(path)
    except CrmStoreError as exc:  # names the path and what to do
        raise _BadInput(str(exc)) from None
    except (ConnectorError, OSError) as exc:
        raise _BadInput(f"cannot open the CRM database {path}: {exc}") from None


def _row(table: Table, *cells: str) -> None:
    """Add a row of plain-text cells: markup in the data is shown, never interpreted."""
    from rich.text import Text

    table.add_row(*(Text(cell) for cell in cells))


def _number(value: str | None, show: bool) -> str:
    from connector.redaction import mask_number

    if not value:
        return ""
    return value if show else mask_number(value)


_db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CRM database file (default: $MCC_DB or ./mcc.sqlite3).",
)
# -h as well as --help on every command, also when one runs outside the mcc
# root: click keeps the help option a command first made, so a command first
# run on its own (without the root's names) would refuse -h from then on.
_HELP = {"help_option_names": ["-h", "--help"]}
_show_option = click.option(
    "--show-numbers", is_flag=True, help="Show phone numbers in full (masked by default)."
)


@click.group(context_settings=_HELP)
def crm() -> None:
    """The embedded CRM: users, leads and their call activities."""


@crm.command("import", context_settings=_HELP)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_db_option
def import_command(file: Path, db: Path | None) -> None:
    """Import users and leads from FILE (.yaml with users:/leads:, or .csv with a kind column)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from connector.errors import ConnectorError
    from crm.importer import import_file

    with _open(db) as store:
        try:
            summary = import_file(store, file)
        except ConnectorError as exc:
            raise _BadInput(str(exc)) from None
    table = Table(title=Text(f"Imported {file.name}"))
    for column in ("kind", "created", "updated", "unchanged"):
        table.add_column(column, justify="left" if column == "kind" else "right")
    _row(
        table,
        "users",
        str(summary.users_created),
        str(summary.users_updated),
        str(summary.users_unchanged),
    )
    _row(
        table,
        "leads",
        str(summary.leads_created),
        str(summary.leads_updated),
        str(summary.leads_unchanged),
    )
    Console().print(table)


@crm.command("leads", context_settings=_HELP)
@_db_option
@_show_option
def leads_command(db: Path | None, show_numbers: bool) -> None:
    """List the leads."""
    from rich.console import Console
    from rich.table import Table

    with _open(db) as store:
        leads = store.leads()
    table = Table(title=f"Leads ({len(leads)})")
    for column in ("id", "name", "Phone", "Mobile", "owner"):
        table.add_column(column)
    for lead in leads:
        _row(
            table,
            lead.id,
            f"{lead.first_name} {lead.last_name}".strip(),
            _number(lead.phone, show_numbers),
            _number(lead.mobile, show_numbers),
            lead.owner_id or "",
        )
    Console().print(table)


_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(LIST_FORMATS),
    default="table",
    show_default=True,
    help="table for people; json (an array) or csv (with a header) whole, for machines.",
)


@crm.command("activities", context_settings=_HELP)
@click.option("--lead", "lead_id", default=None, help="Only this lead's activities.")
@_format_option
@_db_option
@_show_option
def activities_command(
    lead_id: str | None, fmt: ListFormat, db: Path | None, show_numbers: bool
) -> None:
    """List call activities, newest first (every lead's, or one lead's with --lead)."""
    from crm import listing

    with _open(db) as store:
        if lead_id is not None and store.get_lead(lead_id) is None:
            raise _BadInput(f"lead {lead_id!r} is not in {store.path}; see `mcc crm leads`")
        activities = store.activities(lead_id)
    rows = [listing.activity_row(item, show_numbers=show_numbers) for item in activities]
    if fmt == "table":
        for row in rows:  # the table's shorter forms; JSON and CSV keep the values
            row["lead_id"] = row["lead_id"] or "(unknown)"
            row["status"] += " (DND)" if row["dnd"] else ""
            started = row["started_at"]
            row["started_at"] = started[:19].replace("T", " ") if started else None
    listing.write_rows(
        fmt,
        rows,
        listing.ACTIVITY_COLUMNS,
        title=f"Activities ({len(rows)})",
        stream=sys.stdout,
        table_columns=listing.ACTIVITY_TABLE,
    )


@crm.group("users", invoke_without_command=True, context_settings=_HELP)
@_format_option
@_db_option
@click.pass_context
def users_group(ctx: click.Context, fmt: ListFormat, db: Path | None) -> None:
    """List the users (agents) with their custom fields; sub-commands manage them."""
    from crm import listing

    if ctx.invoked_subcommand is not None:
        return
    with _open(db) as store:
        users = store.users()
    rows, columns = listing.user_rows(users)
    listing.write_rows(fmt, rows, columns, title=f"Users ({len(rows)})", stream=sys.stdout)


@users_group.command("set-password", context_settings=_HELP)
@click.argument("user_id")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
@_db_option
def set_password_command(user_id: str, password_stdin: bool, db: Path | None) -> None:
    """Set USER_ID's password for the agent console (`mcc console`); only a salted hash is kept."""
    from crm.errors import CrmStoreError
    from crm.passwords import MAX_PASSWORD_CHARS

    if password_stdin:
        line = sys.stdin.readline(MAX_PASSWORD_CHARS + 2)
        password = line.removesuffix("\n").removesuffix("\r")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _open(db) as store:
        try:
            store.set_password(user_id, password)
        except CrmStoreError as exc:
            raise _BadInput(str(exc)) from None
    click.echo(f"password set for {user_id}")
