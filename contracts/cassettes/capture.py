"""One exchange of a run as a cassette, redacted at write time.

Everything a cassette keeps passes through ``SafeText`` with the request's
own secrets, exactly as evidence in reports does: keys become ``***`` in
every form they travel in, credential-named fields are blanked, and phone
numbers keep only their last four digits (unless ``--show-numbers``).

So that a replay can still tell one probe from another and give back valid
numbers, a cassette also keeps, without any secret or number in them:

- ``request.params``: each parameter's *role*: ``secret`` (a config
  ``${VAR}``), ``empty``, ``callback`` (the run's call-log URL), ``number``
  (with the fixture it came from) or ``literal``, with its redacted value;
- ``numbers``: which fixture each masked number stands for
  (``"+91-******5678": "customer_number"``), so a replay given the same
  fixtures restores them;
- ``volatile``: the call ids and times of the answer, which a replay
  regenerates and a drift check ignores.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

import connector
from contracts.cassettes.fingerprint import fingerprint, flatten, time_form
from contracts.cassettes.format import Cassette, RecordedCallLog
from contracts.clauses.context import Seen
from contracts.evidence import ANSWER_HEADERS, SafeText
from contracts.fixtures import Fixtures
from contracts.receiver import Delivery

__all__ = [
    "MAX_BODY_CHARS",
    "NUMBER_FIXTURES",
    "Capture",
    "call_log_document",
    "call_log_outcome",
    "volatile_values",
]

MAX_BODY_CHARS = 256 * 1024
# Fixtures that hold phone numbers: a masked number is mapped back to its fixture.
NUMBER_FIXTURES = (
    "customer_number",
    "dnd_number",
    "ringing_agent_phone",
    "ringing_customer_number",
    "idle_agent_phone",
    "invalid_agent_number",
    "rate_limited_agent_phone",
    "answering_number",
    "no_answer_number",
)
_FORMS = ("crm", "e164", "national", "with_country_code", "trunk")
# Headers every client sends: not the config's parameters.
_PLAIN_HEADERS = frozenset(
    {"host", "user-agent", "accept", "accept-encoding", "connection", "content-length"}
)
_ID_KEYS = ("ucid", "callid", "call_id", "monitorucid", "uuid", "requestid", "request_id", "sid")


def _fixture_numbers(fixtures: Fixtures, region: str) -> dict[str, str]:
    """Every written form of every fixture number -> the fixture's name."""
    found: dict[str, str] = {}
    for name in NUMBER_FIXTURES:
        text = getattr(fixtures, name, None)
        if not text:
            continue
        try:
            number = connector.parse_phone(str(text), region)
        except connector.PhoneNumberError:
            continue
        for form in _FORMS:
            found.setdefault(number.format(form), name)
    return found


def volatile_values(answer: connector.Answer | None, call_id: str | None) -> dict[str, str]:
    """Values of ``answer`` that change from call to call -> their kind (``call_id``, ``time``)."""
    found: dict[str, str] = {}
    if call_id:
        found[call_id] = "call_id"
    if answer is None or answer.document is None:
        return found
    for path, value in flatten(answer.document):
        if isinstance(value, Mapping | list) or value is None or isinstance(value, bool):
            continue
        text = str(value)
        last = path.rsplit(".", 1)[-1].removesuffix("[]")
        if last.casefold().replace("-", "_") in _ID_KEYS and text:
            found.setdefault(text, "call_id")
        elif time_form(text, last) is not None:
            found.setdefault(text, "time")
    return found


def _volatile_entries(volatile: Mapping[str, str], safe: SafeText) -> tuple[dict[str, str], ...]:
    """A cassette's ``volatile`` list: each value redacted, its kind, and a time's form."""
    return tuple(
        {"value": safe.text(value), "kind": kind}
        | ({"form": form} if (form := time_form(value)) else {})
        for value, kind in volatile.items()
    )


def call_log_document(content_type: str | None, body: str) -> connector.Answer:
    """A call log's body read as an answer: Ozonetel's ``data=<JSON>`` unwrapped, a
    form as a JSON object, JSON as it is."""
    if content_type and "form-urlencoded" in content_type:
        pairs = dict(parse_qsl(body, keep_blank_values=True))
        if "data" in pairs:
            return connector.Answer.of_text(pairs["data"], "application/json")
        return connector.Answer.of_text(json.dumps(pairs), "application/json")
    return connector.Answer.of_text(body, content_type)


def call_log_outcome(delivery: Delivery) -> dict[str, Any]:
    """What the connector's parser (the receiver's, the config's format) made of a call log.

    No values: whether it could be read, each record's status, and whether its
    call id, times and numbers were readable, which is what the CRM stores.
    """
    return {
        "problem": delivery.problem,
        "records": [
            {
                "status": str(record.status),
                "call_id": bool(record.call_id),
                "times": record.started_at is not None and record.ended_at is not None,
                "agent_phone": record.agent_phone is not None,
                "recording": record.recording_url is not None,
            }
            for record in delivery.records
        ],
    }


def _params(request: connector.RenderedRequest) -> list[tuple[str, str]]:
    """The request's parameters: query, then form or JSON body fields, then headers."""
    parts = urlsplit(request.url)
    found = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    body = request.body.decode("utf-8", errors="replace") if request.body else ""
    content_type = (request.content_type or "").lower()
    if body and "json" in content_type:
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict):
            for key, value in document.items():
                text = value if isinstance(value, str) else json.dumps(value)
                found.append((str(key), text))
    elif body and "form" in content_type:
        found += parse_qsl(body, keep_blank_values=True)
    for name, value in request.headers:
        if name.lower() not in _PLAIN_HEADERS and name.lower() != "content-type":
            found.append((f"header:{name.lower()}", value))
    return found


