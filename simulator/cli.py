"""``mcc sim``: run the provider simulator from the command line.

``mcc sim serve`` (and ``python -m simulator``, the same command without the
``mcc`` front end) serves the simulator on loopback, prints its base URL and
the seeded accounts (api keys masked but for the last 4 characters) and stops
cleanly on Ctrl-C or SIGTERM with exit code 0. Bad input gives one line on
stderr and exit code 2.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import click

__all__ = ["mask_secret", "serve_command", "sim"]

_LOOPBACK_NAMES = {"localhost"}
# -h as well as --help, also when run alone (``python -m simulator -h``).
_HELP = {"help_option_names": ["-h", "--help"]}


def mask_secret(value: str) -> str:
    """Keep the last 4 characters of a secret, star the rest (short ones fully)."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _account_lines(seed: Mapping[str, Any]) -> list[str]:
    accounts = seed.get("accounts") or {}
    lines = []
    for name, spec in sorted(accounts.items()):
        if not isinstance(spec, Mapping):
            continue
        key = str(spec.get("api_key") or "")
        lines.append(
            f"  account {name}: username {spec.get('username', '?')}, api key {mask_secret(key)}"
        )
    return lines


def _fail(message: str) -> None:
    """One clear line on stderr and exit code 2 (the mcc convention)."""
    click.echo(f"mcc sim: {message}", err=True)
    sys.exit(2)


@click.group(name="sim", context_settings=_HELP)
def sim() -> None:
    """Run the provider simulator (Ozonetel, generic, Knowlarity dialects)."""


@sim.command(name="serve", context_settings=_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to bind; 0 picks a free one.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help=(
        "Expected concurrent clients (waitress threads = 4 x workers); "
        "for gunicorn and granian, worker processes."
    ),
)
@click.option(
    "--seed",
    "seed_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Seed YAML (accounts, agents, campaigns, dids, dnd, blacklist, rate_limits).",
)
@click.option("--random-seed", type=int, default=None, help="Seed of ids (same seed, same UCIDs).")
@click.option(
    "--server",
    type=click.Choice(["waitress", "gunicorn", "granian"]),
    default="waitress",
    show_default=True,
    help=(
        "WSGI server. waitress reads whole requests before the app sees them (the one "
        "for clients you do not trust). granian (Rust HTTP, about 2x faster) and gunicorn run "
        "--workers processes, one simulator state each: with more than one, /_sim "
        "refuses its stateful routes (409). gunicorn needs a fixed --port."
    ),
)
@click.option(
    "--max-held",
    type=click.IntRange(1, 256),
    default=None,
    help=(
        "Requests latency and hang faults may hold at once [default: 8]; each holds a "
        "server thread, so every server gets this many more (granian: 2 + this per "
        "worker). A load run without such faults serves faster with 1 on granian."
    ),
)
@click.option(
    "--replay",
    "replay_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Serve a partner recorded with mcc record (its cassette directory) instead.",
)
@click.option(
    "--fixtures",
    "fixtures_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --replay: the fixtures YAML whose numbers the masked ones stand for.",
)
@click.option(
    "--callback-url",
    default=None,
    help="With --replay: where recorded call logs go when the request names no URL.",
)
def serve_command(
    *,
    host: str,
    port: int,
    workers: int,
    seed_path: Path | None,
    random_seed: int | None,
    server: str,
    max_held: int | None = None,
    replay_dir: Path | None = None,
    fixtures_path: Path | None = None,
    callback_url: str | None = None,
) -> None:
    """Serve the simulator (or a recorded partner, --replay) until Ctrl-C or SIGTERM."""
    from simulator import create_app
    from simulator.seed import SeedError, load_seed
    from simulator.serve import ServeError, ServerKind, serve

    seed: Mapping[str, Any] = {}
    if replay_dir is not None and max_held is not None:
        _fail("--max-held is the simulator's; a --replay server holds no requests")
    try:
        if replay_dir is not None:
            from simulator.replay import create_replay_app
            from simulator.replay.numbers import load_number_fixtures

            numbers = load_number_fixtures(fixtures_path) if fixtures_path else None
            app = create_replay_app(
                replay_dir, fixtures=numbers, callback_url=callback_url, random_seed=random_seed
            )
        else:
            seed = load_seed(seed_path)
            config: dict[str, Any] = {"seed": seed}
            if random_seed is not None:
                config["random_seed"] = random_seed
            if max_held is not None:
                config["max_held_requests"] = max_held
            app = create_app(config)
    except (SeedError, ValueError) as exc:
        _fail(str(exc))
        return
    if server == "gunicorn" and port == 0:
        _fail("--server gunicorn needs a fixed --port (it cannot report a free port back)")
    if not _is_loopback(host):
        # The control plane (/_sim) has no authentication: say so loudly.
        click.echo(
            f"warning: binding {host}, not loopback; anyone who can reach it can "
            "reset or rewrite the simulator through /_sim",
            err=True,
        )

    def ready(base_url: str) -> None:
        if replay_dir is not None:
            click.echo(f"Replaying {replay_dir} on {base_url}")
        else:
            click.echo(f"Simulator listening on {base_url}")
        for line in _account_lines(seed):
            click.echo(line)
        click.echo("Press Ctrl-C to stop.")
        sys.stdout.flush()

    try:
        # click.Choice allows only the ServerKind names.
        serve(app, host, port, workers, server=cast(ServerKind, server), on_ready=ready)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    except (ValueError, ServeError) as exc:
        _fail(str(exc))
    click.echo("Simulator stopped.")
