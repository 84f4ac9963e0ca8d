"""``mcc console``: the agent console and the call-log service, one process, one port.

It is ``mcc serve`` with the agent's screens beside the call-log endpoint
(same options, same token rules, loopback by default, the DID sync
schedule), so a call log the provider posts shows on the agent's screen at
once. Agents log in with a password set by ``mcc crm users set-password``.

- ``MCC_CALLLOG_TOKEN`` guards ``/calllog`` and the phones' ring endpoint
  ``/phone/ring`` (16 characters at least, unless ``--insecure-short-token``;
  none at all only with ``--insecure-no-auth``).
- ``MCC_CONSOLE_SECRET`` (32 characters at least) signs the session cookies;
  without it a random one is made, and sessions end when the console stops.
- The simulator panel shows when the console is pointed at the simulator:
  ``--simulator URL``, or a loopback ``--base-url`` that answers the
  simulator's control plane (a partner's host is never probed). The console
  then wires the simulator to itself: its accounts' call logs and the ring
  notifications of the CRM users' phones.

Bad input is one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

# Flask, the connector, the CRM and SQLite are imported when the console
# starts, so ``mcc console --help`` stays fast.
if TYPE_CHECKING:
    from connector import PhoneNumber
    from crm import CrmStore

__all__ = ["MIN_SECRET_CHARS", "SECRET_ENV", "console"]

SECRET_ENV = "MCC_CONSOLE_SECRET"
MIN_SECRET_CHARS = 32
BAD_INPUT = 2


class _BadInput(click.ClickException):
    exit_code = BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"mcc: {self.format_message()}", err=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _secret() -> tuple[str, bool]:
    """The session secret, and whether it came from the environment."""
    secret = os.environ.get(SECRET_ENV) or ""
    if not secret:
        return secrets.token_urlsafe(48), False
    if len(secret) < MIN_SECRET_CHARS:
        raise _BadInput(
            f"{SECRET_ENV} is shorter than {MIN_SECRET_CHARS} characters: use a long random"
            " secret (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    return secret, True


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


@click.command("console", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8081,
    show_default=True,
    help="Port (0 picks a free one).",
)
@click.option("--config", "config_source", metavar="FILE_OR_PRESET", help="Config file or preset.")
@click.option("--base-url", metavar="URL", help="Send the APIs to this scheme://host:port instead.")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CRM database file (default: $MCC_DB or ./mcc.sqlite3).",
)
@click.option(
    "--simulator",
    "simulator_url",
    metavar="URL",
    help="The simulator's base URL: shows the simulator panel (default: the --base-url,"
    " when it is a simulator).",
)
@click.option(
    "--max-streams",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Live streams (open console tabs) served at once; each holds a server thread.",
)
@click.option(
    "--insecure-no-auth",
    is_flag=True,
    help="Accept call logs and ring notifications without a token (trusted network only).",
)
@click.option(
    "--insecure-short-token",
    is_flag=True,
    help="Accept a MCC_CALLLOG_TOKEN shorter than 16 characters (tests only).",
)
@click.option(
    "--secure-cookies",
    is_flag=True,
    help="Mark the session cookie Secure: browsers send it only over https (use it when"
    " the console is served behind TLS).",
)
def console(
    *,
    host: str,
    port: int,
    config_source: str | None,
    base_url: str | None,
    db: Path | None,
    simulator_url: str | None,
    max_streams: int,
    insecure_no_auth: bool,
    insecure_short_token: bool,
    secure_cookies: bool,
) -> None:
    """Run the agent console and the call-log service until Ctrl-C."""
    import sqlite3

    from calling import token_from_env
    from connector import Client, ConfigError, ConnectorError, resolve_config, with_base_url
    from console.errors import ConsoleError
    from console.server import build, serve
    from console.sim_client import SimulatorClient, is_simulator
    from console.state import ConsoleSettings
    from crm import CrmStore, CrmStoreError

    source = config_source or os.environ.get("MCC_CONFIG")
    if not source:
        raise _BadInput("no connector config: pass --config FILE_OR_PRESET or set MCC_CONFIG")
    base_url = base_url or os.environ.get("MCC_BASE_URL")
    try:
        token = token_from_env(os.environ, allow_short=insecure_short_token)
        config = resolve_config(source)
        config = with_base_url(config, base_url) if base_url else config
    except ConnectorError as exc:
        raise _BadInput(_one_line(exc)) from None
    if token is None and not insecure_no_auth:
        raise _BadInput(
            "no call-log token: set MCC_CALLLOG_TOKEN to a long random secret, or pass"
            " --insecure-no-auth to accept call logs and rings without one"
        )
    secret, kept = _secret()
    if not _is_loopback(host):
        click.echo(
            f"warning: binding {host}, not loopback: the console and the call-log service are"
            " reachable from other machines; put TLS in front (passwords and the token"
            " travel in clear text otherwise) and pass --secure-cookies",
            err=True,
        )
    # Only a loopback --base-url is probed: a partner's host never gets /_sim requests.
    probe = base_url is not None and _is_loopback(urlsplit(base_url).hostname or "")
    sim_url = simulator_url or (base_url if base_url and probe and is_simulator(base_url) else None)
    settings = ConsoleSettings(
        secret_key=secret, token=token, max_streams=max_streams, secure_cookies=secure_cookies
    )
    # Same default file as `mcc crm` and `mcc serve`.
    path = db or Path(os.environ.get("MCC_DB") or "mcc.sqlite3")
    try:
        store = CrmStore(path)
    except CrmStoreError as exc:  # already names the path and what to do
        raise _BadInput(_one_line(exc)) from None
    except (ConnectorError, sqlite3.Error, OSError) as exc:
        raise _BadInput(f"cannot open the CRM database {path}: {_one_line(exc)}") from None
    simulator = SimulatorClient(sim_url) if sim_url else None
    try:
        with Client() as client:
            server = build(
                store,
                config,
                client,
                settings=settings,
                allow_no_auth=insecure_no_auth,
                simulator=simulator,
            )

            def ready(url: str) -> None:
                click.echo(f"agent console on {url}/ (call logs: {url}/calllog)")
                if not kept:
                    click.echo(
                        f"sessions end when the console stops (set {SECRET_ENV} to keep them)"
                    )
                if token is None:
                    click.echo(
                        "WARNING: no token; anyone who can reach this port can post call logs"
                    )
                if simulator is not None:
                    phones = [p for p in (_phone(store, u.phone) for u in store.users()) if p]
                    try:
                        for line in simulator.wire(url, token, phones):
                            click.echo(f"simulator: {line}")
                    except ConsoleError as exc:
                        click.echo(f"simulator panel: {exc}", err=True)
                click.echo("press Ctrl-C to stop")

            serve(server, host, port, on_ready=ready)
    except OSError as exc:
        raise _BadInput(f"cannot listen on {host}:{port}: {_one_line(exc)}") from None
    except (ConfigError, sqlite3.Error) as exc:
        raise _BadInput(_one_line(exc)) from None
    finally:
        if simulator is not None:
            simulator.close()
        store.close()
    click.echo("stopped")


def _phone(store: CrmStore, text: str | None) -> PhoneNumber | None:
    from connector import PhoneNumberError, parse_phone

    if not text:
        return None
    try:
        return parse_phone(text, store.region)
    except PhoneNumberError:
        return None
