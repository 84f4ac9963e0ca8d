"""pytest plugin of the harness: fixtures that start a provider simulator.

Installed with the package (entry point ``pytest11: mcc``), so any QA suite
that has ``mobile-cloud-calling-harness`` installed gets these fixtures
without a conftest:

========================  ========  ==============================================
fixture                   scope     what you get
========================  ========  ==============================================
``sim_config``            function  the ``create_app`` config (seed from ``--sim-seed``)
``sim_app``               function  a fresh simulator Flask app (state not shared)
``sim_client``            function  ``sim_app.test_client()``, no sockets at all
``sim_server``            function  a :class:`~simulator.serve.RunningServer` on a
                                    free 127.0.0.1 port serving ``sim_app``
``sim_server_session``    session   one server for the whole session; call
                                    ``POST /_sim/reset`` between tests yourself
``sim_replay``            function  a factory: ``sim_replay(dir, fixtures=None)``
                                    serves a partner recorded with ``mcc record``
                                    on a free loopback port (``--replay``'s twin)
========================  ========  ==============================================

``--sim-seed FILE`` loads a seed YAML (same shape as
``simulator/seed/default.yaml``) instead of the default seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

    from simulator.serve import RunningServer

__all__ = [
    "pytest_addoption",
    "pytest_configure",
    "sim_app",
    "sim_client",
    "sim_config",
    "sim_replay",
    "sim_server",
    "sim_server_session",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--sim-seed``."""
    group = parser.getgroup("mcc", "mobile cloud calling simulator")
    group.addoption(
        "--sim-seed",
        action="store",
        default=None,
        metavar="FILE",
        help="seed YAML for the simulator fixtures (default: the built-in demo seed)",
    )


_SEED_KEY = pytest.StashKey[dict[str, Any]]()


def pytest_configure(config: pytest.Config) -> None:
    """Read ``--sim-seed`` once, up front, so a bad file stops the run with a usage error."""
    seed_option = config.getoption("--sim-seed", default=None)
    if not seed_option:
        return
    # Imported lazily: the plugin loads in every pytest run of every project
    # that installs the harness, and most runs never touch a simulator.
    from simulator.seed import SeedError, load_seed

    path = Path(str(seed_option))
    try:
        config.stash[_SEED_KEY] = load_seed(path)
    except SeedError as exc:
        raise pytest.UsageError(f"--sim-seed {path}: {exc}") from None


def _config_from_options(config: pytest.Config) -> dict[str, Any]:
    seed = config.stash.get(_SEED_KEY, None)
    return {} if seed is None else {"seed": seed}


@pytest.fixture
def sim_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Config handed to ``create_app``; override this fixture to change it."""
    return _config_from_options(request.config)


@pytest.fixture
def sim_app(sim_config: dict[str, Any]) -> Flask:
    """A fresh simulator app per test, so no state leaks between tests."""
    from simulator import create_app

    return create_app(dict(sim_config))


@pytest.fixture
def sim_client(sim_app: Flask) -> FlaskClient:
    """The Flask test client of ``sim_app`` (in-process, no sockets)."""
    return sim_app.test_client()


@pytest.fixture
def sim_server(sim_app: Flask) -> Iterator[RunningServer]:
    """``sim_app`` served by waitress on a free loopback port; ``.base_url`` to reach it."""
    from simulator.serve import start_in_thread

    with start_in_thread(sim_app) as running:
        yield running


@pytest.fixture(scope="session")
def sim_server_session(pytestconfig: pytest.Config) -> Iterator[RunningServer]:
    """One simulator server for the whole session (faster; reset state yourself)."""
    from simulator import create_app
    from simulator.serve import start_in_thread

    app = create_app(_config_from_options(pytestconfig))
    with start_in_thread(app) as running:
        yield running


@pytest.fixture
def sim_replay() -> Iterator[Callable[..., RunningServer]]:
    """A factory serving cassette directories; every server is stopped after the test.

    ``sim_replay(directory, fixtures=None, callback_url=None)``: ``fixtures``
    maps fixture names to the numbers the masked ones stand for.
    """
    from simulator.replay import create_replay_app
    from simulator.serve import start_in_thread

    started: list[RunningServer] = []

    def serve(
        directory: str | Path,
        fixtures: Mapping[str, str] | None = None,
        callback_url: str | None = None,
    ) -> RunningServer:
        app = create_replay_app(directory, fixtures=fixtures, callback_url=callback_url)
        running = start_in_thread(app)
        started.append(running)
        return running

    yield serve
    for running in started:
        running.stop()
