"""Seed documents: load the YAML and merge it into a :class:`Directory`.

The same merge serves the default seed, ``SimulatorConfig.seed`` /
``seed_path`` and ``POST /_sim/seed``. Keys (all optional)::

    accounts:   {name: {username, api_key, knowlarity_api_key,
                        knowlarity_authorization, callback_url, rate_limit_per_minute}}
    agents:     {id: {phone, phone_name, name, logged_in, ready, mode, offline, notify_url}}
    campaigns:  {name: {did, dnd_check, offline}}
    dids:       [number, ...]          (any Indian written form)
    dnd:        [number, ...]
    blacklist:  [number, ...]
    rate_limits: {account: per_minute or null}

Merging updates the named entries field by field and adds list items; it
never deletes (``POST /_sim/reset`` goes back to the seed).

A merge runs in two steps so that the simulator's lock is held only briefly:
:func:`prepare_seed` checks the document and reads every number (the slow
part, no state touched, no lock), then :func:`apply_seed` builds the new
directory from the current one in linear time, under the lock. Bounds: at
most 1,000 accounts, 10,000 agents and campaigns, 100,000 numbers in each
list (in a document and in the simulator), 4,096 characters a field; a YAML
file at most 4 MiB, nested at most 32 deep, and at most 1,000,000 nodes once
its aliases are expanded (a "billion laughs" is refused in milliseconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from simulator.errors import SimulatorError
from simulator.limits import (
    MAX_ACCOUNTS,
    MAX_AGENTS,
    MAX_CAMPAIGNS,
    MAX_NUMBERS,
    MAX_SEED_FILE_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    checked_number,
)
from simulator.state.directory import AGENT_MODES, Account, Agent, Campaign, Directory
from simulator.state.numbers import national

__all__ = [
    "DEFAULT_SEED_PATH",
    "PreparedSeed",
    "SeedError",
    "apply_seed",
    "checked_url",
    "directory_from_seed",
    "load_seed",
    "merge_seed",
    "prepare_seed",
]

DEFAULT_SEED_PATH = Path(__file__).with_name("seed") / "default.yaml"
SEED_KEYS = ("accounts", "agents", "blacklist", "campaigns", "dids", "dnd", "rate_limits")
MAX_FIELD_CHARS = 4096
MAX_URL_CHARS = 2048
MAX_RATE_LIMIT = 1_000_000
_BOUNDS = {
    "accounts": MAX_ACCOUNTS,
    "agents": MAX_AGENTS,
    "campaigns": MAX_CAMPAIGNS,
    "dids": MAX_NUMBERS,
    "dnd": MAX_NUMBERS,
    "blacklist": MAX_NUMBERS,
    "rate_limits": MAX_ACCOUNTS,
}
_ACCOUNT_FIELDS = {
    "username": str,
    "api_key": str,
    "knowlarity_api_key": str,
    "knowlarity_authorization": str,
    "callback_url": (str, type(None)),
    "rate_limit_per_minute": (int, type(None)),
}
_AGENT_FIELDS = {
    "phone": str,
    "phone_name": (str, type(None)),
    "name": str,
    "logged_in": bool,
    "ready": bool,
    "mode": str,
    "offline": bool,
    "notify_url": (str, type(None)),
}
_CAMPAIGN_FIELDS = {"did": str, "dnd_check": bool, "offline": bool}


class SeedError(SimulatorError, ValueError):
    """A seed document is invalid; the message names the key to fix."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader that refuses deep nesting and runaway alias expansion.

    Each composed node records its size once its aliases are expanded
    (itself plus its children's sizes; an alias counts its anchor's whole
    size), so nine aliases of nine aliases of ... are caught at the level
    where the expansion passes ``MAX_YAML_NODES``, without expanding anything.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        alias = self.check_event(yaml.AliasEvent)
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise SeedError(f"nests deeper than {MAX_YAML_DEPTH} levels")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if alias:
            size = self._sizes.get(id(node))
            if size is None:
                raise SeedError("has a YAML alias to a node that holds it (a recursive alias)")
        else:
            children: list[yaml.Node] = []
            if isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            elif isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            size = 1 + sum(self._sizes.get(id(child), 1) for child in children)
            self._sizes[id(node)] = size
        if size > MAX_YAML_NODES:
            raise SeedError(
                f"has YAML aliases that expand to more than {MAX_YAML_NODES:,} values"
                " (a 'billion laughs'); write the values out instead"
            )
        return node


