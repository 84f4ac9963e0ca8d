"""``mcc load``: drive a partner's APIs, the simulator or ``mcc serve`` with Locust.

Exit codes: 0 every threshold held (and, for call logs, every call became
exactly one activity); 1 a threshold was missed or a call was lost or
doubled; 2 bad input or the run could not start (one line on stderr, never a
traceback); 130 interrupted with Ctrl-C before the end (the reports are
written all the same, from what ran).

Locust is imported by none of this: it runs in a child process
(:mod:`contracts.load.launch`), so ``mcc`` and its other commands never see
gevent's monkey-patching. Without Locust installed the command says in one
line how to install it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

# Light modules only: the run (connector, httpx, the clauses, Locust's
# launcher) is imported from contracts.load.session when a run starts.
from contracts.load.options import MAX_RPS, MAX_USERS, USER_CLASSES
from contracts.load.plan import TOKEN_ENV

__all__ = ["load"]

BAD_INPUT = 2


class _BadInput(click.ClickException):
    exit_code = BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"mcc load: {self.format_message()}", err=True)


class _LoadCommand(click.Command):
    """Usage errors (a bad number, an unknown option) as one line, exit 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _BadInput(exc.format_message()) from None


@click.command("load", cls=_LoadCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_name",
    metavar="NAME_OR_PATH",
    help="A preset (generic, ozonetel, ...) or a connector config YAML file.",
)
@click.option(
    "--target",
    metavar="BASE_URL",
    default=None,
    help="The partner's base URL; default: the embedded simulator on loopback.",
)
@click.option(
    "--fixtures",
    "fixtures_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Partner fixtures YAML (customer_number, ringing_agent_phone...).",
)
@click.option(
    "--users",
    type=click.IntRange(1, MAX_USERS),
    default=10,
    show_default=True,
    help="Concurrent users (each one keep-alive connection).",
)
@click.option(
    "--spawn-rate",
    type=click.FloatRange(0.1, 1000.0),
    default=10.0,
    show_default=True,
    help="Users started per second.",
)
@click.option(
    "--duration",
    default="1m",
    show_default=True,
    metavar="DURATION",
    help="How long to run: 90, 30s, 5m, 1h (at most 24h).",
)
@click.option(
    "--mix",
    default=None,
    metavar="API=WEIGHT,...",
    help="Relative weights, e.g. click_to_call=1,agent_popup=10,did_list=0.1"
    " (call logs: ozonetel=1,generic=1,knowlarity=1).",
)
@click.option(
    "--max-rps",
    type=float,
    default=100.0,
    show_default=True,
    help=f"Requests per second of all users together, at most (<= {MAX_RPS:g}).",
)
@click.option(
    "--p95",
    "p95_text",
    default=None,
    metavar="API=LIMIT,...",
    help="p95 limits, e.g. click_to_call=3000ms,agent_popup=1s"
    " (default: mcc verify's budgets, 3000/1000/5000 ms).",
)
@click.option(
    "--max-error-ratio",
    type=click.FloatRange(0.0, 1.0),
    default=0.01,
    show_default=True,
    help="Failed share of each API's requests, at most.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/load"),
    show_default=True,
    help="Where report.html, locust_*.csv and summary.json go.",
)
@click.option(
    "--user-class",
    type=click.Choice(sorted(USER_CLASSES)),
    default="fast",
    show_default=True,
    help="fast: Locust's FastHttpUser; connector: connector.Client.",
)
@click.option("--show-numbers", is_flag=True, help="Show customer numbers unmasked in reports.")
@click.option("--yes", is_flag=True, help="Run against a host that is not this machine.")
@click.option(
    "--callback-url",
    default=None,
    metavar="URL",
    help="Where the partner pushes this run's call logs (configs with @CallbackUrl).",
)
@click.option("--master", is_flag=True, help="Be the Locust master; workers run the users.")
@click.option(
    "--expect-workers",
    type=click.IntRange(1, 1000),
    default=1,
    show_default=True,
    help="With --master: start once this many workers are connected.",
)
@click.option(
    "--master-bind-host",
    default="*",
    show_default=True,
    help="With --master: the address workers connect to (* is every interface).",
)
@click.option(
    "--workers-wait",
    default="2m",
    show_default=True,
    metavar="DURATION",
    help="With --master: give up when the workers are not all connected by then.",
)
@click.option("--worker", is_flag=True, help="Be a Locust worker of the master at --master-host.")
@click.option(
    "--master-host",
    default="127.0.0.1",
    show_default=True,
    help="With --worker: the master's host.",
)
@click.option(
    "--master-port",
    type=click.IntRange(1, 65535),
    default=5557,
    show_default=True,
    help="The master's port (Locust's default 5557).",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=None,
    help="Fork this many local workers (with --worker: this many workers).",
)
@click.option(
    "--calllog",
    "calllog_url",
    default=None,
    metavar="URL",
    help="Post provider call logs to this mcc serve instead (its base URL).",
)
@click.option(
    "--token",
    envvar=TOKEN_ENV,
    default=None,
    show_envvar=True,
    help="The call-log service's token (sent as X-MCC-Token).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --calllog: the service's CRM file, checked afterwards (read-only).",
)
@click.option(
    "--duplicate-rate",
    type=click.FloatRange(0.0, 0.9),
    default=0.05,
    show_default=True,
    help="With --calllog: share of deliveries sent twice.",
)
@click.option(
    "--reorder-rate",
    type=click.FloatRange(0.0, 0.9),
    default=0.05,
    show_default=True,
    help="With --calllog: share held back behind later ones.",
)
def load(**opts: Any) -> None:
    """Load a provider's APIs (or the simulator, or mcc serve) with Locust; judge thresholds."""
    import connector
    from contracts.errors import ContractsError
    from contracts.load.session import execute

    ctx = click.get_current_context()
    try:
        code = execute(ctx, opts)
    except connector.ConfigError as exc:
        raise _BadInput("\n".join(str(exc).splitlines())) from None
    except (ContractsError, connector.ConnectorError, OSError) as exc:
        raise _BadInput(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    sys.exit(code)