@dataclass
class Capture:
    """Turns a run's exchanges into cassettes, all redacted the same way."""

    fixtures: Fixtures
    region: str
    secrets: Iterable[str]
    show_numbers: bool = False
    callback_url: str | None = None
    base_url: str | None = None  # the run's target: URLs under it are replayed under the replay's
    recordings: Mapping[str, tuple[int, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.secrets = frozenset(s for s in self.secrets if s)
        self._numbers = _fixture_numbers(self.fixtures, self.region)

    def _safe(self, request: connector.RenderedRequest) -> SafeText:
        return SafeText(set(self.secrets) | set(request.secrets), show_numbers=self.show_numbers)

    def numbers_in(self, raw_texts: Iterable[str]) -> dict[str, str]:
        """Masked form -> fixture, for every fixture number that shows in the raw texts."""
        if self.show_numbers:
            return {}
        joined = "\n".join(raw_texts)
        decoded = unquote_plus(joined)
        return {
            connector.mask_number(form): name
            for form, name in self._numbers.items()
            if form in joined or form in decoded
        }

    def _param(
        self, name: str, value: str, request: connector.RenderedRequest, safe: SafeText
    ) -> dict[str, Any]:
        secrets = set(request.secrets) | set(self.secrets)
        if value == "":
            return {"name": name, "role": "empty", "value": ""}
        if value in secrets or any(s and s in value for s in secrets):
            return {"name": name, "role": "secret", "value": "***"}
        if self.callback_url and value == self.callback_url:
            return {"name": name, "role": "callback", "value": "@CallbackUrl"}
        fixture = self._numbers.get(value)
        if fixture is not None:
            return {"name": name, "role": "number", "value": safe.text(value), "fixture": fixture}
        return {"name": name, "role": "literal", "value": safe.text(value)}

    def cassette(
        self, seen: Seen, *, probe: str, clause: str, order: int, at: datetime
    ) -> Cassette:
        """The cassette of one exchange (:mod:`contracts.record` files its call logs with it)."""
        result = seen.result
        request = result.request
        safe = self._safe(request)
        answer = result.answer
        outcome = result.outcome
        found_id = connector.call_id(outcome.data, answer) if outcome.ok else None
        volatile = volatile_values(answer, found_id)
        body = request.redacted_body()
        recorded_request = {
            "method": request.method,
            "path": urlsplit(request.url).path or "/",
            "url": safe.text(request.redacted_url()),
            "headers": [list(pair) for pair in safe.headers(request.redacted_headers())],
            "content_type": request.content_type,
            "body": None if body is None else safe.text(body),
            "params": [self._param(n, v, request, safe) for n, v in _params(request)],
        }
        recorded_answer = None
        raw_texts = [request.url, request.body.decode("utf-8", "replace") if request.body else ""]
        if answer is not None:
            raw_texts.append(answer.text)
            headers = [
                (name, value) for name, value in result.headers.items() if name in ANSWER_HEADERS
            ]
            recorded_answer = {
                "status": answer.status,
                "content_type": result.headers.get("content-type"),
                "headers": [list(pair) for pair in safe.headers(headers)],
                "body": safe.text(answer.text[:MAX_BODY_CHARS]),
                "elapsed_ms": round(outcome.elapsed * 1000.0, 1),
            }
        return Cassette(
            probe=probe,
            clause=clause,
            api=seen.api,
            label=safe.text(seen.label),
            order=order,
            recorded_at=at.astimezone(UTC).isoformat(timespec="milliseconds"),
            request=recorded_request,
            answer=recorded_answer,
            outcome={
                "kind": outcome.kind,
                "reason": str(outcome.reason),
                "message": safe.text(outcome.message),
                "data": sorted(k for k, v in outcome.data.items() if v not in (None, "")),
                "call_id": None if found_id is None else safe.text(found_id),
            },
            fingerprint=fingerprint(answer, volatile=volatile, latency_ms=outcome.elapsed * 1000.0),
            volatile=_volatile_entries(volatile, safe),
            numbers=self.numbers_in(raw_texts),
        )

    def call_log(self, delivery: Delivery, after_s: float) -> tuple[RecordedCallLog, list[str]]:
        """One delivery, redacted, and the raw texts its numbers were found in."""
        safe = SafeText(self.secrets, show_numbers=self.show_numbers)
        text = delivery.body.decode("utf-8", errors="replace")
        document = call_log_document(delivery.content_type, text)
        volatile: dict[str, str] = {}
        for record in delivery.records:
            volatile.setdefault(record.call_id, "call_id")
        volatile.update({k: v for k, v in volatile_values(document, None).items() if v == "time"})
        if self.base_url and self.base_url in text:
            volatile[self.base_url] = "base_url"
        recordings = []
        for record in delivery.records:
            heard = self.recordings.get(record.recording_url or "")
            if heard is not None and record.recording_url:
                recordings.append(
                    {
                        "path": safe.text(urlsplit(record.recording_url).path),
                        "status": heard[0],
                        "content_type": heard[1],
                    }
                )
        # Ozonetel echoes the key as Apikey: blanked by name, whatever its value.
        redacted = safe.text(text[:MAX_BODY_CHARS])
        return (
            RecordedCallLog(
                content_type=delivery.content_type,
                body=redacted,
                after_s=max(0.0, after_s),
                answered=delivery.answered,
                volatile=_volatile_entries(volatile, safe),
                fingerprint=fingerprint(document, volatile=volatile),
                recordings=tuple(recordings),
                outcome=call_log_outcome(delivery),
            ),
            [text],
        )
