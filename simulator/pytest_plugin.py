"""pytest plugin of the harness: fixtures that start a simulator (see README)."""
