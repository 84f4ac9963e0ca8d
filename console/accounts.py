"""Logging in and out: agents are CRM users with a console password.

A password is set with ``mcc crm users set-password USER``; the CRM keeps a
salted hash only (``crm.passwords``). A good login starts a fresh session
(the signed cookie Flask issues: the user id, nothing else) so no session
id or CSRF token from before the login survives it. Failed logins are
throttled per user id (``console.throttle``): past the limit that user id
is refused (429) until the window passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from connector import PhoneNumber, PhoneNumberError, parse_phone
from console.state import console_state
from crm import User

__all__ = [
    "LoggedIn",
    "blueprint",
    "current_agent",
    "login_required",
    "safe_next",
]

MAX_USER_ID_CHARS = 64
MAX_PASSWORD_CHARS = 256
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class LoggedIn:
    """The agent of this request: their CRM user and phone."""

    user: User
    phone: PhoneNumber | None

    @property
    def id(self) -> str:
        """The CRM user id."""
        return self.user.id

    @property
    def name(self) -> str:
        """The name to greet the agent with."""
        return self.user.name or self.user.id


def safe_next(value: str | None) -> str:
    """A local path to go back to after a form; anything else is the home page."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if len(value) > 512 or not value.isprintable():
        return "/"
    return value


def current_agent() -> LoggedIn | None:
    """The logged-in agent, read once per request (None when logged out)."""
    if "agent" in g:
        agent: LoggedIn | None = g.agent
        return agent
    user_id = session.get("user")
    agent = None
    if isinstance(user_id, str):
        store = console_state().store
        user = store.get_user(user_id)
        if user is not None:
            try:
                phone = parse_phone(user.phone, store.region) if user.phone else None
            except PhoneNumberError:
                phone = None
            agent = LoggedIn(user, phone)
    g.agent = agent
    return agent


def login_required(view: View) -> View:
    """Send a visitor who is not logged in to the login page (401 for the live stream)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_agent() is None:
            if request.method != "GET" or request.path == "/events":
                abort(401)
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def login() -> Any:
    """``GET``: the form; ``POST``: check the password and start a session."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_agent() is not None:
            return redirect(target)
        return render_template("login.html", next=target, user_id="")
    user_id = request.form.get("user_id", "").strip()[:MAX_USER_ID_CHARS]
    password = request.form.get("password", "")
    throttle = console_state().throttle
    if not user_id or throttle.locked(user_id):
        status, message = (
            (400, "Enter your user id and password.")
            if not user_id
            else (429, "Too many failed logins for this user id; try again in a few minutes.")
        )
        return render_template("login.html", next=target, user_id=user_id, error=message), status
    store = console_state().store
    if len(password) > MAX_PASSWORD_CHARS or not store.check_password(user_id, password):
        throttle.failed(user_id)
        message = "Wrong user id or password."
        return render_template("login.html", next=target, user_id=user_id, error=message), 401
    throttle.succeeded(user_id)
    session.clear()  # a fresh session: nothing from before the login carries over
    session["user"] = user_id
    session.permanent = True
    return redirect(target)


def logout() -> Response:
    """End the session."""
    session.clear()
    return redirect(url_for("accounts.login"))


def blueprint() -> Blueprint:
    """The login and logout routes."""
    bp = Blueprint("accounts", __name__)
    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
    return bp
