"""Phone numbers: parse any written form once, hold E.164, render per consumer.

Providers and the CRM disagree on how a number is written (``+91-9876543210``
for LeadSquared, ``919876543210`` for Ozonetel DIDs, ``09876543210`` for legacy
Exotel, bare national digits elsewhere), so the connector parses with
``phonenumbers`` and renders the form each consumer needs. Toll-free
(``1800 123 4567``) and landline numbers keep their leading digits: nothing is
stripped blindly. Pure module: no I/O, no globals beyond constant tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from connector.errors import PhoneNumberError

__all__ = ["NUMBER_FORMATS", "PhoneNumber", "is_valid_phone", "parse_phone"]

#: The written forms a number renders in (``PhoneNumber.format``).
NUMBER_FORMATS = ("crm", "e164", "with_country_code", "national", "trunk")

# Only what people put between digits; letters would let phonenumbers read
# vanity numbers ("1800-FLOWERS") or junk like "null" as digits.
_ALLOWED = re.compile(r"^\+?[\d\s().\-/]+$")
_E164 = re.compile(r"^\+[1-9]\d{5,14}$")
_SHOWN_CHARS = 40

_KINDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.TOLL_FREE: "toll_free",
}


def _shown(text: str) -> str:
    """The input as quoted in an error, cut short so a pasted blob stays readable."""
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "..."
    return repr(text)


@dataclass(frozen=True, order=True)
class PhoneNumber:
    """A valid phone number held in E.164 (``+919876543210``), rendered on demand."""

    e164: str

    def __post_init__(self) -> None:
        if not _E164.match(self.e164):
            raise PhoneNumberError(
                f"{_shown(self.e164)} is not in E.164 form (+ then country code and number);"
                " use parse_phone() for other forms"
            )

    @cached_property
    def _parsed(self) -> phonenumbers.PhoneNumber:
        return phonenumbers.parse(self.e164, None)

    @cached_property
    def country_code(self) -> int:
        """The country calling code, e.g. ``91``."""
        return int(self._parsed.country_code or 0)

    @cached_property
    def crm(self) -> str:
        """LeadSquared's form: ``+91-9876543210``."""
        return f"+{self.country_code}-{self.national}"

    @cached_property
    def national(self) -> str:
        """National significant number: no country code, no trunk ``0`` (``9876543210``)."""
        return str(phonenumbers.national_significant_number(self._parsed))

    @property
    def with_country_code(self) -> str:
        """Country code and number without ``+`` (``919876543210``, Ozonetel DIDs)."""
        return self.e164[1:]

    @cached_property
    def trunk(self) -> str:
        """As dialled inside the country (``09876543210``).

        Taken from the national format, so numbers dialled without a trunk
        prefix (``1800 123 4567``) stay as they are.
        """
        national = phonenumbers.format_number(self._parsed, PhoneNumberFormat.NATIONAL)
        return "".join(ch for ch in national if ch.isdigit())

    @property
    def kind(self) -> str:
        """``mobile``, ``landline``, ``toll_free`` or ``other``."""
        number_type = phonenumbers.number_type(self._parsed)
        if number_type == PhoneNumberType.FIXED_LINE_OR_MOBILE:
            # Indian numbering: 6-9 first are mobile series (providers.md section 7);
            # elsewhere the metadata cannot tell, so say so.
            if self.country_code == 91:
                return "mobile" if self.national[:1] in "6789" else "landline"
            return "other"
        return _KINDS.get(number_type, "other")

    def format(self, fmt: str) -> str:
        """Render in one of ``NUMBER_FORMATS``: crm, e164, with_country_code, national, trunk."""
        if fmt not in NUMBER_FORMATS:
            raise ValueError(
                f"{fmt!r} is not a number format; use one of {', '.join(NUMBER_FORMATS)}"
            )
        return str(getattr(self, fmt))

    def __str__(self) -> str:
        return self.e164


def parse_phone(text: str, region: str = "IN") -> PhoneNumber:
    """Parse any written form of a number (``+91 98765 43210``, ``09876543210``, ...).

    ``region`` is the default country for numbers written without a country
    code. A 12-digit ``91...`` string is read as ``+91`` when the rest is a
    valid number (phonenumbers does this for the default region's code).
    Raises ``PhoneNumberError`` naming the input when it is not a valid number.
    """
    if not isinstance(text, str):
        raise PhoneNumberError(f"{text!r} is not a phone number (expected text)")
    stripped = text.strip()
    if not stripped:
        raise PhoneNumberError("the phone number is empty; give digits like 9876543210")
    if not _ALLOWED.match(stripped):
        raise PhoneNumberError(
            f"{_shown(stripped)} is not a phone number: only digits, spaces, +, -, (, ) allowed"
        )
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise PhoneNumberError(f"{region!r} is not a region code; use two letters such as IN")
    try:
        parsed = phonenumbers.parse(stripped, region.upper())
    except NumberParseException:
        raise PhoneNumberError(f"{_shown(stripped)} is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        digits = sum(ch.isdigit() for ch in stripped)
        hint = "too short" if digits < 8 else f"not a valid number for region {region.upper()}"
        raise PhoneNumberError(f"{_shown(stripped)} is {hint}")
    number = PhoneNumber(phonenumbers.format_number(parsed, PhoneNumberFormat.E164))
    vars(number)["_parsed"] = parsed  # the cached_property's value: no second parse for .crm
    return number


def is_valid_phone(text: str, region: str = "IN") -> bool:
    """True when ``parse_phone`` would accept ``text``."""
    try:
        parse_phone(text, region)
    except PhoneNumberError:
        return False
    return True
