"""``mcc call``, ``mcc popup``, ``mcc dids`` and ``mcc serve``: the calling flows.

Each takes ``--config FILE_OR_PRESET`` (default ``$MCC_CONFIG``), ``--db PATH``
(default ``$MCC_DB``, else ``./mcc.sqlite3``) and ``--base-url URL`` (default
``$MCC_BASE_URL``) to point a preset at the simulator or a partner's staging
host. Secrets come from the environment variables the config names. Numbers
are masked unless ``--show-numbers``. Exit codes: 0 done, 1 the provider
refused or failed, 2 bad input (one clear line on stderr, no traceback).
A CRM file that cannot be used (not SQLite, unreadable, in a read-only
folder, an impossible path) and a port ``mcc serve`` cannot listen on are
bad input too: the store's and ``sqlite3``'s errors and ``OSError`` are
caught here, at the edge.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

# The flows, the connector (pydantic, httpx), the CRM and SQLite are imported
# by each command when it runs, so ``mcc call --help`` stays fast.
if TYPE_CHECKING:
    from calling.click_to_call import CallAttempt
    from calling.popup import Popup
    from connector.client import Client
    from connector.config import ConnectorConfig
    from connector.phone import PhoneNumber
    from crm.models import Lead
    from crm.store import CrmStore

__all__ = ["call", "dids", "make_client", "popup", "serve"]

BAD_INPUT = 2
PROVIDER_FAILED = 1
# -h as well as --help on every command, also when one runs outside the mcc
# root (click keeps the help option a command first made: see mcc.cli).
_HELP = {"help_option_names": ["-h", "--help"]}
_OPTION_LABELS = {"cloud_call": "Cloud Call Lead", "default_call": "Call (phone dialer)"}
# The lead fields --number-field offers: calling.click_to_call.NUMBER_FIELDS (a test keeps
# them equal), named here so that the option does not import the flows.
NUMBER_FIELD_CHOICES = ("mobile", "phone")


class _BadInput(click.ClickException):
    exit_code = BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"mcc: {self.format_message()}", err=True)


def make_client() -> Client:
    """The provider client the commands use (secrets from ``os.environ``)."""
    from connector.client import Client

    return Client()


def _config(source: str | None, base_url: str | None) -> ConnectorConfig:
    from connector.config import with_base_url
    from connector.presets import resolve_config

    source = source or os.environ.get("MCC_CONFIG")
    if not source:
        raise _BadInput("no connector config: pass --config FILE_OR_PRESET or set MCC_CONFIG")
    config = resolve_config(source)
    base_url = base_url or os.environ.get("MCC_BASE_URL")
    return with_base_url(config, base_url) if base_url else config


@contextmanager
def _session(db: Path | None) -> Iterator[CrmStore]:
    """The CRM store; its errors, ``sqlite3``'s and ``OSError`` become bad input (exit 2).

    SQLite opens files lazily, so a file that is not a database, or a folder
    it cannot write its journal into, fails at the first query, inside the
    block: both places are covered.
    """
    import sqlite3

    from connector.errors import ConnectorError
    from crm.cli import default_db_path
    from crm.errors import CrmStoreError
    from crm.store import CrmStore

    path = db or default_db_path()
    try:
        store = CrmStore(path)
    except CrmStoreError as exc:  # names the file and what to do already
        raise _BadInput(str(exc)) from None
    except (ConnectorError, sqlite3.Error, OSError) as exc:
        raise _BadInput(f"cannot open the CRM database {path}: {_reason(exc)}") from None
    try:
        yield store
    except (sqlite3.Error, OSError) as exc:
        raise _BadInput(f"cannot use the CRM database {path}: {_reason(exc)}") from None
    except ConnectorError as exc:
        raise _BadInput(str(exc)) from None
    finally:
        with suppress(sqlite3.Error, OSError):  # closing a store that never opened
            store.close()


def _reason(exc: BaseException) -> str:
    """An error's text on one line (``OSError``: its strerror, without the errno)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _shown(number: PhoneNumber | None, show: bool) -> str:
    """A number in CRM form (``+91-9876543210``), masked unless asked otherwise."""
    from connector.redaction import mask_number

    if number is None:
        return "-"
    return number.crm if show else mask_number(number.crm)


_config_option = click.option(
    "--config", "config_source", metavar="FILE_OR_PRESET", help="Config file or preset name."
)
_base_option = click.option(
    "--base-url", metavar="URL", help="Send the APIs to this scheme://host:port instead."
)
_db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CRM database file (default: $MCC_DB or ./mcc.sqlite3).",
)
_show_option = click.option("--show-numbers", is_flag=True, help="Show phone numbers in full.")


