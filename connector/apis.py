"""The connector's three provider APIs, by name.

A leaf module (no imports): a command line can offer the names as choices
without loading the config model and its validation stack.
"""

from __future__ import annotations

__all__ = ["API_NAMES"]

API_NAMES = ("click_to_call", "agent_popup", "did_list")
