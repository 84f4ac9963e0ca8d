"""Suite-wide plugins: pytester drives the harness's own pytest plugin in tests/simulator."""

pytest_plugins = ["pytester"]
