"""One seedable random source for every id the simulator hands out.

Two simulators built with the same ``random_seed`` hand out the same UCIDs and
Knowlarity call ids in the same order, so recorded runs can be replayed.
"""

from __future__ import annotations

import random
import threading
import uuid

__all__ = ["IdSource"]

# monitorUCID values seen in real callbacks are 15-17 digit strings; we issue
# 16-17 digits so that no id has a leading zero or collides with a phone number.
_UCID_LOW = 10**15
_UCID_HIGH = 10**17 - 1
_UCID_SPAN = _UCID_HIGH - _UCID_LOW + 1
_UCID_BITS = _UCID_SPAN.bit_length()


class IdSource:
    """Random ids from one ``random.Random`` (seeded, or from OS entropy)."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Start the sequence again (same seed gives the same ids again)."""
        with self._lock:
            self._random = random.Random(self._seed)

    def ucid(self) -> str:
        """An Ozonetel-style monitorUCID: a 16-17 digit string.

        The same draw as ``randint(_UCID_LOW, _UCID_HIGH)`` (getrandbits with
        rejection, as ``random`` does it), so a seed gives the ids it always
        gave, without randint's argument checks on every call.
        """
        getrandbits = self._random.getrandbits
        with self._lock:
            drawn = getrandbits(_UCID_BITS)
            while drawn >= _UCID_SPAN:
                drawn = getrandbits(_UCID_BITS)
        return str(_UCID_LOW + drawn)

    def call_id(self) -> str:
        """A Knowlarity-style call id: a version-4 UUID string."""
        with self._lock:
            bits = self._random.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))
