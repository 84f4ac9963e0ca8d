"""Test API: call one configured API with sample values and show what it meant.

The command-line twin of the connector's "Test And Map Response" screen: the
admin gives a sample value for every token in the API (``Lead:Phone``,
``User:TelephonyAgentId``, ``VirtualNumber``, ``CustomerNumber``,
``Agent_Number``, ``CallbackUrl``...; a number token's ``[form]`` suffix does
not change its key), the request is rendered and sent, and the answer is shown
with its outcome and the response rules one could paste under ``response:``.
Secrets come from the environment only (never from the command line, where
shell history would keep them) and are shown as ``***``. Everything the
provider sent (body, headers, captured data, suggested rules) is printed
through ``connector.document.visible``: an ANSI or OSC sequence, a bare CR or
a NUL in an answer shows as ``␛[31m``, ``␍``, ``␀``, never acts on the terminal.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpx
from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from connector.client import CallResult, Client
from connector.config import ConnectorConfig, ResponseRule, with_base_url
from connector.document import visible
from connector.errors import PhoneNumberError
from connector.phone import PhoneNumber, parse_phone
from connector.redaction import Redactor
from connector.suggest import rules_to_yaml, suggest_rules
from connector.templating import MergeContext, tokens_in_api
from connector.tokens import Token

__all__ = [
    "SHOWN_HEADERS",
    "TestApiReport",
    "build_context",
    "make_transport",
    "missing_samples",
    "parse_samples",
    "print_report",
    "run_test_api",
    "sample_key",
    "sample_keys",
    "unknown_samples",
]

SHOWN_HEADERS = ("content-type", "content-length", "location", "server", "date")
BODY_EXCERPT_CHARS = 1000
AGENT_KEYS = ("Agent_Number", "AssociatedPhoneNumberWithoutCountryCode")
_ENTITY = {"lead": "Lead", "user": "User", "owner": "Owner"}
# A token's spelling as a sample key; a number form (``@CustomerNumber[e164]``,
# ``{{Agent_Number[e164]}}``) gives the same key: the sample is the number itself.
_FORM = r"(?:\s*\[[^\]]*\])?"
_WRAPPED = re.compile(
    r"^(?:@\{(?P<merge>[^,}]*)(?:,[^}]*)?\}"
    rf"|\{{\{{\s*(?P<dbl>\w+){_FORM}\s*\}}\}}"
    rf"|@?(?P<at>\w+){_FORM})$"
)


def sample_key(token: Token) -> str | None:
    """The ``--sample`` key that gives ``token`` its value; ``None`` for ``${ENV}``."""
    if token.kind in _ENTITY:
        return f"{_ENTITY[token.kind]}:{token.field}"
    return {
        "virtual_number": "VirtualNumber",
        "customer_number": "CustomerNumber",
        "agent_phone": "AssociatedPhoneNumberWithoutCountryCode",
        "agent_number": "Agent_Number",
        "callback_url": "CallbackUrl",
    }.get(token.kind)


def _normal_key(key: str) -> str:
    """``@{Lead:Phone,}``, ``{{Agent_Number}}`` and ``@VirtualNumber`` as plain keys."""
    key = key.strip()
    match = _WRAPPED.match(key)
    if match:
        key = match.group("merge") or match.group("dbl") or match.group("at") or key
    entity, sep, field = key.partition(":")
    if sep:
        return f"{entity.strip().capitalize()}:{field.strip()}"
    return key


def parse_samples(values: Iterable[str]) -> dict[str, str]:
    """``["Lead:Phone=98...", ...]`` as a mapping; ``ValueError`` names a bad item."""
    samples: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{item!r} is not TOKEN=VALUE (e.g. Lead:Phone=9876543210)")
        samples[_normal_key(key)] = value
    return samples


def _satisfied(token: Token, key: str, samples: Mapping[str, str], vnf: str) -> bool:
    if key in samples:
        return True
    if token.default:  # a non-empty default stands in for a missing value
        return True
    if token.kind in ("agent_phone", "agent_number"):
        others = (*AGENT_KEYS, "User:PhoneMobile", "User:Phone")
        return any(samples.get(other) for other in others)
    if token.kind == "virtual_number":
        return f"User:{vnf}" in samples
    return False


def missing_samples(
    config: ConnectorConfig, api_name: str, samples: Mapping[str, str]
) -> list[str]:
    """The sample keys still needed for ``api_name``, in template order."""
    api = config.api(api_name)
    missing: list[str] = []
    for token in tokens_in_api(api):
        key = sample_key(token)
        if key is None or key in missing:
            continue
        if token.kind == "callback_url" and config.call_log and config.call_log.url:
            continue  # the config's own call-log URL stands in (call_log.url)
        if not _satisfied(token, key, samples, config.virtual_number_field):
            missing.append(key)
    return missing


def sample_keys(config: ConnectorConfig, api_name: str) -> list[str]:
    """Every ``--sample`` key ``api_name`` reads, in template order.

    A token's own key first; an agent phone token also reads ``Agent_Number``,
    ``AssociatedPhoneNumberWithoutCountryCode``, ``User:PhoneMobile`` and
    ``User:Phone``, and ``@VirtualNumber`` the user's DID field.
    """
    keys: list[str] = []
    for token in tokens_in_api(config.api(api_name)):
        key = sample_key(token)
        if key is None:
            continue
        found = [key]
        if token.kind in ("agent_phone", "agent_number"):
            found += [*AGENT_KEYS, "User:PhoneMobile", "User:Phone"]
        elif token.kind == "virtual_number":
            found.append(f"User:{config.virtual_number_field}")
        for each in found:
            if each not in keys:
                keys.append(each)
    return keys


def unknown_samples(
    config: ConnectorConfig, api_name: str, samples: Mapping[str, str]
) -> list[str]:
    """The sample keys no token of ``api_name`` reads (a typo, or another API's token).

    Field names compare without case, as templating looks them up.
    """
    known = {key.lower() for key in sample_keys(config, api_name)}
    return [key for key in samples if key.lower() not in known]


def _sample_number(samples: Mapping[str, str], key: str, region: str) -> PhoneNumber | None:
    """A sample number, parsed once here; a bad one names its ``--sample``."""
    text = samples.get(key)
    if not text:
        return None
    try:
        return parse_phone(text, region)
    except PhoneNumberError as exc:
        raise PhoneNumberError(f"--sample {key}: {exc}") from None


def build_context(
    config: ConnectorConfig, samples: Mapping[str, str], env: Mapping[str, str]
) -> MergeContext:
    """A merge context holding the samples, for ``config``'s DID field and region."""
    records: dict[str, dict[str, str]] = {"Lead": {}, "User": {}, "Owner": {}}
    for key, value in samples.items():
        entity, sep, field = key.partition(":")
        if sep and entity in records:
            records[entity][field] = value
    if "VirtualNumber" in samples:
        records["User"][config.virtual_number_field] = samples["VirtualNumber"]
    agent = next((k for k in AGENT_KEYS if samples.get(k)), None)
    region = config.default_region
    return MergeContext(
        lead=records["Lead"],
        user=records["User"],
        owner=records["Owner"],
        customer_number=_sample_number(samples, "CustomerNumber", region),
        agent_phone=_sample_number(samples, agent, region) if agent else None,
        virtual_number_field=config.virtual_number_field,
        region=config.default_region,
        env=env,
        callback_url=samples.get("CallbackUrl")
        or (config.call_log.url if config.call_log else None),
    )


@dataclass(frozen=True)
class TestApiReport:
    """One Test API run: the exchange and the rules the answer suggests."""

    __test__ = False  # not a pytest test class, despite the name

    config: ConnectorConfig
    api_name: str
    result: CallResult
    suggestions: tuple[ResponseRule, ...]


def make_transport() -> httpx.BaseTransport | None:
    """The transport ``mcc test-api`` uses: the network (tests replace this)."""
    return None


def run_test_api(
    config: ConnectorConfig,
    api_name: str,
    samples: Mapping[str, str],
    *,
    target: str | None = None,
    transport: httpx.BaseTransport | None = None,
    env: Mapping[str, str] | None = None,
) -> TestApiReport:
    """Render, send and map ``api_name`` with ``samples``.

    Raises ``TemplateError``/``ConfigError`` for bad input; a provider that
    cannot be reached gives an error outcome, as in production.
    """
    if target:
        config = with_base_url(config, target)
    api = config.api(api_name)
    environment = os.environ if env is None else env
    ctx = build_context(config, samples, environment)
    with Client(transport=transport, env=environment) as client:
        result = client.call(api, ctx, name=api_name)
    suggestions: tuple[ResponseRule, ...] = ()
    if result.answer is not None and result.answer.problem is None:
        suggestions = tuple(suggest_rules(result.answer))
    return TestApiReport(config=config, api_name=api_name, result=result, suggestions=suggestions)


def _table(rows: Iterable[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(Text(visible(name)), Text(visible(value)))
    return table


def print_report(
    report: TestApiReport, *, console: Console | None = None, show_numbers: bool = False
) -> None:
    """Print the request (secrets hidden), the answer, the outcome and suggested rules."""
    out = console or Console()
    result = report.result
    request = result.request
    redactor = Redactor(request.secrets, show_numbers=show_numbers)
    rows = [("method", request.method), ("url", redactor.text(request.url))]
    rows += [(f"header {n}", redactor.text(v)) for n, v in request.headers]
    if request.body is not None:
        rows.append(("body", redactor.text(request.body.decode("utf-8", errors="replace"))))
    out.print(Panel(_table(rows), title=f"Request: {report.api_name}", expand=False))

    outcome = result.outcome
    if result.answer is not None:
        answer = [("status", str(outcome.status)), ("elapsed", f"{outcome.elapsed * 1000:.0f} ms")]
        answer += [
            (name, redactor.text(result.headers[name]))
            for name in SHOWN_HEADERS
            if name in result.headers
        ]
        body = result.body[:BODY_EXCERPT_CHARS]
        if len(result.body) > BODY_EXCERPT_CHARS:
            body += f"... ({len(result.body)} characters)"
        answer.append(("body", redactor.text(body) or "(empty)"))
        out.print(Panel(_table(answer), title="Answer", expand=False))

    style = "green" if outcome.ok else "red"
    verdict = [("outcome", outcome.kind.upper()), ("reason", str(outcome.reason))]
    verdict.append(("message", redactor.text(outcome.message)))
    verdict += [(f"data {k}", redactor.text(str(v))) for k, v in outcome.data.items()]
    verdict += [("fired", f"{r.key} = {r.value!r} -> {r.outcome.value}") for r in outcome.fired]
    out.print(Panel(_table(verdict), title="Outcome", border_style=style, expand=False))

    if report.suggestions:
        text = visible(redactor.text(rules_to_yaml(report.suggestions)))
        out.print(Panel(Syntax(text, "yaml"), title="Suggested rules (paste under response:)"))
