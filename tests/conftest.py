"""Suite-wide plugins and test order (pytester drives the pytest plugin in tests/simulator)."""

import pytest

pytest_plugins = ["pytester"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked ``slow`` first (stable order otherwise).

    With ``pytest -n 2`` each worker then starts on a long test at once and
    the short ones fill in around them; left where they fall, two long tests
    can end up back to back on one worker while the other sits idle.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
