"""Work done once per configuration object.

Configs (``ApiConfig``, a tuple of ``ResponseRule``) are immutable and few,
and every call uses the same ones, so what can be derived from them alone
(parsed templates, folded rule values) is derived once. They hold dicts, so
they have no hash: entries are keyed by identity and keep their key alive,
so an id is never reused while its entry exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["IdentityCache"]

K = TypeVar("K")
V = TypeVar("V")


class IdentityCache(Generic[K, V]):
    """``compute(key)`` once per key object, for at most ``maxsize`` keys.

    An exception from ``compute`` is not cached: it is raised on every call.
    Thread-safe enough for its use: a race computes a value twice, never a
    wrong one.
    """

    def __init__(self, compute: Callable[[K], V], maxsize: int = 256) -> None:
        self._compute = compute
        self._maxsize = maxsize
        self._entries: dict[int, tuple[K, V]] = {}

    def __call__(self, key: K) -> V:
        hit = self._entries.get(id(key))
        if hit is not None and hit[0] is key:
            return hit[1]
        value = self._compute(key)
        if len(self._entries) >= self._maxsize:
            self._entries.clear()  # a long-lived process meets few configs
        self._entries[id(key)] = (key, value)
        return value
