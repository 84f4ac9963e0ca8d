"""The bare-Werkzeug floor of the simulator benchmark: bare Flask's routes without Flask.

The same two routes, parameters and bytes as :mod:`benchmarks.bare_flask`,
answered by a Werkzeug ``Request``/``Response`` and a routing ``Map`` alone:
no application or request context, no hooks, no signals, no sessions. It has
no target of its own; beside bare Flask on the same server it measures what
Flask's request cycle costs per request, which is what serving the
simulator's provider routes outside that cycle could save at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from benchmarks.bare_flask import AMD_BODY, CLICK_BODY, JSON_TYPE, MISSING_BODY, REQUIRED, XML_TYPE

__all__ = ["create_bare_werkzeug_app"]

_ROUTES = Map(
    [
        Rule(
            "/CAServices/AgentManualDial.php",
            endpoint=(AMD_BODY, XML_TYPE),
            methods=["GET", "POST"],
        ),
        Rule("/click2call", endpoint=(CLICK_BODY, JSON_TYPE), methods=["GET", "POST"]),
    ]
)


def create_bare_werkzeug_app() -> Any:
    """A WSGI app with the two benchmark routes, on Werkzeug alone."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            (body, content_type), _ = _ROUTES.bind_to_environ(environ).match()
        except HTTPException as exc:
            return exc(environ, start_response)
        values = request.values
        if not all(values.get(name, "").strip() for name in REQUIRED):
            body, content_type = MISSING_BODY, JSON_TYPE
        return Response(body, 200, content_type=content_type)(environ, start_response)

    return app
