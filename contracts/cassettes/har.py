"""Cassettes as an HTTP Archive (HAR 1.2), for tools that read HAR.

Built from the cassettes, never from the live exchange, so a HAR file holds
exactly what a cassette holds: secrets as ``***``, numbers masked. Call logs
are the partner's requests to the run, not the run's to the partner, so they
are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from contracts.cassettes.format import Cassette

__all__ = ["to_har"]


def _pairs(items: Iterable[Any]) -> list[dict[str, str]]:
    return [{"name": str(name), "value": str(value)} for name, value in items]


def _entry(cassette: Cassette) -> dict[str, Any]:
    request = cassette.request
    url = str(request.get("url") or "")
    body = request.get("body")
    answer: Mapping[str, Any] = cassette.answer or {}
    text = str(answer.get("body") or "")
    elapsed = float(answer.get("elapsed_ms") or 0.0)
    har_request: dict[str, Any] = {
        "method": request.get("method", "GET"),
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(request.get("headers") or ()),
        "queryString": _pairs(parse_qsl(urlsplit(url).query, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": -1 if body is None else len(str(body).encode("utf-8")),
    }
    if body is not None:
        har_request["postData"] = {
            "mimeType": request.get("content_type") or "",
            "text": str(body),
        }
    return {
        "pageref": cassette.probe,
        "startedDateTime": cassette.recorded_at,
        "time": elapsed,
        "request": har_request,
        "response": {
            "status": int(answer.get("status") or 0),
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _pairs(answer.get("headers") or ()),
            "content": {
                "size": len(text.encode("utf-8")),
                "mimeType": str(answer.get("content_type") or ""),
                "text": text,
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(text.encode("utf-8")),
        },
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
        "comment": f"{cassette.probe}: {cassette.label} -> {cassette.outcome.get('kind')}",
    }


def to_har(cassettes: Iterable[Cassette], *, version: str) -> dict[str, Any]:
    """A HAR document with one page per probe and one entry per exchange."""
    items = list(cassettes)
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "mcc record", "version": version},
            "pages": [
                {
                    "id": c.probe,
                    "title": c.label or c.probe,
                    "startedDateTime": c.recorded_at,
                    "pageTimings": {},
                }
                for c in items
            ],
            "entries": [_entry(c) for c in items],
        }
    }
