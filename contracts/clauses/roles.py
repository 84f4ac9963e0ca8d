"""Which parameter of a config's request plays which role: username, API key, agent phone.

The error-case clauses blank or swap one of these, so they must find them
however the config names them (``userName``, ``acct``, ``x-api-key``...). The
names come from the API's own templates, never from a list of usual names:

- **username**: a parameter whose template holds a ``${VAR}`` whose name
  says ``USER`` (``${GENERIC_USERNAME}``): the same rule the embedded target
  uses to seed the account's username (:mod:`contracts.target`);
- **API key**: a parameter whose template holds any other ``${VAR}``
  (``${GENERIC_API_KEY}``, Knowlarity's ``${KNOWLARITY_SR_KEY}``);
- **agent phone**: a parameter whose template holds the agent's phone token
  (``@AssociatedPhoneNumberWithoutCountryCode`` or ``{{Agent_Number}}``).

Parameters are looked for wherever a config can put them: the URL's own
query string, ``params``, ``headers`` and the top-level fields of a raw JSON
``body_template``. The templates are read through the connector's public
``ApiConfig.template`` (tokens parsed once, with their ``kind``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import connector

__all__ = ["AGENT_PHONE_KINDS", "Roles", "is_username_secret", "roles"]

SECRET_KIND = "env"  # ${VAR}
# @AssociatedPhoneNumberWithoutCountryCode and {{Agent_Number}}.
AGENT_PHONE_KINDS = frozenset({"agent_phone", "agent_number"})
# The JSON key a body token's string belongs to: the literal before it ends in `"key": "...`.
_BODY_KEY = re.compile(r'"((?:[^"\\]|\\.)+)"\s*:\s*"[^"]*$')


def is_username_secret(variable: str) -> bool:
    """True for a ``${VAR}`` that holds the account's username (its name says USER)."""
    return "USER" in variable.upper()


@dataclass(frozen=True)
class Roles:
    """The parameter names of one API's request that play each role."""

    username: frozenset[str] = frozenset()
    api_key: frozenset[str] = frozenset()
    agent_phone: frozenset[str] = frozenset()

    @property
    def credentials(self) -> frozenset[str]:
        """Every parameter that carries a secret: the username and the keys."""
        return self.username | self.api_key


def _placed(api: connector.ApiConfig) -> Iterator[tuple[str, str, str]]:
    """``(parameter name, token kind, token field)`` for every named token of the templates."""
    template = api.template
    for group in (template.query, template.params, template.headers):
        for name, pieces in group:
            for piece in pieces:
                if not isinstance(piece, str):
                    yield name, piece.kind, piece.field or ""
    before = ""
    for piece in template.body or ():
        if isinstance(piece, str):
            before = piece
            continue
        key = _BODY_KEY.search(before)
        if key is not None:
            yield key.group(1), piece.kind, piece.field or ""


def roles(api: connector.ApiConfig) -> Roles:
    """The username, API key and agent phone parameters of ``api``, from its templates."""
    username: set[str] = set()
    api_key: set[str] = set()
    agent_phone: set[str] = set()
    for name, kind, variable in _placed(api):
        if kind == SECRET_KIND:
            (username if is_username_secret(variable) else api_key).add(name)
        elif kind in AGENT_PHONE_KINDS:
            agent_phone.add(name)
    return Roles(frozenset(username), frozenset(api_key), frozenset(agent_phone))