@click.command("call", context_settings=_HELP)
@click.option("--lead", "lead_id", required=True, help="Lead id (ProspectID).")
@click.option("--user", "user_id", required=True, help="User id of the calling agent.")
@click.option(
    "--number",
    "number_field",
    type=click.Choice(NUMBER_FIELD_CHOICES),
    default="phone",
    show_default=True,
    help="Which phone field of the lead to call.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 3),
    default=0,
    show_default=True,
    help="Extra tries, with backoff, only when the provider could not be reached at all"
    " (never after the request was sent, never for DND or refusals).",
)
@_config_option
@_base_option
@_db_option
@_show_option
def call(
    *,
    lead_id: str,
    user_id: str,
    number_field: str,
    retries: int,
    config_source: str | None,
    base_url: str | None,
    db: Path | None,
    show_numbers: bool,
) -> None:
    """Place a cloud call from a user to a lead and record it on the lead's history."""
    from calling.click_to_call import call_options, place_call

    config = _config(config_source, base_url)
    offers = ", ".join(_OPTION_LABELS[o] for o in call_options(config))
    click.echo(f"mode {config.mode.value}: the app offers {offers}")
    with _session(db) as store, make_client() as client:
        attempt = place_call(
            store, client, config, lead_id, user_id, number_field=number_field, retries=retries
        )
    who = f"{lead_id} at {_shown(attempt.customer_number, show_numbers)}"
    if attempt.initiated:
        click.echo(f"initiated: call to {who}, provider call id {attempt.call_id or '(none)'}")
    else:
        dnd = " [DND: not retried]" if attempt.dnd else ""
        click.echo(f"failed: call to {who}: {attempt.message}{dnd}")
    if retries:
        click.echo(_tries(attempt, retries))
    click.echo(f"activity {attempt.activity_id} recorded ({attempt.status}, {_times(attempt)})")
    if not attempt.initiated:
        raise SystemExit(PROVIDER_FAILED)


def _times(attempt: CallAttempt) -> str:
    return "1 try" if attempt.attempts == 1 else f"{attempt.attempts} tries"


def _tries(attempt: CallAttempt, retries: int) -> str:
    """How many tries were made, of how many ``--retries`` allowed, and why it stopped."""
    most = retries + 1
    line = f"tries: {attempt.attempts} of at most {most} (--retries {retries})"
    if attempt.initiated or attempt.attempts == most:
        return line
    if attempt.dnd:
        return f"{line}; not retried: the number is on DND"
    # Only a call that never reached the provider is tried again.
    return f"{line}; not retried: the request reached the provider"


@click.command("popup", context_settings=_HELP)
@click.option("--agent-phone", required=True, help="The agent's phone the call rings on.")
@click.option("--caller", required=True, help="The caller id the agent's phone shows (a DID).")
@click.option(
    "--add-contact",
    is_flag=True,
    help="Take the pop-up's Add Contact: save an unknown caller as a new lead with the"
    " customer's real number (owned by the agent), then show the pop-up with that lead.",
)
@click.option(
    "--name",
    metavar="NAME",
    help="The new lead's name for --add-contact: the first word is the first name, the"
    " rest the last name.",
)
@_config_option
@_base_option
@_db_option
@_show_option
def popup(
    *,
    agent_phone: str,
    caller: str,
    add_contact: bool,
    name: str | None,
    config_source: str | None,
    base_url: str | None,
    db: Path | None,
    show_numbers: bool,
) -> None:
    """Show the incoming pop-up for a call ringing on the agent's phone."""
    from dataclasses import replace

    from calling.popup import show_popup

    if name is not None and not add_contact:
        raise _BadInput("--name names the lead --add-contact saves; pass --add-contact too")
    if add_contact and not (name or "").strip():
        raise _BadInput('--add-contact needs --name "First Last": a lead needs a name')
    config = _config(config_source, base_url)
    with _session(db) as store, make_client() as client:
        shown = show_popup(store, client, config, agent_phone=agent_phone, caller=caller)
        _print_popup(shown, show_numbers)
        if not add_contact or not shown.shown:
            if shown.reason in ("provider_error", "no_customer_number"):
                raise SystemExit(PROVIDER_FAILED)
            return
        if shown.add_contact is None:
            lead_id = shown.lead.id if shown.lead is not None else "?"
            click.echo(f"Add Contact not offered: the caller is lead {lead_id} already")
            return
        lead = _save_contact(store, config, shown.add_contact.phone, agent_phone, name or "")
        click.echo(f"added lead {lead.id} with {_shown(shown.add_contact.phone, show_numbers)}")
    # What show_popup answers for this ringing call now that its number is a lead.
    _print_popup(
        replace(shown, reason="lead", message=f"{lead.id} is calling", lead=lead, add_contact=None),
        show_numbers,
    )


