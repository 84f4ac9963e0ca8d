"""The console's Flask app: ``create_console(store, config, client, settings=...)``.

Nothing happens at import time; state lives in ``app.extensions``
(``console.state``). What every page gets:

- a signed session cookie (Flask's; ``HttpOnly``, ``SameSite=Lax``) holding
  the user id only;
- a CSRF token on every form, checked on every POST (Flask-WTF's
  ``CSRFProtect``); a POST without it is refused 400 and changes nothing.
  The ring endpoint is a machine's and is guarded by the call-log token
  instead (``calling.TokenGate`` on ``/phone``);
- Jinja2 autoescaping (CRM data is shown as text, never as markup) and a
  Content-Security-Policy that allows scripts and styles from the console
  itself only (no inline script, no CDN: every asset is in ``static/``);
  audio may come from the provider's recording host (http or https);
- pages for 400/401/403/404/405/413/500 that say what to do, JSON for the
  ring endpoint.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from calling import DidGate, TokenGate
from connector import Client, ConnectorConfig
from console import accounts, dids, events, leads, popups, sim_panel
from console.accounts import current_agent
from console.board import PopupBoard
from console.live import LiveHub
from console.sim_client import SimulatorClient
from console.state import EXTENSION, ConsoleSettings, ConsoleState, console_state
from crm import CrmStore

__all__ = ["CONTENT_SECURITY_POLICY", "MAX_FORM_BYTES", "SESSION_HOURS", "create_console"]

MAX_FORM_BYTES = 64 * 1024
SESSION_HOURS = 12
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' http: https:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
_MESSAGES = {
    400: "The request was not understood; go back and try again.",
    401: "Log in first.",
    403: "That is not yours to see.",
    404: "There is nothing here (or it is not yours to see).",
    405: "That action is not available here.",
    413: "That form is too large.",
    429: "Too many tries; wait a few minutes.",
}


def create_console(
    store: CrmStore,
    config: ConnectorConfig,
    client: Client,
    *,
    settings: ConsoleSettings,
    gate: DidGate | None = None,
    hub: LiveHub | None = None,
    simulator: SimulatorClient | None = None,
) -> Flask:
    """The agent console over ``store``, running the flows of ``config`` through ``client``.

    ``gate`` is the DID gate to share with the call-log service (one cache
    for both); ``hub`` the live hub the service's ``on_ingest`` publishes to.
    ``simulator`` (a control-plane client) turns the simulator panel on.
    """
    if len(settings.secret_key) < 32:
        raise ValueError("the console's secret key must be at least 32 characters")
    app = Flask(__name__.rsplit(".", 1)[0])
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
        SESSION_COOKIE_NAME="mcc_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # A form left open all shift still submits; the session bounds it anyway.
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        TEMPLATES_AUTO_RELOAD=False,
    )
    state = ConsoleState(
        store=store,
        config=config,
        client=client,
        gate=gate or DidGate(store, config.default_region),
        settings=settings,
        hub=hub
        or LiveHub(
            max_streams=settings.max_streams,
            per_user=settings.streams_per_user,
            heartbeat_s=settings.heartbeat_s,
        ),
        board=PopupBoard(),
        simulator=simulator,
    )
    app.extensions[EXTENSION] = state
    csrf = CSRFProtect(app)
    for module in (accounts, leads, popups, events, dids, sim_panel):
        app.register_blueprint(module.blueprint())
    csrf.exempt(popups.ring)  # token-guarded machine endpoint (see console.popups)
    app.before_request(_before)
    app.after_request(_headers)
    app.context_processor(_context)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    if settings.token:
        app.wsgi_app = TokenGate(app.wsgi_app, settings.token, prefix="/phone")  # type: ignore[method-assign]
    return app


def _before() -> None:
    # Read before the view reads the store: an event published in between is
    # then replayed by the live stream instead of being lost (console.live).
    g.seq = console_state().hub.seq


def _context() -> dict[str, Any]:
    state = console_state()
    agent = current_agent()
    current = state.board.current(agent.id) if agent is not None else None
    return {
        "agent": agent,
        "seq": g.get("seq", 0),
        "simulator_on": state.simulator is not None,
        "current_popup": current,
        "page": request.full_path.rstrip("?"),
    }


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    return response


def _wants_json() -> bool:
    return request.path.startswith("/phone/")


def _page(status: int, message: str) -> tuple[Any, int]:
    if _wants_json():
        return jsonify({"status": "error", "message": message}), status
    return render_template("error.html", status=status, message=message), status


def _csrf_refused(exc: CSRFError) -> tuple[Any, int]:
    return _page(
        400,
        "This form has expired or did not come from this console (its CSRF token is"
        " missing or wrong). Reload the page and send it again.",
    )


def _http_error(exc: HTTPException) -> tuple[Any, int]:
    status = exc.code or 500
    if status == 413:
        return _page(413, f"The request is larger than {MAX_FORM_BYTES // 1024} KiB.")
    return _page(status, _MESSAGES.get(status, exc.description or exc.name))


def _unexpected(exc: Exception) -> tuple[Any, int]:
    # Flask picks the most specific handler: an HTTPException never gets here.
    current_app.logger.exception("console error on %s", request.path)
    return _page(500, f"Something went wrong ({type(exc).__name__}); see the console's log.")
