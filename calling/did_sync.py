"""DID list sync and the DID gate of the incoming pop-up.

The provider's "List All DID Numbers" API says which numbers calls arrive on.
A sync calls it, takes the list the data rules captured (``did_list``,
``DIDs`` or ``data``; a JSON list or Ozonetel's comma-separated text), and
replaces the stored set in one step. An answer that is an error, carries no
list, or whose list holds no valid number keeps the last good list and records
why: a provider hiccup must not switch every pop-up off.

:class:`DidGate` holds the set as a ``frozenset`` of E.164 strings, so the
pop-up decision is one hash lookup however many DIDs an account has.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from connector.client import Client
from connector.config import ConnectorConfig
from connector.errors import ConnectorError, PhoneNumberError
from connector.mapping import Outcome
from connector.phone import PhoneNumber, parse_phone
from connector.templating import MergeContext

__all__ = [
    "DID_DATA_KEYS",
    "DidGate",
    "DidStore",
    "DidSyncResult",
    "did_candidates",
    "sync_dids",
]

# Where the data rules put the list, in the order they are looked at.
DID_DATA_KEYS = ("did_list", "DIDs", "data", "dids", "objects", "NonJSON")
# Knowlarity's numbers API answers a list of objects; these keys hold the number.
_NUMBER_KEYS = ("number", "did", "Number", "DID", "k_number", "phone_number")


class DidStore(Protocol):
    """What a DID sync needs from the CRM store."""

    def did_set(self) -> frozenset[str]: ...
    def replace_dids(self, numbers: Iterable[str], synced_at: datetime) -> Any: ...
    def record_did_sync_failure(self, reason: str, at: datetime) -> Any: ...


@dataclass(frozen=True)
class DidSyncResult:
    """One sync run: whether the list was replaced, and the list now in force."""

    ok: bool
    message: str
    dids: frozenset[str]  # E.164, the list in force after this run
    skipped: tuple[str, ...] = ()  # entries of the answer that are not phone numbers
    outcome: Outcome | None = field(default=None, repr=False)


def _split(value: Any) -> list[str]:
    """Entries of a captured value: a list, a dict of lists, or comma/space-separated text."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").replace("\n", ",").split(",")]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(int(value))]
    if isinstance(value, Mapping):
        for key in _NUMBER_KEYS:
            if key in value:
                return _split(value[key])
        return []
    if isinstance(value, Sequence):
        out: list[str] = []
        for item in value:
            out.extend(_split(item))
        return out
    return []


def did_candidates(data: Mapping[str, Any]) -> list[str] | None:
    """The raw DID entries from captured data, or ``None`` when no list was captured."""
    for key in DID_DATA_KEYS:
        if key in data and data[key] not in (None, "", [], {}):
            return [entry for entry in _split(data[key]) if entry]
    return None


def _normalise(entries: Iterable[str], region: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """E.164 -> the entry as the provider wrote it (first one wins), and the invalid entries."""
    good: dict[str, str] = {}
    bad: list[str] = []
    for entry in entries:
        try:
            good.setdefault(parse_phone(entry, region).e164, entry)
        except PhoneNumberError:
            bad.append(entry)
    return good, tuple(bad)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DidGate:
    """The cached DID set; :meth:`admits` is the pop-up's gate decision."""

    def __init__(self, store: DidStore, region: str = "IN") -> None:
        self._store = store
        self.region = region
        self._dids: frozenset[str] | None = None
        self._lock = threading.Lock()

    @property
    def dids(self) -> frozenset[str]:
        """The set in force, read from the store once and then cached."""
        dids = self._dids
        if dids is None:
            with self._lock:
                if self._dids is None:
                    self._dids = frozenset(self._store.did_set())
                dids = self._dids
        return dids

    def refresh(self, dids: Iterable[str] | None = None) -> frozenset[str]:
        """Swap in ``dids`` (or re-read the store); readers see the old or the new set."""
        fresh = frozenset(self._store.did_set() if dids is None else dids)
        with self._lock:
            self._dids = fresh
        return fresh

    def admits(self, caller: str | PhoneNumber) -> bool:
        """True when ``caller``, in any written form, is one of the DIDs."""
        if isinstance(caller, PhoneNumber):
            return caller.e164 in self.dids
        try:
            return parse_phone(caller, self.region).e164 in self.dids
        except PhoneNumberError:
            return False


def _failed(
    store: DidStore,
    reason: str,
    outcome: Outcome | None,
    at: datetime,
    skipped: tuple[str, ...] = (),
) -> DidSyncResult:
    store.record_did_sync_failure(reason, at)
    kept = frozenset(store.did_set())
    return DidSyncResult(
        ok=False,
        message=f"{reason}; kept the last good list of {len(kept)} DID(s)",
        dids=kept,
        skipped=skipped,
        outcome=outcome,
    )


def sync_dids(
    store: DidStore,
    client: Client,
    config: ConnectorConfig,
    *,
    gate: DidGate | None = None,
    clock: Callable[[], datetime] = _utcnow,
) -> DidSyncResult:
    """Run the DID list API once and replace the stored set, or keep it and say why.

    Secrets come from the ``client``'s environment. ``gate``, when given, is
    refreshed with the new set so pop-ups use it at once.
    """
    api = config.api("did_list")
    try:
        result = client.call(api, MergeContext(region=config.default_region), name="did_list")
    except ConnectorError as exc:  # a template or config problem: nothing was sent
        return _failed(store, f"the DID list request cannot be built: {exc}", None, clock())
    outcome = result.outcome
    if not outcome.ok:
        reason = f"the provider answered with an error: {outcome.message}"
        return _failed(store, reason, outcome, clock())
    entries = did_candidates(outcome.data)
    if entries is None:
        captured = ", ".join(sorted(outcome.data)) or "nothing"
        reason = (
            f"the answer carries no DID list (captured: {captured});"
            " add a data rule for did_list, DIDs or data"
        )
        return _failed(store, reason, outcome, clock())
    numbers, skipped = _normalise(entries, config.default_region)
    if not numbers:
        reason = f"the DID list holds no valid phone number ({len(skipped)} entries)"
        return _failed(store, reason, outcome, clock(), skipped)
    store.replace_dids(list(numbers.values()), clock())
    dids = frozenset(numbers)
    if gate is not None:
        gate.refresh(dids)
    note = f"; skipped {len(skipped)} invalid entries" if skipped else ""
    return DidSyncResult(
        ok=True,
        message=f"synced {len(dids)} DID(s){note}",
        dids=dids,
        skipped=skipped,
        outcome=outcome,
    )
