"""What ``mcc load`` is told on its command line, parsed once into typed values.

Every parser here raises :class:`LoadInputError` with one line that names the
option and what is wrong (``mcc load`` prints it and exits 2):

- durations: ``90`` (seconds), ``500ms``, ``30s``, ``5m``, ``1h``, ``1h30m``;
- the traffic mix: ``click_to_call=1,agent_popup=10,did_list=0.1`` (weights,
  relative to each other);
- p95 thresholds: ``click_to_call=3000ms,agent_popup=1s`` (a bare number is
  milliseconds);
- loopback: a target on this machine (``127.0.0.0/8``, ``::1``,
  ``localhost``) needs no ``--yes``; any other host does, because a load run
  against it places real calls.

Nothing here imports Locust: the command parses and refuses bad input before
it starts anything.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from contracts.errors import ContractsError

__all__ = [
    "API_NAMES",
    "CALLLOG_DIALECTS",
    "MAX_DURATION_S",
    "MAX_RPS",
    "MAX_USERS",
    "USER_CLASSES",
    "LoadInputError",
    "base_url",
    "is_loopback",
    "parse_duration",
    "parse_mix",
    "parse_thresholds",
]

# The connector's three APIs (connector.config.API_NAMES; a test keeps them equal).
API_NAMES = ("click_to_call", "agent_popup", "did_list")
# The call-log formats the connector reads, one per provider family.
CALLLOG_DIALECTS = ("ozonetel", "generic", "knowlarity")
MAX_DURATION_S = 24 * 3600.0
MAX_USERS = 5000
MAX_RPS = 10_000.0
# --user-class: Locust's FastHttpUser, or users sending through connector.Client.
USER_CLASSES = {"fast": "ConnectorFastUser", "connector": "ConnectorClientUser"}
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


class LoadInputError(ContractsError, ValueError):
    """Bad input to ``mcc load``: one line naming the option and what is wrong."""


def parse_duration(text: str, option: str = "--duration") -> float:
    """Seconds from ``90``, ``500ms``, ``30s``, ``5m``, ``1h`` or ``1h30m``."""
    raw = text.strip().lower()
    seconds: float | None = None
    try:
        seconds = float(raw)
    except ValueError:
        parts = _PART.findall(raw)
        if parts and "".join(n + u for n, u in parts) == raw:
            seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds is None or not math.isfinite(seconds):
        raise LoadInputError(f"{option} {text!r} is not a duration like 90, 30s, 5m, 1h or 1h30m")
    if seconds <= 0:
        raise LoadInputError(f"{option} {text!r} must be more than zero")
    return seconds


def _pairs(text: str, option: str, example: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for piece in text.split(","):
        name, sep, value = piece.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise LoadInputError(f"{option} {text!r}: write NAME=VALUE pairs, e.g. {example}")
        if any(name == seen for seen, _ in pairs):
            raise LoadInputError(f"{option} {text!r}: {name} is given twice")
        pairs.append((name, value))
    return pairs


def _known(name: str, known: Iterable[str], option: str) -> None:
    names = tuple(known)
    if name not in names:
        raise LoadInputError(f"{option}: unknown name {name!r}; use {', '.join(names)}")


def parse_mix(text: str, known: Iterable[str] = API_NAMES) -> dict[str, float]:
    """``click_to_call=1,agent_popup=10`` -> weights; zero weights are dropped."""
    names = tuple(known)
    example = ",".join(f"{name}=1" for name in names[:2])
    mix: dict[str, float] = {}
    for name, value in _pairs(text, "--mix", example):
        _known(name, names, "--mix")
        try:
            weight = float(value)
        except ValueError:
            raise LoadInputError(f"--mix {name}={value}: the weight is not a number") from None
        if not math.isfinite(weight) or weight < 0:
            raise LoadInputError(f"--mix {name}={value}: the weight must be 0 or more")
        if weight > 0:
            mix[name] = weight
    if not mix:
        raise LoadInputError(f"--mix {text!r}: give at least one weight above 0")
    return mix


def parse_thresholds(text: str, known: Iterable[str] = API_NAMES) -> dict[str, float]:
    """``click_to_call=3000ms,agent_popup=1s`` -> milliseconds per name."""
    names = tuple(known)
    limits: dict[str, float] = {}
    for name, value in _pairs(text, "--p95", f"{names[0]}=3000ms"):
        _known(name, names, "--p95")
        bare = value.strip().lower()
        if re.fullmatch(r"\d+(\.\d+)?", bare):  # a bare number is milliseconds
            bare += "ms"
        limits[name] = parse_duration(bare, f"--p95 {name}") * 1000.0
    return limits


def base_url(text: str, option: str = "--target") -> str:
    """``scheme://host[:port]`` of a URL; refuses anything else and credentials in it."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadInputError(f"{option} {text!r} is not a base URL like https://host[:port]")
    if parts.username or parts.password:
        raise LoadInputError(
            f"{option}: put no user name or password in the URL; credentials come from"
            " the environment"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise LoadInputError(f"{option} {text!r} has a port that is not a number") from None
    return f"{parts.scheme}://{parts.netloc}"


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is this machine: 127.0.0.0/8, ::1 or localhost."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
