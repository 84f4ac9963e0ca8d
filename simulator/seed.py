"""Seed documents: load the YAML and merge it into a :class:`Directory`.

The same merge serves the default seed, ``SimulatorConfig.seed`` /
``seed_path`` and ``POST /_sim/seed``. Keys (all optional)::

    accounts:   {name: {username, api_key, knowlarity_api_key,
                        knowlarity_authorization, callback_url, rate_limit_per_minute}}
    agents:     {id: {phone, phone_name, name, logged_in, ready, mode, offline}}
    campaigns:  {name: {did, dnd_check, offline}}
    dids:       [number, ...]          (any Indian written form)
    dnd:        [number, ...]
    blacklist:  [number, ...]
    rate_limits: {account: per_minute or null}

Merging updates the named entries field by field and adds list items; it
never deletes (``POST /_sim/reset`` goes back to the seed).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import SimulatorError
from simulator.state.directory import AGENT_MODES, Account, Agent, Campaign, Directory
from simulator.state.numbers import national

__all__ = ["DEFAULT_SEED_PATH", "SeedError", "directory_from_seed", "load_seed", "merge_seed"]

DEFAULT_SEED_PATH = Path(__file__).with_name("seed") / "default.yaml"
SEED_KEYS = ("accounts", "agents", "blacklist", "campaigns", "dids", "dnd", "rate_limits")
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
}
_CAMPAIGN_FIELDS = {"did": str, "dnd_check": bool, "offline": bool}


class SeedError(SimulatorError, ValueError):
    """A seed document is invalid; the message names the key to fix."""


def load_seed(path: str | Path | None = None) -> dict[str, Any]:
    """Read a seed YAML file (default: the packaged ``seed/default.yaml``)."""
    seed_path = Path(path) if path is not None else DEFAULT_SEED_PATH
    try:
        data = yaml.safe_load(seed_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"cannot read seed file {seed_path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SeedError(f"seed file {seed_path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SeedError(f"seed file {seed_path} must hold a mapping at the top")
    return data


def directory_from_seed(doc: Mapping[str, Any]) -> Directory:
    """A fresh directory holding exactly what ``doc`` describes."""
    directory = Directory()
    merge_seed(directory, doc)
    return directory


def merge_seed(directory: Directory, doc: Mapping[str, Any]) -> None:
    """Merge ``doc`` into ``directory`` (validated first: all or nothing)."""
    if not isinstance(doc, Mapping):
        raise SeedError("a seed document must be a JSON/YAML object")
    unknown = sorted(set(doc) - set(SEED_KEYS))
    if unknown:
        raise SeedError(
            f"unknown seed key(s): {', '.join(unknown)}; valid keys: {', '.join(SEED_KEYS)}"
        )
    # Validate into a scratch copy so that a bad document changes nothing.
    scratch = Directory(
        accounts={k: Account(**vars(v)) for k, v in directory.accounts.items()},
        agents={k: Agent(**vars(v)) for k, v in directory.agents.items()},
        campaigns={k: Campaign(**vars(v)) for k, v in directory.campaigns.items()},
        dids=list(directory.dids),
        dnd=set(directory.dnd),
        blacklist=set(directory.blacklist),
    )
    for name, spec in _mapping(doc, "accounts").items():
        _merge_account(scratch, str(name), spec)
    for agent_id, spec in _mapping(doc, "agents").items():
        _merge_agent(scratch, str(agent_id), spec)
    for name, spec in _mapping(doc, "campaigns").items():
        _merge_campaign(scratch, str(name), spec)
    for did in _numbers(doc, "dids"):
        if did not in scratch.dids:
            scratch.dids.append(did)
    scratch.dnd.update(_numbers(doc, "dnd"))
    scratch.blacklist.update(_numbers(doc, "blacklist"))
    for name, limit in _mapping(doc, "rate_limits").items():
        if name not in scratch.accounts:
            raise SeedError(f"rate_limits.{name}: no such account")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise SeedError(f"rate_limits.{name} must be a whole number or null")
        scratch.accounts[name].rate_limit_per_minute = limit
    vars(directory).update(vars(scratch))


def _mapping(doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key) or {}
    if not isinstance(value, Mapping):
        raise SeedError(f"{key} must be a mapping of name -> fields")
    return value


def _numbers(doc: Mapping[str, Any], key: str) -> list[str]:
    values = doc.get(key) or []
    if not isinstance(values, list):
        raise SeedError(f"{key} must be a list of phone numbers")
    result = []
    for value in values:
        number = national(str(value))
        if number is None:
            raise SeedError(f"{key}: {value!r} is not a valid Indian phone number")
        result.append(number)
    return result


def _fields(where: str, spec: Any, allowed: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise SeedError(f"{where} must be a mapping of fields")
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        raise SeedError(
            f"{where}: unknown field(s) {', '.join(unknown)}; valid: {', '.join(sorted(allowed))}"
        )
    for key, value in spec.items():
        expected = allowed[key]
        types = expected if isinstance(expected, tuple) else (expected,)
        if isinstance(value, bool) and bool not in types:
            raise SeedError(f"{where}.{key} must not be true/false")
        if not isinstance(value, types):
            raise SeedError(f"{where}.{key} has the wrong type ({type(value).__name__})")
    return dict(spec)


def _normalise_number(fields: dict[str, Any], key: str, where: str) -> None:
    """Hold ``fields[key]`` (when given) in national form, or say which field is wrong."""
    if key in fields:
        number = national(fields[key])
        if number is None:
            raise SeedError(f"{where}.{key} {fields[key]!r} is not a valid number")
        fields[key] = number


def _merge_account(directory: Directory, name: str, spec: Any) -> None:
    fields = _fields(f"accounts.{name}", spec, _ACCOUNT_FIELDS)
    current = directory.accounts.get(name)
    if current is None:
        missing = [k for k in ("username", "api_key") if k not in fields]
        if missing:
            raise SeedError(f"accounts.{name}: a new account needs {' and '.join(missing)}")
        directory.accounts[name] = Account(name=name, **fields)
    else:
        vars(current).update(fields)


def _merge_agent(directory: Directory, agent_id: str, spec: Any) -> None:
    fields = _fields(f"agents.{agent_id}", spec, _AGENT_FIELDS)
    _normalise_number(fields, "phone", f"agents.{agent_id}")
    if "mode" in fields and fields["mode"] not in AGENT_MODES:
        raise SeedError(f"agents.{agent_id}.mode must be one of {', '.join(AGENT_MODES)}")
    current = directory.agents.get(agent_id)
    if current is None:
        if "phone" not in fields:
            raise SeedError(f"agents.{agent_id}: a new agent needs a phone")
        directory.agents[agent_id] = Agent(id=agent_id, **fields)
    else:
        vars(current).update(fields)


def _merge_campaign(directory: Directory, name: str, spec: Any) -> None:
    fields = _fields(f"campaigns.{name}", spec, _CAMPAIGN_FIELDS)
    _normalise_number(fields, "did", f"campaigns.{name}")
    current = directory.campaigns.get(name)
    if current is None:
        if "did" not in fields:
            raise SeedError(f"campaigns.{name}: a new campaign needs a did")
        directory.campaigns[name] = Campaign(name=name, **fields)
    else:
        vars(current).update(fields)
