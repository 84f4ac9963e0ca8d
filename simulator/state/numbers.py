"""Indian phone numbers as the simulator sees them (``phonenumbers`` directly).

State is keyed by the 10-digit national number; providers render it back in
their own forms (``91XXXXXXXXXX`` DIDs, ``+91XXXXXXXXXX`` for Knowlarity, ...).
The simulator must not import ``connector.phone`` (the dependency rule), so
this is its own small normaliser.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

__all__ = ["crm", "e164", "is_e164_in", "national", "with_country_code"]

# Separators people type inside numbers: spaces, hyphens, dots, brackets.
_SEPARATORS = re.compile(r"[\s\-().]")
_CANDIDATE = re.compile(r"\+?\d{3,17}")
_E164_IN = re.compile(r"\+91\d{10,11}")


def national(text: str | None) -> str | None:
    """The national significant number (``9876543210``), or None if not a valid IN number.

    Accepts ``+91-9876543210``, ``919876543210``, ``09876543210``,
    ``98765 43210`` and toll-free ``1800...`` forms.
    """
    if text is None:
        return None
    return _national(text)


@lru_cache(maxsize=8192)
def _national(text: str) -> str | None:
    # Cached: every request carries the same few agent and customer numbers,
    # and phonenumbers' parse was an eighth of the simulator's time per request.
    cleaned = _SEPARATORS.sub("", text)
    if cleaned.startswith("0091"):
        cleaned = "+" + cleaned[2:]
    if not _CANDIDATE.fullmatch(cleaned):
        return None
    try:
        parsed = phonenumbers.parse(cleaned, "IN")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 91 or not phonenumbers.is_valid_number(parsed):
        return None
    return str(parsed.national_number)


def with_country_code(number: str) -> str:
    """``91`` + national: the Ozonetel DID form."""
    return f"91{number}"


def e164(number: str) -> str:
    """``+91`` + national: the Knowlarity form."""
    return f"+91{number}"


def crm(number: str) -> str:
    """``+91-`` + national: the LeadSquared form."""
    return f"+91-{number}"


def is_e164_in(text: str) -> bool:
    """True for a strict ``+91XXXXXXXXXX`` string (what Knowlarity expects)."""
    return bool(_E164_IN.fullmatch(text)) and national(text) is not None
