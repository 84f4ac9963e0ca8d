"""The pop-ups shown to each agent, kept in memory while their calls ring.

A pop-up belongs to one agent: the one whose phone rang. The board answers
"what is this agent's current pop-up" (a page built after the ring shows
it) and "is pop-up X this agent's" (every action on a pop-up checks it). It
keeps the last :data:`KEPT_PER_AGENT` per agent; a pop-up older than
:data:`CURRENT_FOR` or dismissed is no longer current. Nothing here is
written to the CRM: a pop-up is what the screen shows, the lead and the call
activity are the records.
"""

from __future__ import annotations

import secrets
import threading
from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from calling import Popup
from crm import Lead

__all__ = ["CURRENT_FOR", "KEPT_PER_AGENT", "PopupBoard", "ShownPopup"]

KEPT_PER_AGENT = 20
#: A ringing call is answered or gone within this; its pop-up then stops being current.
CURRENT_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class ShownPopup:
    """A pop-up on one agent's screen: the flow's ``Popup``, and the lead once saved."""

    id: str
    user_id: str
    popup: Popup
    at: datetime
    ring_id: str | None = None  # the phone's notification id, when it sent one
    lead: Lead | None = None  # the lead card shown (found, or created by Add Contact)
    dismissed: bool = False

    @property
    def needs_contact(self) -> bool:
        """True while the caller is unknown and no lead was saved from this pop-up."""
        return self.lead is None and self.popup.add_contact is not None


class PopupBoard:
    """Pop-ups per agent (bounded), safe to use from every request thread."""

    def __init__(self, clock: type[datetime] = datetime) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._shown: dict[str, deque[ShownPopup]] = {}

    def _now(self) -> datetime:
        return self._clock.now(UTC)

    def add(self, user_id: str, popup: Popup, ring_id: str | None = None) -> ShownPopup:
        """Put a new pop-up on ``user_id``'s screen."""
        shown = ShownPopup(
            id=secrets.token_urlsafe(9),
            user_id=user_id,
            popup=popup,
            at=self._now(),
            ring_id=ring_id,
            lead=popup.lead,
        )
        with self._lock:
            self._shown.setdefault(user_id, deque(maxlen=KEPT_PER_AGENT)).append(shown)
        return shown

    def get(self, user_id: str, popup_id: str) -> ShownPopup | None:
        """``user_id``'s pop-up ``popup_id``; None when it is not theirs (or gone)."""
        with self._lock:
            return next((p for p in self._shown.get(user_id, ()) if p.id == popup_id), None)

    def current(self, user_id: str) -> ShownPopup | None:
        """The agent's newest pop-up, unless dismissed or older than ``CURRENT_FOR``."""
        with self._lock:
            shown = self._shown.get(user_id)
            latest = shown[-1] if shown else None
        if latest is None or latest.dismissed or self._now() - latest.at > CURRENT_FOR:
            return None
        return latest

    def _swap(self, user_id: str, popup_id: str, **changes: object) -> ShownPopup | None:
        with self._lock:
            shown = self._shown.get(user_id)
            if not shown:
                return None
            for index, item in enumerate(shown):
                if item.id == popup_id:
                    shown[index] = replace(item, **changes)  # type: ignore[arg-type]
                    return shown[index]
        return None

    def show_lead(self, user_id: str, popup_id: str, lead: Lead) -> ShownPopup | None:
        """The pop-up turns into ``lead``'s card (after Add Contact)."""
        return self._swap(user_id, popup_id, lead=lead)

    def dismiss(self, user_id: str, popup_id: str) -> ShownPopup | None:
        """Close the pop-up (it stays in the board, no longer current)."""
        return self._swap(user_id, popup_id, dismissed=True)
