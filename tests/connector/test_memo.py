"""IdentityCache: derived once per config object, keyed by identity."""

from __future__ import annotations

import pytest

from connector.memo import IdentityCache


def test_computes_once_per_object_and_again_for_an_equal_copy() -> None:
    calls: list[object] = []

    def size(d: dict[str, int]) -> int:
        calls.append(d)
        return len(d)

    cache: IdentityCache[dict[str, int], int] = IdentityCache(size)
    first = {"a": 1}
    assert cache(first) == 1
    assert cache(first) == 1
    assert len(calls) == 1
    assert cache({"a": 1}) == 1  # equal but another object: computed afresh
    assert len(calls) == 2


def test_an_error_is_raised_every_time_not_cached() -> None:
    calls: list[object] = []

    def fail(key: object) -> int:
        calls.append(key)
        raise ValueError("bad template")

    cache: IdentityCache[object, int] = IdentityCache(fail)
    key = object()
    for _ in range(2):
        with pytest.raises(ValueError, match="bad template"):
            cache(key)
    assert len(calls) == 2


def test_it_stays_bounded() -> None:
    cache: IdentityCache[object, int] = IdentityCache(id, maxsize=3)
    keys = [object() for _ in range(10)]
    for key in keys:
        assert cache(key) == id(key)
    assert len(cache._entries) <= 3
