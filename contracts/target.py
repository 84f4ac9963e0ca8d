"""What a run talks to: the embedded simulator (default) or a partner's URL.

The embedded simulator is started on a free loopback port, its state reset
and arranged through the control plane, and the config's secrets are seeded
as the account's credentials: a run with canary keys proves that no key
leaks into a report. ``simulator`` is imported only here, inside
:func:`start_embedded`, so ``contracts`` depends on it only as a default target.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

import connector
from contracts.errors import CannotRunError
from contracts.fixtures import (
    EMBEDDED,
    EMBEDDED_ACCOUNT,
    EMBEDDED_API_KEY,
    EMBEDDED_CAMPAIGN,
    EMBEDDED_USERNAME,
    ControlPlane,
    Fixtures,
    arrange_simulator,
)
from contracts.probe import HeadersOnly

__all__ = [
    "CannotRunError",
    "Target",
    "config_secrets",
    "embedded_env",
    "open_url",
    "require_env",
    "start_embedded",
]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PROBE_TIMEOUT_S = 5.0
# Knowlarity's demo keys (simulator/seed/default.yaml).
_KNOWLARITY_KEY = "knowlarity-app-key-demo"
_KNOWLARITY_AUTH = "00000000-0000-4000-8000-000000000001"
_DEMO = {
    "username": EMBEDDED_USERNAME,
    "api_key": EMBEDDED_API_KEY,
    "knowlarity_api_key": _KNOWLARITY_KEY,
    "knowlarity_authorization": _KNOWLARITY_AUTH,
}


@dataclass
class Target:
    """A base URL to verify, with the simulator's control plane when embedded."""

    base_url: str
    kind: str  # "embedded" or "url"
    control: ControlPlane | None = None
    fixtures: Fixtures = field(default_factory=Fixtures)
    account: Mapping[str, Any] = field(default_factory=dict)
    _server: Any = None

    def close(self) -> None:
        """Stop the embedded simulator, if any."""
        if self.control is not None:
            self.control.close()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def push_call_logs_to(self, url: str, *, per_call: bool) -> None:
        """Embedded: make the simulator a partner that passes the call-log clauses.

        The account's callback URL is the run's receiver (unless the config
        sends the URL with each call), and the Ozonetel key echo is off: real
        Ozonetel echoes it, and ``callback.secrets`` fails that (the simulator's
        default, ``echo_api_key``, shows it).
        """
        if self.control is None:
            return
        if not per_call:
            self.account = {**self.account, "callback_url": url}
            self.control.seed({"accounts": {EMBEDDED_ACCOUNT: dict(self.account)}})
        self.control.profile("compliant", echo_api_key=False)

    def rearm(self) -> None:
        """Embedded: make sure the test agent has a ringing call (an earlier probe may
        have ended it)."""
        phone = self.fixtures.ringing_agent_phone
        if self.control is not None and phone and not self.control.has_live_call(phone):
            arrange_simulator(self.control, account=self.account, fixtures=self.fixtures)

    def limit_rate(self, api: str) -> AbstractContextManager[None]:
        """Embedded: the account allows no request for the duration of the block."""
        return self._limited()

    @contextmanager
    def _limited(self) -> Iterator[None]:
        if self.control is None:
            yield
            return
        self.control.seed(
            {"accounts": {EMBEDDED_ACCOUNT: {**self.account, "rate_limit_per_minute": 0}}}
        )
        try:
            yield
        finally:
            self.control.seed(
                {"accounts": {EMBEDDED_ACCOUNT: {**self.account, "rate_limit_per_minute": None}}}
            )


def config_secrets(config: connector.ConnectorConfig) -> list[str]:
    """Names of the ``${ENV_VAR}`` references of ``config``'s APIs, sorted.

    ``call_log.url`` is left out: it is the CRM's own URL, which a run replaces
    with its receiver's, so its variables are neither needed nor seeded.
    """
    return sorted(set(_ENV_REF.findall(config.model_dump_json(exclude={"call_log"}))))


def _account_field(variable: str) -> str:
    name = variable.upper()
    if "USER" in name:
        return "username"
    if "KNOWLARITY" in name and ("SR" in name or "AUTH" in name):
        return "knowlarity_authorization"
    if "KNOWLARITY" in name:
        return "knowlarity_api_key"
    if "AUTH" in name:
        return "knowlarity_authorization"
    return "api_key"


def embedded_env(
    config: connector.ConnectorConfig, env: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, Any]]:
    """The env for an embedded run and the simulator account that matches it.

    Variables already set keep their values (the account is seeded with them);
    unset ones get the simulator's demo credentials.
    """
    merged = dict(env)
    account: dict[str, Any] = dict(_DEMO)
    for variable in config_secrets(config):
        account_field = _account_field(variable)
        value = merged.get(variable) or _DEMO[account_field]
        merged[variable] = value
        account[account_field] = value
    account["rate_limit_per_minute"] = None
    return merged, account


def require_env(config: connector.ConnectorConfig, env: Mapping[str, str]) -> None:
    """``CannotRunError`` naming the first ``${ENV_VAR}`` of the config that is not set."""
    missing = [name for name in config_secrets(config) if not env.get(name)]
    if missing:
        raise CannotRunError(
            f"environment variable {missing[0]} is not set; export it with the partner's"
            f" credential before running (needed by config {config.name!r})"
        )


def start_embedded(config: connector.ConnectorConfig, env: Mapping[str, str]) -> Target:
    """Start the simulator on a free loopback port and arrange the fixtures."""
    import simulator
    from simulator import serve

    _env, account = embedded_env(config, env)
    server = serve.start_in_thread(simulator.create_app({"random_seed": 20240607}))
    control = ControlPlane(server.base_url)
    user = dict(EMBEDDED.user)
    # A config whose DID field the test user does not have gets the campaign name.
    user.setdefault(config.virtual_number_field, EMBEDDED_CAMPAIGN)
    target = Target(
        base_url=server.base_url,
        kind="embedded",
        control=control,
        fixtures=EMBEDDED.model_copy(update={"user": user}),
        account=account,
        _server=server,
    )
    try:
        control.reset()
        arrange_simulator(control, account=account, fixtures=target.fixtures)
    except Exception as exc:
        target.close()
        raise CannotRunError(f"the embedded simulator could not be arranged: {exc}") from None
    return target


def open_url(base_url: str, fixtures: Fixtures) -> Target:
    """A partner's base URL, checked to be reachable first (any answer of ``/`` within 5 s)."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CannotRunError(f"--target {base_url!r} is not a base URL like https://host[:port]")
    base = f"{parts.scheme}://{parts.netloc}"
    try:
        # Status and headers only: the body of / may be endless, huge or a bomb.
        with HeadersOnly(_PROBE_TIMEOUT_S) as probe:
            probe.answer("GET", base + "/")
    except httpx.TimeoutException:
        raise CannotRunError(
            f"target {base} did not answer within {_PROBE_TIMEOUT_S:g} s"
        ) from None
    except httpx.HTTPError as exc:
        raise CannotRunError(
            f"target {base} is unreachable ({type(exc).__name__}); check the URL and that the"
            " service is running"
        ) from None
    return Target(base_url=base, kind="url", fixtures=fixtures)


def default_env() -> Mapping[str, str]:
    """The process environment (a seam for tests)."""
    return os.environ
