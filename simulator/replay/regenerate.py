"""Fresh values for a replayed answer: call ids, times, numbers.

A recorded answer is replayed verbatim but for what must change from call to
call or was never written down:

- every ``call_id`` volatile value gets a fresh id of the same shape (digits
  stay digits, the same length), the same within one answer and its call logs;
- every ``time`` value is moved by the time since the recording, in its own
  written form, so durations and the order of times stay as recorded;
- a URL under the recorded target (a recording link) points at the replay;
- every masked number (``+91-******5678``) is given back: the fixture it
  stands for when the replay was given that fixture, else a made-up mobile
  number with the same shape and last four digits.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import quote, quote_plus

__all__ = ["Regenerator", "fill_number", "shift_time"]

_STRPTIME = {
    "yyyy-mm-dd hh:mm:ss": "%Y-%m-%d %H:%M:%S",
    "yyyy-mm-dd": "%Y-%m-%d",
    "dd/mm/yyyy hh:mm:ss": "%d/%m/%Y %H:%M:%S",
    "dd/mm/yyyy": "%d/%m/%Y",
    "dd-mm-yyyy hh:mm:ss": "%d-%m-%Y %H:%M:%S",
    "dd-mm-yyyy": "%d-%m-%Y",
    "hh:mm:ss": "%H:%M:%S",
}
# A masked number as reports write it, also inside an encoded query or form.
_MASKED = re.compile(r"(?:(?:\+|%2[Bb])\d{1,3}-?)?\*{4,}\d{4}(?!\d)")
_MADE_UP = "9800000000"


def shift_time(value: str, form: str | None, delta: timedelta) -> str:
    """``value`` moved by ``delta``, written as it was; unchanged when unreadable."""
    try:
        if form == "iso8601":
            zulu = value.endswith("Z")
            moment = datetime.fromisoformat(value.removesuffix("Z") + ("+00:00" if zulu else ""))
            spec = "seconds" if "." not in value else "milliseconds"
            text = (moment + delta).isoformat(timespec=spec)
            return text.replace("+00:00", "Z") if zulu else text
        if form in ("epoch", "epoch_ms"):
            scale = 1000 if form == "epoch_ms" else 1
            return str(int(value) + int(delta.total_seconds() * scale))
        pattern = _STRPTIME.get(form or "")
        if pattern is None:
            return value
        if form and form.endswith("hh:mm:ss") and value.count(":") == 1:
            pattern = pattern.removesuffix(":%S")
        return (datetime.strptime(value, pattern) + delta).strftime(pattern)
    except (ValueError, OverflowError):
        return value


def fill_number(masked: str, national: str | None) -> str:
    """``masked`` with its hidden digits given back from ``national`` (ten digits).

    The shape stays: separators, a ``+`` and its country code, a trunk ``0``.
    Without ``national``, a made-up mobile number ending in the visible digits.
    """
    encoded_plus = masked[:3].upper() == "%2B"
    text = "+" + masked[3:] if encoded_plus else masked
    tail = "".join(ch for ch in text[-4:] if ch.isdigit())
    national = national or (_MADE_UP[: 10 - len(tail)] + tail)
    slots = sum(ch.isdigit() or ch == "*" for ch in text)
    if text.startswith("+"):
        head = ""
        for ch in text[1:]:
            if not ch.isdigit():
                break
            head += ch
        digits = (head + national)[-slots:]
    elif slots == 11:
        digits = "0" + national
    elif slots > 10:
        digits = ("91" + national)[-slots:]
    else:
        digits = national[-slots:]
    out, position = [], 0
    for ch in text:
        if ch.isdigit() or ch == "*":
            out.append(digits[position] if position < len(digits) else ch)
            position += 1
        else:
            out.append(ch)
    filled = "".join(out)
    return "%2B" + filled[1:] if encoded_plus else filled


class Regenerator:
    """Makes the fresh values of one replayed exchange (see module doc)."""

    def __init__(
        self,
        *,
        now: datetime,
        recorded_at: datetime | None,
        numbers: Mapping[str, str],
        fixtures: Mapping[str, str],
        rng: random.Random,
        base_url: str = "",
    ) -> None:
        self.delta = (now - recorded_at) if recorded_at is not None else timedelta(0)
        self.numbers = numbers
        self.fixtures = fixtures
        self.rng = rng
        self.base_url = base_url
        self.fresh: dict[str, str] = {}

    def _fresh_id(self, old: str) -> str:
        if old not in self.fresh:
            chars = []
            for index, ch in enumerate(old):
                if ch.isdigit():
                    chars.append(str(self.rng.randint(1 if index == 0 else 0, 9)))
                elif ch.isalpha():
                    pool = "abcdef" if ch.islower() else "ABCDEF"
                    chars.append(self.rng.choice(pool) if ch in "abcdefABCDEF" else ch)
                else:
                    chars.append(ch)
            self.fresh[old] = "".join(chars)
        return self.fresh[old]

    def _national(self, masked: str) -> str | None:
        fixture = self.numbers.get(masked) or self.numbers.get(masked.replace("%2B", "+"))
        text = self.fixtures.get(fixture or "")
        digits = "".join(ch for ch in str(text or "") if ch.isdigit())
        return digits[-10:] if len(digits) >= 10 else None

    def text(self, text: str, volatile: tuple[Mapping[str, str], ...]) -> str:
        """``text`` with fresh call ids and times, and numbers given back."""
        for item in sorted(volatile, key=lambda v: -len(v.get("value", ""))):
            old = item.get("value", "")
            if not old or "*" in old:
                continue
            if item.get("kind") == "call_id":
                new = self._fresh_id(old)
            elif item.get("kind") == "time":
                new = shift_time(old, item.get("form"), self.delta)
            elif item.get("kind") == "base_url" and self.base_url:
                new = self.base_url  # the recorded target's URLs now point at the replay
            else:
                continue
            for encode in (str, quote_plus, quote):
                text = text.replace(encode(old), encode(new))
        return _MASKED.sub(lambda m: fill_number(m.group(0), self._national(m.group(0))), text)
