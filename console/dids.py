"""DIDs: the synced list the pop-up's gate uses, the last sync, and "Sync now".

"Sync now" runs the real flow (``calling.sync_dids``) with the console's
gate, so the next ring uses the new list at once. A failed sync keeps the
last good list and says why (the flow's rule); the page shows that error.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from calling import sync_dids
from connector import ConnectorError, PhoneNumberError, parse_phone, visible
from console.accounts import login_required
from console.state import console_state

__all__ = ["blueprint"]


def _shown(e164: str) -> str:
    try:
        return parse_phone(e164).crm
    except PhoneNumberError:
        return e164


@login_required
def dids() -> str:
    """The DID list and its sync status."""
    state = console_state()
    status = state.store.did_sync_status()
    numbers = sorted(state.store.did_set())
    return render_template(
        "dids.html",
        dids=[_shown(n) for n in numbers],
        status=status,
        can_sync="did_list" in state.config.apis,
    )


@login_required
def sync_now() -> Response:
    """Run the DID list API once."""
    state = console_state()
    if "did_list" not in state.config.apis:
        flash("This connector has no DID list API configured.", "error")
        return redirect(url_for("dids.dids"))
    try:
        result = sync_dids(state.store, state.client, state.config, gate=state.gate)
    except ConnectorError as exc:
        flash(f"Sync failed: {visible(str(exc))}", "error")
        return redirect(url_for("dids.dids"))
    flash(
        ("Synced: " if result.ok else "Sync failed: ") + visible(result.message),
        "ok" if result.ok else "error",
    )
    return redirect(url_for("dids.dids"))


def blueprint() -> Blueprint:
    """The DID page and its sync button."""
    bp = Blueprint("dids", __name__)
    bp.add_url_rule("/dids", "dids", dids, methods=["GET"])
    bp.add_url_rule("/dids/sync", "sync_now", sync_now, methods=["POST"])
    return bp
