"""Reading provider parameters, and spotting what a connector failed to fill in.

Generic and Ozonetel routes take parameters from the query string, a form body
or a JSON body, in any mix (``docs/interfaces.md``); when a name appears twice
the query wins over the form, the form over JSON. Names are case-sensitive,
as in Ozonetel's PHP (``api_key`` and ``apiKey`` are different parameters).

A parameter longer than 8,192 characters is refused (HTTP 400, flag
``too_long``), as the web servers in front of real providers refuse long
request lines; it would otherwise be kept with the call (``uui``) for as long
as the call is.

A connector must never send an unresolved mail-merge token (``@{Lead:Phone,}``,
``@CustomerNumber``, ``{{Agent_Number}}``, ``${ENV}``) or the string ``null``
for a number; :func:`find_problems` finds them so that the app can refuse the
request (HTTP 400) and flag it in the journal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from flask import Request, request
from werkzeug.datastructures import Headers

from simulator.current import current_simulator
from simulator.limits import MAX_PARAM_CHARS
from simulator.state.numbers import national
from simulator.state.runtime import Simulator

__all__ = [
    "CUSTOMER_FIELDS",
    "NUMBER_FIELDS",
    "ParamProblem",
    "Params",
    "current_params",
    "find_problems",
    "provider_call",
    "read_params",
]

#: Parameters that carry a phone number, in every dialect.
NUMBER_FIELDS = frozenset(
    {
        "customerNumber",
        "agentPhoneNumber",
        "custNumber",
        "did",
        "customer_number",
        "agent_number",
        "k_number",
        "caller_id",
    }
)
#: Parameters that carry the customer's number (magic numbers are read here).
CUSTOMER_FIELDS = ("customerNumber", "custNumber", "customer_number")
#: Headers checked for unresolved tokens (Knowlarity credentials).
CHECKED_HEADERS = ("x-api-key", "authorization")

_TOKEN = re.compile(
    r"@\{[^}]*\}?"  # @{Lead:Phone,} (also unclosed)
    r"|@(?:VirtualNumber|CustomerNumber|AssociatedPhoneNumberWithoutCountryCode|CallbackUrl)\b"
    r"|\{\{[^}]*\}\}"  # {{Agent_Number}}
    r"|\$\{[A-Za-z_][A-Za-z0-9_]*\}"  # ${ENV_VAR} the connector did not expand
)
_NULL_TEXTS = frozenset({"null", "undefined"})
_LONGEST_NULL = max(map(len, _NULL_TEXTS))
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class Params(NamedTuple):
    """Merged request parameters (strings), plus the parsed JSON body if any.

    A named tuple: one is made on every provider request, and a frozen
    dataclass sets each field through ``object.__setattr__``.
    """

    values: Mapping[str, str] = MappingProxyType({})
    json_body: Any = None

    def get(self, name: str) -> str:
        """The value of ``name`` stripped of surrounding blanks, or ``""``."""
        return self.values.get(name, "").strip()

    def numbers(self, names: Iterable[str] = NUMBER_FIELDS) -> set[str]:
        """National forms of the number parameters that parse."""
        found = {national(self.values[n]) for n in names if n in self.values}
        return {n for n in found if n is not None}


@dataclass(frozen=True)
class ParamProblem:
    """A parameter a real provider would choke on."""

    name: str
    value: str
    flag: str  # "unresolved_token" | "null_value" | "too_long"
    refuse: bool

    @property
    def message(self) -> str:
        """The text of the 400 answer (names the parameter and what was in it)."""
        if self.flag == "too_long":
            return (
                f"{self.name[:64]} is longer than {MAX_PARAM_CHARS} characters"
                f" ({len(self.value)} characters)"
            )
        if self.flag == "unresolved_token":
            return f"unresolved mail-merge token in {self.name}: {self.value}"
        return f"null value in {self.name}: {self.value!r} is not a phone number"


def _text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def read_params(req: Request) -> Params:
    """Merge query, form and JSON-object parameters (query wins, then form)."""
    if not req.environ.get("CONTENT_TYPE"):
        # No body type: neither a form nor JSON can be read, only the query
        # (a plain GET, the usual click-to-call; no content type to parse).
        return Params(req.args.to_dict())
    values: dict[str, str] = {}
    try:
        body = req.get_json(silent=True) if req.mimetype.endswith("json") else None
    except RecursionError:  # absurdly nested JSON: treat like any unreadable body
        body = None
    if isinstance(body, dict):
        values.update({str(k): _text(v) for k, v in body.items()})
    if req.mimetype in _FORM_TYPES:  # Werkzeug parses no other body as a form
        values.update(req.form.to_dict(flat=True))
    values.update(req.args.to_dict(flat=True))
    return Params(values=values, json_body=body)


def current_params() -> Params:
    """The parameters of the current request (parsed once, by the provider pipeline)."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    params: Params | None = getattr(req, "sim_params", None)
    if params is None:
        params = read_params(req)
        req.sim_params = params
    return params


def provider_call() -> tuple[Simulator, Mapping[str, str]]:
    """The simulator and the parameter values of the provider request being answered.

    The provider pipeline put both on the request: one context lookup here
    where the app's and ``g``'s would be two more. Outside the pipeline (a view
    called in a bare request context) they are found as usual.
    """
    req = request._get_current_object()  # type: ignore[attr-defined]
    sim: Simulator | None = getattr(req, "simulator", None)
    params: Params | None = getattr(req, "sim_params", None)
    if sim is None or params is None:
        return current_simulator(), current_params().values
    return sim, params.values


def find_problems(
    params: Params, headers: Mapping[str, str | None] | Headers | None = None
) -> list[ParamProblem]:
    """Unresolved tokens anywhere; ``null`` or empty where a number belongs.

    Tokens and ``null`` numbers are refused. An empty number is only flagged:
    each dialect answers it with its own verbatim "should not be empty" /
    "All parameters are mandatory" text.
    """
    problems = []
    for name, value in params.values.items():
        if len(value) > MAX_PARAM_CHARS:
            problems.append(ParamProblem(name, value, "too_long", refuse=True))
            continue
        # Every token starts with "@", "{" or "$": most values skip the regex.
        token = _TOKEN.search(value) if ("@" in value or "{" in value or "$" in value) else None
        stripped = value.strip()
        if token:
            problems.append(ParamProblem(name, token.group(0), "unresolved_token", refuse=True))
        elif len(stripped) <= _LONGEST_NULL and stripped.lower() in _NULL_TEXTS:
            problems.append(ParamProblem(name, value, "null_value", refuse=name in NUMBER_FIELDS))
        elif not stripped and name in NUMBER_FIELDS:
            problems.append(ParamProblem(name, value, "null_value", refuse=False))
    if headers is None:
        return problems
    for name in CHECKED_HEADERS:
        # headers.get, not a copy of every header: a request's headers are
        # only looked up here (Werkzeug's headers match names case-insensitively).
        header = headers.get(name)
        if header and (token := _TOKEN.search(header)):
            problems.append(ParamProblem(name, token.group(0), "unresolved_token", refuse=True))
    return problems
