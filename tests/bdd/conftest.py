"""Shared step definitions for the Gherkin features (area steps live in test_<area>.py)."""
