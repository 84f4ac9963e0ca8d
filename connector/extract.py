"""What an answer says beyond success or error: the call id and the ringing number.

The admin's data rules capture values under their key paths; when they
captured none, the answer's own top-level fields are read (a JSON object's,
or the XML root's children: Ozonetel answers
``<response><status>queued successfully</status><ucid>...</ucid></response>``
by default, and a mapping may capture nothing). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connector.document import Answer

__all__ = ["CALL_ID_KEYS", "CUSTOMER_NUMBER_KEYS", "call_id", "customer_number_text"]

# Last segment (lower case) of a key that holds the provider's call id, best first.
# ``message`` last: PhoneManualDial puts the UCID there, others put prose there.
CALL_ID_KEYS = ("ucid", "monitorucid", "call_id", "callid", "callsid", "message")
# Last segment (lower case) of a key that holds the ringing customer's number.
CUSTOMER_NUMBER_KEYS = ("customernumber", "callerid", "caller_id", "customer_number", "custnumber")
_ID_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-.:]{3,63}$")


def _by_last_segment(values: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).rsplit(".", 1)[-1].lower(): value for key, value in values.items()}


def _call_id_in(values: Mapping[str, Any]) -> str | None:
    found = _by_last_segment(values)
    for key in CALL_ID_KEYS:
        value = found.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and _ID_LIKE.match(value.strip()):
            return value.strip()
    return None


def call_id(data: Mapping[str, Any], answer: Answer | None = None) -> str | None:
    """The provider's call id: captured data first (``ucid``, ``success.call_id``...),
    then the answer's top-level fields."""
    found = _call_id_in(data)
    if found is None and answer is not None:
        found = _call_id_in(answer.top)
    return found


def customer_number_text(data: Mapping[str, Any], answer: Answer | None = None) -> str | None:
    """The ringing customer's number as the provider wrote it (``customerNumber``,
    ``CallerID``...), or None; parse it with ``parse_phone``."""
    for source in (data, answer.top if answer is not None else {}):
        found = _by_last_segment(source)
        for key in CUSTOMER_NUMBER_KEYS:
            value = found.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()
    return None