def load_seed(path: str | Path | None = None) -> dict[str, Any]:
    """Read a seed YAML file (default: the packaged ``seed/default.yaml``).

    Every failure is a :class:`SeedError` with a one-line message.
    """
    seed_path = Path(path) if path is not None else DEFAULT_SEED_PATH
    try:
        with seed_path.open("rb") as handle:
            raw = handle.read(MAX_SEED_FILE_BYTES + 1)
    except OSError as exc:
        raise SeedError(f"cannot read seed file {seed_path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_SEED_FILE_BYTES:
        raise SeedError(f"seed file {seed_path} is larger than {MAX_SEED_FILE_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedError(f"seed file {seed_path} is not UTF-8 text ({exc.reason})") from None
    try:
        data = yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader subclass
    except SeedError as exc:
        raise SeedError(f"seed file {seed_path} {exc}") from None
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise SeedError(f"seed file {seed_path} is not valid YAML: {detail}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SeedError(f"seed file {seed_path} must hold a mapping at the top")
    return data


@dataclass(frozen=True)
class PreparedSeed:
    """A checked seed document, its numbers already in national form."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    dids: list[str] = field(default_factory=list)
    dnd: list[str] = field(default_factory=list)
    blacklist: list[str] = field(default_factory=list)
    rate_limits: dict[str, int | None] = field(default_factory=dict)


def prepare_seed(doc: Mapping[str, Any]) -> PreparedSeed:
    """Check ``doc`` and read its numbers; touches no state (run it outside any lock)."""
    if not isinstance(doc, Mapping):
        raise SeedError("a seed document must be a JSON/YAML object")
    unknown = sorted(str(key)[:40] for key in set(doc) - set(SEED_KEYS))
    if unknown:
        raise SeedError(
            f"unknown seed key(s): {', '.join(unknown[:10])}; valid keys: {', '.join(SEED_KEYS)}"
        )
    for key, most in _BOUNDS.items():
        value = doc.get(key)
        if isinstance(value, Mapping | list) and len(value) > most:
            raise SeedError(f"{key}: at most {most:,} entries in a seed, not {len(value):,}")
    accounts = {}
    for name, spec in _mapping(doc, "accounts").items():
        where = f"accounts.{_shown(name)}"
        fields = _fields(where, spec, _ACCOUNT_FIELDS)
        if fields.get("rate_limit_per_minute") is not None:
            _rate_limit(fields["rate_limit_per_minute"], f"{where}.rate_limit_per_minute")
        accounts[str(name)] = fields
    agents = {}
    for agent_id, spec in _mapping(doc, "agents").items():
        where = f"agents.{_shown(agent_id)}"
        fields = _fields(where, spec, _AGENT_FIELDS)
        _normalise_number(fields, "phone", where)
        if fields.get("notify_url") is not None:
            fields["notify_url"] = checked_url(fields["notify_url"], f"{where}.notify_url")
        if "mode" in fields and fields["mode"] not in AGENT_MODES:
            raise SeedError(f"{where}.mode must be one of {', '.join(AGENT_MODES)}")
        agents[str(agent_id)] = fields
    campaigns = {}
    for name, spec in _mapping(doc, "campaigns").items():
        where = f"campaigns.{_shown(name)}"
        fields = _fields(where, spec, _CAMPAIGN_FIELDS)
        _normalise_number(fields, "did", where)
        campaigns[str(name)] = fields
    rate_limits = {}
    for name, limit in _mapping(doc, "rate_limits").items():
        if limit is not None:
            _rate_limit(limit, f"rate_limits.{_shown(name)}")
        rate_limits[str(name)] = limit
    return PreparedSeed(
        accounts=accounts,
        agents=agents,
        campaigns=campaigns,
        dids=_numbers(doc, "dids"),
        dnd=_numbers(doc, "dnd"),
        blacklist=_numbers(doc, "blacklist"),
        rate_limits=rate_limits,
    )


def apply_seed(directory: Directory, seed: PreparedSeed) -> Directory:
    """A new directory: ``directory`` with ``seed`` merged in (linear; ``directory`` unchanged)."""
    accounts = {k: Account(**vars(v)) for k, v in directory.accounts.items()}
    agents = {k: Agent(**vars(v)) for k, v in directory.agents.items()}
    campaigns = {k: Campaign(**vars(v)) for k, v in directory.campaigns.items()}
    for name, fields in seed.accounts.items():
        current = accounts.get(name)
        if current is not None:
            vars(current).update(fields)
            continue
        missing = [k for k in ("username", "api_key") if k not in fields]
        if missing:
            raise SeedError(f"accounts.{_shown(name)}: a new account needs {' and '.join(missing)}")
        accounts[name] = Account(name=name, **fields)
    for agent_id, fields in seed.agents.items():
        if agent_id in agents:
            vars(agents[agent_id]).update(fields)
        elif "phone" not in fields:
            raise SeedError(f"agents.{_shown(agent_id)}: a new agent needs a phone")
        else:
            agents[agent_id] = Agent(id=agent_id, **fields)
    for name, fields in seed.campaigns.items():
        if name in campaigns:
            vars(campaigns[name]).update(fields)
        elif "did" not in fields:
            raise SeedError(f"campaigns.{_shown(name)}: a new campaign needs a did")
        else:
            campaigns[name] = Campaign(name=name, **fields)
    for name, limit in seed.rate_limits.items():
        if name not in accounts:
            raise SeedError(f"rate_limits.{_shown(name)}: no such account")
        accounts[name].rate_limit_per_minute = limit
    merged = Directory(
        accounts=accounts,
        agents=agents,
        campaigns=campaigns,
        # dict.fromkeys keeps the first place of each DID: linear, unlike a list scan.
        dids=list(dict.fromkeys([*directory.dids, *seed.dids])),
        dnd=directory.dnd.union(seed.dnd),
        blacklist=directory.blacklist.union(seed.blacklist),
    )
    for key in ("accounts", "agents", "campaigns", "dids", "dnd", "blacklist"):
        held, most = len(getattr(merged, key)), _BOUNDS[key]
        if held > most:
            raise SeedError(
                f"{key}: at most {most:,} in the simulator; this seed would make {held:,}"
            )
    return merged


def directory_from_seed(doc: Mapping[str, Any]) -> Directory:
    """A fresh directory holding exactly what ``doc`` describes."""
    return apply_seed(Directory(), prepare_seed(doc))


def merge_seed(directory: Directory, doc: Mapping[str, Any]) -> None:
    """Merge ``doc`` into ``directory`` in place (checked first: all or nothing)."""
    vars(directory).update(vars(apply_seed(directory, prepare_seed(doc))))


def checked_url(value: Any, where: str) -> str:
    """``value`` when it is an absolute http(s) URL of at most 2,048 characters."""
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_URL_CHARS:
        raise SeedError(f"{where} is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(text) if text.isprintable() and " " not in text else None
        host = parts.hostname if parts is not None else None
    except ValueError:  # an unbalanced [IPv6] bracket
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise SeedError(f"{where} must be an http:// or https:// URL with a host, or null")
    return text


def _shown(name: Any) -> str:
    """A name as shown in a message: at most 40 characters of it."""
    text = str(name)
    return text if len(text) <= 40 else text[:40] + "…"


def _rate_limit(value: Any, where: str) -> None:
    wanted = f"{where} must be a whole number from 0 to {MAX_RATE_LIMIT} or null"
    if isinstance(value, bool) or not isinstance(value, int):
        raise SeedError(wanted)
    checked_number(value, where, 0, MAX_RATE_LIMIT, whole=True, error=SeedError)


def _mapping(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    # Only null means "nothing" (a YAML key left empty); "", 0 or false are wrong types.
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SeedError(f"{key} must be a mapping of name -> fields")
    return value


def _numbers(doc: Mapping[str, Any], key: str) -> list[str]:
    """The list's numbers in national form, each once, in order."""
    values = doc.get(key)
    if values is None:
        return []
    if not isinstance(values, list):
        raise SeedError(f"{key} must be a list of phone numbers")
    result = []
    for index, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise SeedError(f"{key}[{index}] must be a phone number, not {type(value).__name__}")
        text = str(value)
        number = national(text) if len(text) <= 32 else None
        if number is None:
            raise SeedError(f"{key}[{index}]: {_shown(text)!r} is not a valid Indian phone number")
        result.append(number)
    return list(dict.fromkeys(result))


def _fields(where: str, spec: Any, allowed: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise SeedError(f"{where} must be a mapping of fields")
    unknown = sorted(_shown(key) for key in set(spec) - set(allowed))
    if unknown:
        raise SeedError(
            f"{where}: unknown field(s) {', '.join(unknown[:10])};"
            f" valid: {', '.join(sorted(allowed))}"
        )
    for key, value in spec.items():
        expected = allowed[key]
        types = expected if isinstance(expected, tuple) else (expected,)
        if isinstance(value, bool) and bool not in types:
            raise SeedError(f"{where}.{key} must not be true/false")
        if not isinstance(value, types):
            raise SeedError(f"{where}.{key} has the wrong type ({type(value).__name__})")
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            raise SeedError(f"{where}.{key} is longer than {MAX_FIELD_CHARS} characters")
    return dict(spec)


def _normalise_number(fields: dict[str, Any], key: str, where: str) -> None:
    """Hold ``fields[key]`` (when given) in national form, or say which field is wrong."""
    if key in fields:
        number = national(fields[key])
        if number is None:
            raise SeedError(f"{where}.{key} {_shown(fields[key])!r} is not a valid number")
        fields[key] = number
