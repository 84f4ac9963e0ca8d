"""Load users and leads into the CRM store from YAML or CSV.

YAML: a mapping with ``users:`` and/or ``leads:`` lists of mappings. CSV: one
file, one row per record, and a ``kind`` column saying ``user`` or ``lead``
(so one file can hold both; empty cells mean "not set"); without a ``kind``
column the file name decides (``users*.csv`` or ``leads*.csv``).

Known keys: users ``id`` (or ``UserId``), ``name``, ``email``
(``EmailAddress``), ``phone`` (``PhoneMobile``); leads ``id`` (``ProspectID``),
``FirstName``, ``LastName``, ``Phone``, ``Mobile``, ``OwnerId``. Any other key
(``mx_Custom_8``, ``TelephonyAgentId``, ``mx_AltPhone``) becomes a custom
field. Every row is checked before anything is written; errors name the row
and the field. Importing the same file twice changes nothing (upsert by id).

CSV is read by the ``csv`` module with its own line handling (the file opened
with ``newline=""``): only ``\n``, ``\r`` and ``\r\n`` end a row, so a cell
holding U+2028, U+0085, a form feed or another Unicode line separator stays
in its cell. A row the module cannot parse in strict mode (a quote never
closed, text after a closing quote, a NUL byte, a cell past
``csv.field_size_limit``) is listed like any other bad row,
and nothing is imported. Files above ``MAX_IMPORT_BYTES`` are refused
unread.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from connector.errors import PhoneNumberError
from connector.phone import parse_phone
from connector.yamlfile import YamlRefused, parse_yaml, yaml_where
from crm.errors import CrmImportError
from crm.models import Lead, UpsertResult, User
from crm.store import CrmStore

__all__ = ["MAX_IMPORT_BYTES", "ImportSummary", "import_file", "load_rows"]

MAX_IMPORT_BYTES = 64 * 1024 * 1024
_PROBLEMS_SHOWN = 50  # an error lists this many problems, then counts the rest

_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_KINDS = {"user": "users", "users": "users", "lead": "leads", "leads": "leads"}


def _text(value: Any) -> Any:
    # YAML reads 9876543210 as an int and ids like 7 too; the CRM holds text.
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    return value


class _Row(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, populate_by_name=True)

    id: str = Field(min_length=1)

    @field_validator("*", mode="before")
    @classmethod
    def _scalars_as_text(cls, value: Any) -> Any:
        return _text(value)

    def custom_fields(self) -> dict[str, str]:
        """Extra keys: must be field names with text or number values."""
        fields: dict[str, str] = {}
        for name, given in (self.model_extra or {}).items():
            if not _FIELD_NAME.match(name):
                raise ValueError(f"{name}: not a field name (letters, digits, _)")
            value = _text(given)
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                raise ValueError(f"{name}: {value!r} must be text or a number")
            fields[name] = value.strip()
        return fields


def _check_phone(value: str | None) -> str | None:
    if value:
        try:
            parse_phone(value)
        except PhoneNumberError as exc:
            raise ValueError(str(exc)) from None
    return value or None


class _UserRow(_Row):
    id: str = Field(min_length=1, validation_alias=AliasChoices("id", "UserId"))
    name: str = Field("", validation_alias=AliasChoices("name", "Name"))
    email: str | None = Field(None, validation_alias=AliasChoices("email", "EmailAddress"))
    phone: str | None = Field(None, validation_alias=AliasChoices("phone", "PhoneMobile"))

    _phone = field_validator("phone")(_check_phone)


class _LeadRow(_Row):
    id: str = Field(min_length=1, validation_alias=AliasChoices("id", "ProspectID"))
    first_name: str = Field("", validation_alias=AliasChoices("FirstName", "first_name"))
    last_name: str = Field("", validation_alias=AliasChoices("LastName", "last_name"))
    phone: str | None = Field(None, validation_alias=AliasChoices("Phone", "phone"))
    mobile: str | None = Field(None, validation_alias=AliasChoices("Mobile", "mobile"))
    owner_id: str | None = Field(None, validation_alias=AliasChoices("OwnerId", "owner_id"))

    _phones = field_validator("phone", "mobile")(_check_phone)


@dataclass(frozen=True)
class ImportSummary:
    """How many users and leads an import created, updated or left as they were."""

    users_created: int = 0
    users_updated: int = 0
    users_unchanged: int = 0
    leads_created: int = 0
    leads_updated: int = 0
    leads_unchanged: int = 0

    @property
    def changed(self) -> int:
        """Records created or updated."""
        return self.users_created + self.users_updated + self.leads_created + self.leads_updated


# An import holds many records, but aliases must not multiply them (an alias bomb).
_MAX_YAML_VALUES = 5_000_000


def _yaml_rows(path: Path, text: str) -> list[tuple[str, str, dict[str, Any]]]:
    try:
        data = parse_yaml(text, max_values=_MAX_YAML_VALUES)
    except YamlRefused as exc:
        raise CrmImportError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise CrmImportError(f"{path}: not valid YAML{yaml_where(exc)}") from None
    if not isinstance(data, dict):
        raise CrmImportError(f"{path}: expected a mapping with users: and/or leads: lists")
    unknown = sorted(set(data) - {"users", "leads"})
    if unknown:
        raise CrmImportError(f"{path}: unknown top-level key(s) {unknown}; use users and leads")
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for kind in ("users", "leads"):
        items = data.get(kind) or []
        if not isinstance(items, list):
            raise CrmImportError(f"{path}: {kind} must be a list of mappings")
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise CrmImportError(f"{path}: {kind}[{index}] must be a mapping of field: value")
            rows.append((kind, f"{kind}[{index}]", {str(k): v for k, v in item.items()}))
    return rows


def _csv_rows(path: Path, problems: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """The rows of a CSV file; rows that do not parse go to ``problems``."""
    rows: list[tuple[str, str, dict[str, Any]]] = []
    # newline="": the csv module finds row ends itself (never str.splitlines,
    # which would also split on U+2028, U+0085, \x0b, \x0c, \x1c-\x1e).
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        # strict: a quote never closed is an error, not a cell that swallows
        # every row after it.
        reader = csv.DictReader(handle, strict=True)
        try:
            columns = reader.fieldnames or []
        except csv.Error as exc:
            raise CrmImportError(f"{path}: line 1 (the header): {_csv_problem(exc)}") from None
        stem = path.stem.lower()
        stem_kind = next((k for k in ("users", "leads") if stem.startswith(k[:-1])), None)
        if "kind" not in columns and stem_kind is None:
            raise CrmImportError(
                f"{path}: add a kind column (user or lead), or name the file users.csv or leads.csv"
            )
        while True:
            first = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                problems.append(f"line {first}: {_csv_problem(exc)}")
                if reader.line_num < first:  # nothing more was read: stop, do not spin
                    break
                continue
            where = f"line {first}"
            if None in record:
                extra = len(record[None])
                problems.append(
                    f"{where}: has {len(columns) + extra} cells, more cells than the header's"
                    f" {len(columns)} columns"
                )
                continue
            cells = {k: v for k, v in record.items() if v not in (None, "")}
            kind_text = str(cells.pop("kind", stem_kind or "")).strip().lower()
            kind = _KINDS.get(kind_text)
            if kind is None:
                problems.append(f"{where}, kind: {kind_text[:40]!r} is not user or lead")
                continue
            rows.append((kind, where, cells))
    return rows


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return "not valid CSV: a quoted cell is never closed"
    return f"not valid CSV: {text}"


def load_rows(path: str | Path) -> tuple[list[User], list[Lead]]:
    """Read and check an import file; raise ``CrmImportError`` listing every bad row."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise CrmImportError(f"{source}: use a .yaml, .yml or .csv file")
    problems: list[str] = []
    try:
        size = source.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise CrmImportError(
                f"{source}: {size} bytes is more than an import may hold ({MAX_IMPORT_BYTES});"
                " split the file"
            )
        if suffix == ".csv":
            rows = _csv_rows(source, problems)
        else:
            # utf-8-sig: spreadsheets add a BOM
            rows = _yaml_rows(source, source.read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CrmImportError(f"{source}: cannot read: {exc}") from None
    users: list[User] = []
    leads: list[Lead] = []
    for kind, where, cells in rows:
        try:
            if kind == "users":
                user = _UserRow.model_validate(cells)
                users.append(User(user.id, user.name, user.email, user.phone, user.custom_fields()))
            else:
                lead = _LeadRow.model_validate(cells)
                leads.append(
                    Lead(
                        lead.id,
                        lead.first_name,
                        lead.last_name,
                        lead.phone,
                        lead.mobile,
                        lead.owner_id,
                        lead.custom_fields(),
                    )
                )
        except ValidationError as exc:
            for error in exc.errors():
                name = ".".join(str(p) for p in error["loc"]) or "row"
                message = error["msg"].removeprefix("Value error, ")
                problems.append(f"{where}, {name}: {message}")
        except ValueError as exc:
            problems.append(f"{where}, {exc}")
    for kind, records in (("user", users), ("lead", leads)):
        seen: set[str] = set()
        for record in records:
            if record.id in seen:
                problems.append(f"{kind} id {record.id!r} appears more than once")
            seen.add(record.id)
    if problems:
        shown = problems[:_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more")
        raise CrmImportError(f"{source}: {len(problems)} problem(s); nothing was imported", shown)
    return users, leads


def import_file(store: CrmStore, path: str | Path) -> ImportSummary:
    """Import users and leads from ``path`` in one transaction (all rows or none)."""
    users, leads = load_rows(path)
    counts = {(kind, result): 0 for kind in ("users", "leads") for result in UpsertResult}
    with store.transaction():
        for user in users:
            counts["users", store.upsert_user(user)] += 1
        for lead in leads:
            counts["leads", store.upsert_lead(lead)] += 1
    return ImportSummary(
        users_created=counts["users", UpsertResult.CREATED],
        users_updated=counts["users", UpsertResult.UPDATED],
        users_unchanged=counts["users", UpsertResult.UNCHANGED],
        leads_created=counts["leads", UpsertResult.CREATED],
        leads_updated=counts["leads", UpsertResult.UPDATED],
        leads_unchanged=counts["leads", UpsertResult.UNCHANGED],
    )