def _save_contact(
    store: CrmStore, config: ConnectorConfig, phone: PhoneNumber, agent_phone: str, name: str
) -> Lead:
    """The pop-up's Add Contact as a lead, owned by the user whose phone rang."""
    from calling.popup import add_contact as save_contact
    from connector.phone import parse_phone

    first, _, last = " ".join(name.split()).partition(" ")
    agent = parse_phone(agent_phone, config.default_region)  # show_popup accepted it
    owner = store.find_user_by_phone(agent)
    return save_contact(
        store, phone, first_name=first, last_name=last, owner_id=owner.id if owner else None
    )


def _print_popup(shown: Popup, show_numbers: bool) -> None:
    if not shown.shown:
        click.echo(f"no pop-up ({shown.reason}): {shown.message}")
        return
    if shown.lead is not None:
        lead = shown.lead
        name = f"{lead.first_name} {lead.last_name}".strip() or lead.id
        click.echo(f"pop-up: {name} (lead {lead.id})")
        click.echo(f"  calling from {_shown(shown.customer_number, show_numbers)}")
        return
    click.echo(f"pop-up: {shown.message}")
    if shown.add_contact is not None:
        phone = _shown(shown.add_contact.phone, show_numbers)
        click.echo(f"  [{shown.add_contact.label}] prefilled with {phone}")


@click.group("dids", context_settings=_HELP)
def dids() -> None:
    """The DID list: sync it from the provider, list it."""


@dids.command("sync", context_settings=_HELP)
@_config_option
@_base_option
@_db_option
def dids_sync(config_source: str | None, base_url: str | None, db: Path | None) -> None:
    """Run the DID list API once and replace the stored list (or keep it and say why)."""
    from calling.did_sync import sync_dids

    config = _config(config_source, base_url)
    with _session(db) as store, make_client() as client:
        result = sync_dids(store, client, config)
    click.echo(("synced: " if result.ok else "sync failed: ") + result.message)
    for entry in result.skipped:
        click.echo(f"  skipped {entry!r}: not a phone number")
    if not result.ok:
        raise SystemExit(PROVIDER_FAILED)


@dids.command("list", context_settings=_HELP)
@_db_option
def dids_list(db: Path | None) -> None:
    """List the synced DIDs and the last sync's status."""
    from calling.did_sync import DidGate

    with _session(db) as store:
        numbers = sorted(DidGate(store).dids)
        status = store.did_sync_status()
    for number in numbers:
        click.echo(number)
    when = status.last_success_at.isoformat() if status.last_success_at else "never"
    click.echo(f"{len(numbers)} DID(s); last good sync: {when}")
    if status.last_error:
        click.echo(f"last sync failed: {status.last_error}")


@click.command("serve", context_settings=_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8081,
    show_default=True,
    help="Port (0 picks a free one).",
)
@click.option(
    "--insecure-no-auth",
    is_flag=True,
    help="Accept call logs without a token (only on a trusted network).",
)
@click.option(
    "--insecure-short-token",
    is_flag=True,
    help="Accept a MCC_CALLLOG_TOKEN shorter than 16 characters (tests only).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines on stderr (one per request, call log and DID sync): text, or one JSON"
    " object per line.",
)
@_config_option
@_base_option
@_db_option
def serve(
    *,
    host: str,
    port: int,
    insecure_no_auth: bool,
    insecure_short_token: bool,
    log_format: str,
    config_source: str | None,
    base_url: str | None,
    db: Path | None,
) -> None:
    """Run the connector's call-log service (and the DID sync schedule) until Ctrl-C."""
    from calling.auth import token_from_env
    from calling.service import create_service, serve_service
    from calling.service_log import service_logging
    from connector.errors import ConfigError

    has_config = bool(config_source or os.environ.get("MCC_CONFIG"))
    config = _config(config_source, base_url) if has_config else None
    try:
        token = token_from_env(os.environ, allow_short=insecure_short_token)
    except ConfigError as exc:
        raise _BadInput(str(exc)) from None
    if not _is_loopback(host):
        # Said before binding, so it shows even when the bind then fails.
        exposure = (
            "it accepts call logs from anyone (no token)"
            if token is None
            else "the token travels in clear text unless TLS is in front"
        )
        click.echo(
            f"warning: binding {host}, not loopback: the call-log service is reachable"
            f" from other machines, and {exposure}",
            err=True,
        )
    with _session(db) as store, make_client() as client, service_logging(log_format):
        app = create_service(store, config, token, client=client, allow_no_auth=insecure_no_auth)

        def ready(url: str) -> None:
            click.echo(f"call-log service on {url}/calllog (health: {url}/healthz)")
            if token is None:
                click.echo("WARNING: no token; anyone who can reach this port can post call logs")
            if config is not None and "did_list" in config.apis:
                every = config.apis["did_list"].sync_every or 0
                click.echo(f"DID sync every {every:g} s, first run now")
            click.echo("press Ctrl-C to stop")

        try:
            serve_service(app, host, port, on_ready=ready)
        except OSError as exc:
            raise _BadInput(f"cannot listen on {host}:{port}: {_reason(exc)}") from None
    click.echo("stopped")
