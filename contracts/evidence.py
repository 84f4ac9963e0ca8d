"""Evidence of one exchange: the request and the answer, safe to publish.

Every string that leaves this module went through the connector's
``Redactor`` built with the request's own secrets (and their URL-encoded
forms), then through a key-based pass for answers that echo credentials under
another name (Ozonetel's callback echoes ``Apikey``). Customer numbers are
masked but for the last four digits unless ``show_numbers`` is set.

Reports keep the text as the partner sent it (``report.json`` holds it
JSON-escaped); the console, JUnit and HTML reporters, and ``mcc verify``'s
error lines, show it through :func:`visible`, so an ANSI or OSC sequence, a
bare CR or a NUL in an answer never reaches a terminal raw or makes
``junit.xml`` ill-formed (ESC shows as ``␛``).

The ``curl`` line replays the request with each secret left as ``$ENV_VAR``,
so it can be pasted into a shell where the partner's variables are set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus

import connector
from contracts.events import Evidence
from contracts.receiver import Delivery

__all__ = [
    "ANSWER_HEADERS",
    "EXCERPT_CHARS",
    "SafeText",
    "build_evidence",
    "curl_command",
    "delivery_evidence",
    "visible",
]

EXCERPT_CHARS = 500
# Only headers that help a partner debug; cookies and the like stay out.
ANSWER_HEADERS = ("content-type", "content-length", "retry-after", "location", "x-request-id")
_SECRET_NAMES = {
    "api_key",
    "apikey",
    "api-key",
    "x-api-key",
    "token",
    "access_token",
    "secret",
    "secretkey",
    "password",
    "authorization",
}
# <Apikey>value</Apikey> in XML answers; key=value and "key": "value" are the
# connector Redactor's own. Free text ("apiKey: no rule maps") must survive.
_KEYED_SECRET = re.compile(
    r"(?i)(<(api[_-]?key|x-api-key|token|secret(?:key)?|password|authorization)\b[^>]*>)"
    r"[^<]+(</\2\s*>)"
)


def visible(text: str) -> str:
    """``text`` safe for a terminal, an XML or HTML report (``connector.visible``)."""
    return connector.visible(text)


def _variants(secrets: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for secret in secrets:
        if secret:
            found.update({secret, quote(secret, safe=""), quote_plus(secret)})
    return frozenset(found)


class SafeText:
    """Redacts text and JSON for reports: secrets, keyed secrets, numbers."""

    def __init__(self, secrets: Iterable[str] = (), *, show_numbers: bool = False) -> None:
        self.secrets = _variants(secrets)
        self.redactor = connector.Redactor(self.secrets, show_numbers=show_numbers)

    def text(self, value: str) -> str:
        """Secrets -> ``***``, numbers masked, keyed secrets blanked."""
        return _KEYED_SECRET.sub(r"\1***\3", self.redactor.text(value))

    def answer(self, body: str, limit: int = EXCERPT_CHARS) -> str:
        """A redacted excerpt of an answer body (JSON is redacted by key too)."""
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict | list):
            body = json.dumps(self._walk(document), ensure_ascii=False)
        return self.text(body[:limit])

    def _walk(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {
                key: "***" if str(key).lower() in _SECRET_NAMES else self._walk(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self._walk(item) for item in value]
        return value

    def headers(self, pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """Header pairs with secret-named headers blanked and values redacted."""
        return tuple(
            (name, "***" if name.lower() in _SECRET_NAMES else self.text(value))
            for name, value in pairs
        )


def _double_quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")


def _shell_arg(text: str, names: Mapping[str, str], safe: SafeText) -> str:
    """``text`` as one double-quoted shell word; secrets become ``${VAR}``."""
    variants: dict[str, str] = {}
    for value, var in names.items():
        for form in _variants([value]):
            variants[form] = var
    if not variants:
        return '"' + _double_quoted(safe.text(text)) + '"'
    pattern = re.compile("|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True)))
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(_double_quoted(safe.text(text[last : match.start()])))
        out.append("${" + variants[match.group(0)] + "}")
        last = match.end()
    out.append(_double_quoted(safe.text(text[last:])))
    return '"' + "".join(out) + '"'


def curl_command(request: connector.RenderedRequest, *, show_numbers: bool = False) -> str:
    """A ``curl`` line replaying ``request`` (a ``connector.RenderedRequest``).

    Secrets named in ``request.secret_names`` become ``${VAR}``; any other
    secret is ``***`` (it cannot be replayed, but it must not leak either).
    """
    names: Mapping[str, str] = request.secret_names
    # Secrets without a variable name are redacted; named ones are replaced first.
    safe = SafeText(set(request.secrets) - set(names), show_numbers=show_numbers)
    words = ["curl", "-sS", "-X", request.method, _shell_arg(request.url, names, safe)]
    for name, value in request.headers:
        words += ["-H", _shell_arg(f"{name}: {value}", names, safe)]
    if request.body:
        body = request.body.decode("utf-8", errors="replace")
        words += ["--data-raw", _shell_arg(body, names, safe)]
    return " ".join(words)


def build_evidence(
    result: connector.CallResult, label: str, *, show_numbers: bool = False
) -> Evidence:
    """Evidence from a ``connector.CallResult``, redacted for publication."""
    request = result.request
    outcome = result.outcome
    safe = SafeText(request.secrets, show_numbers=show_numbers)
    body = request.redacted_body()
    answer_headers = [
        (name, value) for name, value in result.headers.items() if name.lower() in ANSWER_HEADERS
    ]
    return Evidence(
        label=label,
        method=request.method,
        url=safe.text(request.redacted_url()),
        headers=safe.headers(request.redacted_headers()),
        body=None if body is None else safe.text(body),
        status=outcome.status,
        answer_headers=safe.headers(answer_headers),
        answer_excerpt=safe.answer(result.body),
        outcome=outcome.kind,
        outcome_message=safe.text(outcome.message),
        elapsed_ms=outcome.elapsed * 1000.0,
        curl=curl_command(request, show_numbers=show_numbers),
    )


def _delivery_summary(delivery: Delivery) -> str:
    if delivery.problem is not None:
        return f"could not be read: {delivery.problem}"
    return "; ".join(
        f"call {record.call_id}: {record.status}, customer {record.customer_number.crm}"
        for record in delivery.records
    )


def delivery_evidence(delivery: Delivery, label: str, url: str, safe: SafeText) -> Evidence:
    """Evidence of one call log the partner pushed: its body and what the receiver made of it.

    Told from the partner's side: the request is the partner's POST to ``url``,
    the answer what the receiver answered (503 when it refused on purpose).
    """
    text = delivery.body.decode("utf-8", errors="replace")
    form = parse_qs(text) if "form-urlencoded" in (delivery.content_type or "") else {}
    words = ["curl", "-sS", "-X", "POST", '"' + _double_quoted(safe.text(url)) + '"']
    if "data" in form:
        # Ozonetel's shape, data=<JSON>: shown decoded, so it can be read and redacted.
        body = "data=" + safe.answer(form["data"][-1], limit=2000)
        words += ["--data-urlencode", '"' + _double_quoted(body) + '"']
    else:
        body = safe.answer(text, limit=2000)
        if delivery.content_type:
            words += ["-H", '"' + _double_quoted(f"content-type: {delivery.content_type}") + '"']
        words += ["--data-raw", '"' + _double_quoted(body) + '"']
    return Evidence(
        label=label,
        method="POST",
        url=safe.text(url),
        headers=safe.headers(delivery.headers),
        body=body,
        status=delivery.answered,
        answer_headers=(),
        answer_excerpt=f"received {delivery.received_at.isoformat(timespec='seconds')}",
        outcome="unreadable" if delivery.problem is not None else "read",
        outcome_message=safe.text(_delivery_summary(delivery)),
        elapsed_ms=0.0,
        curl=" ".join(words),
    )
