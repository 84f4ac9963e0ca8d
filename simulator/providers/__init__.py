"""Provider dialects: one folder each (``models``, ``routes``, ``render``, ``errors``, ``cdr``).

No dialect imports another; what several share sits beside the folders:
``base`` (the error base, dial outcomes, call times), ``params`` (reading and
vetting parameters) and ``pull`` (the seed's PullAPI, answered by two dialects).

:data:`DIALECTS` maps a dialect name (also its blueprint name and the prefix of
its operation names, e.g. ``ozonetel.agent_manual_dial``) to what the app
needs: a blueprint factory, its refusal envelope and its call-record builder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from flask import Blueprint, Response

from simulator.providers.generic import cdr as generic_cdr
from simulator.providers.generic import render as generic_render
from simulator.providers.generic import routes as generic_routes
from simulator.providers.knowlarity import cdr as knowlarity_cdr
from simulator.providers.knowlarity import render as knowlarity_render
from simulator.providers.knowlarity import routes as knowlarity_routes
from simulator.providers.ozonetel import cdr as ozonetel_cdr
from simulator.providers.ozonetel import render as ozonetel_render
from simulator.providers.ozonetel import routes as ozonetel_routes
from simulator.state.runtime import RecordBuilder

__all__ = ["DIALECTS", "Dialect"]


@dataclass(frozen=True)
class Dialect:
    """What the app needs from one dialect."""

    name: str
    blueprint: Callable[[], Blueprint]
    refusal: Callable[[int, str, str], Response]
    record: RecordBuilder


DIALECTS = MappingProxyType(
    {
        "generic": Dialect(
            "generic", generic_routes.blueprint, generic_render.refusal, generic_cdr.record
        ),
        "ozonetel": Dialect(
            "ozonetel", ozonetel_routes.blueprint, ozonetel_render.refusal, ozonetel_cdr.record
        ),
        "knowlarity": Dialect(
            "knowlarity",
            knowlarity_routes.blueprint,
            knowlarity_render.refusal,
            knowlarity_cdr.record,
        ),
    }
)
