"""DID list clause: a non-empty list of valid, distinct numbers a data rule captures."""

from __future__ import annotations

import json
from collections.abc import Mapping

import connector
from contracts.clauses.context import Context
from contracts.clauses.expect import answered, describe_answer
from contracts.clauses.registry import Verdict, clause, failed, passed

API = "did_list"
# A list of objects (Knowlarity's numbers API) holds each number under one of
# these keys: the ones the connector's DID sync reads (calling.did_sync).
NUMBER_KEYS = ("number", "did", "Number", "DID", "k_number", "phone_number")


def _entry(item: object) -> str:
    """One list entry as text: the number of an object, or the item itself."""
    if isinstance(item, Mapping):
        key = next((k for k in NUMBER_KEYS if k in item), None)
        return str(item if key is None else item[key]).strip()
    return str(item).strip()


def as_list(value: object) -> list[str] | None:
    """A captured value as a list of texts: a JSON list (of numbers, or of objects
    with a ``number``), or comma-separated text."""
    if isinstance(value, list | tuple):
        return [_entry(item) for item in value]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                loaded = json.loads(text)
            except ValueError:
                loaded = None
            if isinstance(loaded, list):
                return [_entry(item) for item in loaded]
        if "," in text or text.isdigit():
            return [part.strip() for part in text.split(",") if part.strip()]
    return None


@clause("did_list.numbers", API, "Success carries a non-empty list of valid, distinct numbers")
def numbers(ctx: Context) -> Verdict:
    """The connector gates pop-ups on this list, so every entry must be a real number."""
    ctx.api(API)
    label = "list DIDs"
    result = answered(ctx, ctx.call(API, label), label)
    evidence = ctx.evidence(result, label)
    if not result.outcome.ok:
        return failed(
            f"the DID list was mapped to error ({describe_answer(result)}):"
            f" {evidence.outcome_message}",
            evidence,
        )
    lists: dict[str, list[str]] = {}
    for data_key, value in result.outcome.data.items():
        items = as_list(value)
        if items is not None:
            lists[data_key] = items
    if not lists:
        return failed(
            "no data rule captured a list of numbers (add a data rule for the list field,"
            " e.g. did_list or DIDs)",
            evidence,
        )
    key, items = max(lists.items(), key=lambda kv: len(kv[1]))
    if not items:
        return failed(
            f"{key} is an empty list: the account has no DID to gate pop-ups on", evidence
        )
    region = ctx.config.default_region
    invalid: list[str] = []
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for item in items:
        try:
            phone = connector.parse_phone(item, region)
        except connector.PhoneNumberError:
            invalid.append(item)
            continue
        if phone.e164 in seen:
            duplicates.append(item)
        seen.setdefault(phone.e164, item)
    problems = []
    if invalid:
        problems.append(f"invalid numbers {', '.join(repr(ctx.mask(i)) for i in invalid)}")
    if duplicates:
        problems.append(f"duplicates {', '.join(repr(ctx.mask(d)) for d in duplicates)}")
    if problems:
        return failed(f"{key} has {' and '.join(problems)} among {len(items)} entries", evidence)
    return passed(f"{len(items)} valid, distinct numbers in {key}")
