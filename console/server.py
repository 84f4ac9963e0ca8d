"""The console and the call-log service in one process, one port.

:func:`build` makes both apps over one CRM store, one DID gate and one live
hub: the service's ``on_ingest`` publishes every stored call log to the hub,
so an activity changes on the agent's screen as soon as the provider's call
log is committed. One WSGI app answers both: :class:`ServiceRoutes` sends
``/calllog...`` and ``/healthz`` to the service (with its token gate, as
``mcc serve`` has it) and everything else to the console.

:func:`serve` runs it with ``calling.serve_service`` (waitress with the
service's limits, and the DID sync schedule), giving waitress one extra
thread per live stream the hub may hold open; when the server stops
(Ctrl-C, SIGTERM, or ``stop``), the hub ends every stream at once so no
waitress thread is left holding one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from calling import DidGate, IngestReport, create_service, serve_service
from connector import Client, ConnectorConfig
from console.app import create_console
from console.live import LiveHub
from console.sim_client import SimulatorClient
from console.state import ConsoleSettings, state_of
from crm import CrmStore

__all__ = ["SERVICE_PATHS", "ConsoleServer", "ServiceRoutes", "build", "serve"]

#: Paths the call-log service answers; every other path is the console's.
SERVICE_PATHS = ("/calllog", "/healthz")
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ServiceRoutes:
    """WSGI: the call-log service's paths to ``service``, the rest to ``console``."""

    def __init__(self, service: Wsgi, console: Wsgi) -> None:
        self.service = service
        self.console = console

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        for prefix in SERVICE_PATHS:
            if path == prefix or path.startswith(prefix + "/"):
                return self.service(environ, start_response)
        return self.console(environ, start_response)


@dataclass
class ConsoleServer:
    """The combined app (serve ``app``), the console app, and the hub both share."""

    app: Flask
    console: Flask
    hub: LiveHub
    settings: ConsoleSettings
    simulator: SimulatorClient | None = None


def build(
    store: CrmStore,
    config: ConnectorConfig,
    client: Client,
    *,
    settings: ConsoleSettings,
    allow_no_auth: bool = False,
    simulator: SimulatorClient | None = None,
) -> ConsoleServer:
    """The call-log service with the console mounted beside it (one store, gate, hub)."""
    gate = DidGate(store, config.default_region)
    console = create_console(
        store, config, client, settings=settings, gate=gate, simulator=simulator
    )
    hub = state_of(console).hub  # the one the console made from the settings' bounds

    def stored(report: IngestReport) -> None:
        for activity_id in report.activity_ids:
            hub.publish("activity", str(activity_id))

    service = create_service(
        store,
        config,
        settings.token,
        client=client,
        allow_no_auth=allow_no_auth,
        gate=gate,
        on_ingest=stored,
    )
    service.wsgi_app = ServiceRoutes(service.wsgi_app, console)  # type: ignore[method-assign]
    return ConsoleServer(service, console, hub, settings, simulator)


def serve(
    server: ConsoleServer,
    host: str = "127.0.0.1",
    port: int = 8081,
    *,
    on_ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve until Ctrl-C, SIGTERM or ``stop``; every live stream ends with the server."""
    stop = stop or threading.Event()
    hub = server.hub

    def end_streams_on_stop() -> None:
        stop.wait()
        hub.close()

    threading.Thread(target=end_streams_on_stop, name="mcc-console-stop", daemon=True).start()
    try:
        serve_service(
            server.app,
            host,
            port,
            on_ready=on_ready,
            stop=stop,
            extra_threads=server.settings.max_streams,
        )
    finally:
        stop.set()
        hub.close()
