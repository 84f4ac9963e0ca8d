"""The bare-Flask peer of the simulator benchmark: same routes, same parameters, same bytes.

It answers ``/CAServices/AgentManualDial.php`` (Ozonetel's XML envelope) and
``/click2call`` (the generic JSON) from a Flask app that reads the same
parameters the simulator reads (query string and form, the five the routes
need) and returns a body of the same bytes and content type as the
simulator's success answer, with a fixed id of the same length. It keeps no
state, writes no journal and parses no number: the floor a Flask app on the
same server cannot go below.
"""

from __future__ import annotations

import json

from flask import Flask, Response, request

__all__ = [
    "AMD_BODY",
    "CLICK_BODY",
    "JSON_TYPE",
    "MISSING_BODY",
    "REQUIRED",
    "XML_TYPE",
    "create_bare_app",
]

#: The parameters both routes read (Ozonetel and the generic seed API share them).
REQUIRED = ("api_key", "username", "agentID", "campaignName", "customerNumber")
#: The simulator's success answers, with fixed ids of the same length as its UCIDs.
AMD_BODY = (
    '<?xml version="1.0"?><response><status>queued successfully</status>'
    "<ucid>16517209125077121</ucid></response>"
)
CLICK_BODY = json.dumps(
    {
        "status": "success",
        "message": "call initiated successfully",
        "monitorUcid": "16517209125077121",
        "callStartTime": "2024-01-15 10:00:00",
    }
)
XML_TYPE = "text/xml; charset=UTF-8"
JSON_TYPE = "application/json"
MISSING_BODY = '{"status":"error","message":"All parameters are mandatory"}'


def _read() -> bool:
    """Read the five parameters from the query string or form; True when all are there."""
    values = request.values
    return all(values.get(name, "").strip() for name in REQUIRED)


def create_bare_app() -> Flask:
    """A Flask app with the two benchmark routes and nothing else."""
    app = Flask("bare_flask_peer")

    @app.route("/CAServices/AgentManualDial.php", methods=["GET", "POST"])
    def agent_manual_dial() -> Response:
        if not _read():
            return Response(MISSING_BODY, 200, content_type=JSON_TYPE)
        return Response(AMD_BODY, 200, content_type=XML_TYPE)

    @app.route("/click2call", methods=["GET", "POST"])
    def click2call() -> Response:
        if not _read():
            return Response(MISSING_BODY, 200, content_type=JSON_TYPE)
        return Response(CLICK_BODY, 200, content_type=JSON_TYPE)

    return app
