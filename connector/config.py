"""Connector configuration: one YAML file per provider integration.

Mirrors what an admin enters in the connector's set-up screens: the calling
mode, the user field holding the agent's DID, and three provider APIs, each a
GET or POST URL with parameters, headers, optional body and response rules
(an API the provider does not have is listed under ``not_offered`` with why).
Validation is pydantic's; ``load_config`` turns its errors into
``ConfigError`` lines of the form ``apis.click_to_call.method: 'PUT' is not GET
or POST``.

Configs are immutable, and what can be derived from them alone is derived
once and kept on the object: an API's parsed templates (``ApiConfig.template``)
and each rule's comparison form (``ResponseRule.wanted``). Templates are
parsed while the config is validated, so a token that can never render
(``${}``, ``@{Lead:Phone`` unclosed, ``{{Other_Token}}``, ``@CustomerNumbr``,
``@CustomerNumber[x]``, a ``body_template`` that is no JSON) is a config
problem with its path (``apis.click_to_call.params.to: ...``), every one of
them listed, never a failed call later. ``load_config`` reads the file within
bounds (``connector.yamlfile``). ``model_copy`` with
an ``update`` validates the result like a new config, so nothing derived from
the old values survives a copy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from connector.apis import API_NAMES
from connector.calllog import CallLogFormat
from connector.document import fold
from connector.errors import ConfigError, TemplateError
from connector.phone import NUMBER_FORMATS
from connector.template import RequestTemplate
from connector.tokens import scan
from connector.yamlfile import read_yaml

__all__ = [
    "API_NAMES",
    "NON_JSON_KEY",
    "NUMBER_FORMATS",
    "ApiConfig",
    "BodyEncoding",
    "CallLogConfig",
    "CallbackDelivery",
    "Claims",
    "ConnectorConfig",
    "Mode",
    "ResponseRule",
    "RuleOutcome",
    "TemplateProblems",
    "load_config",
    "parse_config",
    "parse_duration",
    "with_base_url",
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PLAIN_KEY = re.compile(r"^[^\s.:\x00-\x1f\x7f]+$")


class TemplateProblems(ValueError):
    """Templates of one model that can never render; ``lines`` are relative to it.

    Raised by validators (pydantic wraps a ``ValueError``); ``parse_config``
    shows each line under the model's own path: ``apis.click_to_call.`` +
    ``params.to: token ... at position 0 ...``. ``error`` is the
    ``TemplateError`` the templates raised.
    """

    def __init__(self, error: TemplateError) -> None:
        self.error = error
        self.lines = error.problems or [str(error)]
        super().__init__("; ".join(self.lines))


class Mode(StrEnum):
    DEFAULT_AND_CLOUD = "default_and_cloud"
    CLOUD_ONLY = "cloud_only"


class RuleOutcome(StrEnum):
    SUCCESS = "success"
    ERROR = "error"
    DATA = "data"


class BodyEncoding(StrEnum):
    FORM = "form"
    JSON = "json"
    RAW = "raw"  # a raw JSON body template with tokens, as some integrators use


def parse_duration(value: object) -> float:
    """Seconds from ``30``, ``"30s"``, ``"5m"``, ``"4h"`` or ``"1d"``."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration like 30, '30s', '5m' or '4h'")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"{value!r} must be more than zero")
    return seconds


NON_JSON_KEY = "NonJSON"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update`` it is validated like a new config.

        pydantic's own copy would carry values derived from the old fields
        (a parsed URL template) and skip the validators.
        """
        if not update:
            return super().model_copy(deep=deep)
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return self.model_validate({**fields, **update})


class ResponseRule(_Model):
    """One response-mapping rule: when ``key`` has ``value``, the answer is ``outcome``.

    ``key`` is a dotted JSON path (``success.status``) or ``NonJSON`` (the raw
    text of a non-JSON body). An empty ``value`` matches any value; for ``data``
    rules it captures the value.
    """

    key: str = Field(min_length=1)
    value: str = ""
    outcome: RuleOutcome

    @field_validator("value", mode="before")
    @classmethod
    def _scalar_value(cls, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float | str):
            return str(value)
        raise ValueError(f"{value!r} is not a text, number or boolean")

    @cached_property
    def path(self) -> str:
        """The key as matched: trimmed."""
        return self.key.strip()

    @cached_property
    def non_json(self) -> bool:
        """True for a ``NonJSON`` rule (any case), which reads the raw text."""
        return self.path.casefold() == NON_JSON_KEY.casefold()

    @cached_property
    def wanted(self) -> str:
        """The value as compared: folded (see ``connector.document.fold``); empty matches any."""
        return fold(self.value)


class Claims(_Model):
    """What the partner claims its API accepts; the conformance runner checks each claim."""

    methods: tuple[Literal["GET", "POST"], ...] = ()
    number_formats: tuple[str, ...] = ()

    @field_validator("number_formats")
    @classmethod
    def _known_formats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for fmt in value:
            if fmt not in NUMBER_FORMATS:
                raise ValueError(f"{fmt!r} is not one of {', '.join(NUMBER_FORMATS)}")
        return value


class ApiConfig(_Model):
    """One provider API as the admin configures it."""

    method: str = "GET"
    url: str = Field(min_length=1)
    params: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    body: BodyEncoding | None = None
    body_template: str | None = None
    timeout: float = 10.0
    response: tuple[ResponseRule, ...] = ()
    sync_every: float | None = None
    claims: Claims = Field(default_factory=Claims)

    @field_validator("method", mode="before")
    @classmethod
    def _get_or_post(cls, value: object) -> str:
        method = str(value).strip().upper()
        if method not in ("GET", "POST"):
            raise ValueError(f"{value!r} is not GET or POST")
        return method

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s?#]+", value.strip()):
            raise ValueError(f"{value!r} is not an http:// or https:// URL with a host")
        return value.strip()

    @field_validator("params", "headers", mode="before")
    @classmethod
    def _text_values(cls, value: object) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ValueError(f"{value!r} is not a mapping of names to values")
        out: dict[str, str] = {}
        for key, item in value.items():
            if isinstance(item, Mapping | list):
                raise ValueError(f"{key}: {item!r} is not a text value")
            out[str(key)] = "" if item is None else str(item)
        return out

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: object) -> float:
        seconds = parse_duration(value)
        if seconds > 120:
            raise ValueError(f"{value!r} is longer than 120 seconds")
        return seconds

    @field_validator("sync_every", mode="before")
    @classmethod
    def _sync_every(cls, value: object) -> float | None:
        return None if value is None else parse_duration(value)

    @model_validator(mode="after")
    def _body_fits_method(self) -> ApiConfig:
        if self.method == "GET" and (self.body is not None or self.body_template is not None):
            raise ValueError("a GET request has no body; remove 'body' or use method POST")
        if self.body == BodyEncoding.RAW and not self.body_template:
            raise ValueError("body 'raw' needs a 'body_template'")
        if self.body_template and self.body not in (None, BodyEncoding.RAW):
            raise ValueError("'body_template' is only used with body 'raw'")
        return self

    @model_validator(mode="after")
    def _templates_render(self) -> ApiConfig:
        # Parsed here, so a token that can never render (``${}``, ``@CustomerNumbr``,
        # a body that is no JSON) fails the config with its path, not a call later.
        try:
            self.template  # noqa: B018 - parses and keeps the templates
        except TemplateError as exc:
            raise TemplateProblems(exc) from None
        return self

    @cached_property
    def template(self) -> RequestTemplate:
        """The URL, parameter, header and body templates, parsed once and kept.

        Parsed when the config is validated: a template that cannot render
        fails validation (``TemplateProblems``), so this never raises later.
        """
        body = self.body_template if self.body_encoding == BodyEncoding.RAW else None
        return RequestTemplate.parse(self.url, self.params, self.headers, body)

    @property
    def body_encoding(self) -> BodyEncoding | None:
        """How parameters travel: ``None`` means in the query string."""
        if self.method == "GET":
            return None
        if self.body_template:
            return BodyEncoding.RAW
        return self.body or BodyEncoding.FORM


class CallbackDelivery(StrEnum):
    """How the provider learns where to push call logs."""

    ACCOUNT = "account"  # the partner sets the URL once, in its portal
    PER_CALL = "per_call"  # the click-to-call request carries it (@CallbackUrl)


class CallLogConfig(_Model):
    """The call logs the provider pushes after each call (the other half of an integration).

    ``format`` picks the connector's parser (``ozonetel``: a form field
    ``data`` holding JSON, raw JSON or an array of records; ``generic``:
    LeadSquared's call log; ``knowlarity``: its call webhook); ``delivery`` says
    how the provider is told the URL.
    """

    format: CallLogFormat
    delivery: CallbackDelivery = CallbackDelivery.ACCOUNT
    # The CRM's call-log URL that @CallbackUrl sends with each call (the calling
    # flows use it; mcc verify sends its own receiver's); ${VAR}s allowed.
    url: str | None = None

    @model_validator(mode="after")
    def _url_renders(self) -> CallLogConfig:
        if self.url is not None:
            try:
                parts = scan(self.url.strip(), "url")
            except TemplateError as exc:
                raise TemplateProblems(exc) from None
            if any(not isinstance(part, str) and part.kind == "callback_url" for part in parts):
                # @CallbackUrl renders this URL: in it, it would name itself forever.
                raise TemplateProblems(
                    TemplateError("url: @CallbackUrl cannot be part of the call-log URL itself")
                )
        return self


class ConnectorConfig(_Model):
    """A whole integration: mode, DID field, the three APIs and the call logs.

    ``not_offered`` maps an API the provider does not have (Knowlarity has no
    agent pop-up) to the reason, so tools can say why it is missing.
    """

    name: str = "custom"
    mode: Mode = Mode.CLOUD_ONLY
    virtual_number_field: str = Field(default="mx_Custom_8", min_length=1)
    default_region: str = Field(default="IN", min_length=2, max_length=2)
    apis: dict[str, ApiConfig]
    call_log: CallLogConfig | None = None
    not_offered: dict[str, str] = Field(default_factory=dict)

    @field_validator("not_offered", mode="before")
    @classmethod
    def _reasons(cls, value: object) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ValueError(f"{value!r} is not a mapping of API names to reasons")
        out: dict[str, str] = {}
        for name, reason in value.items():
            if name not in API_NAMES:
                raise ValueError(f"{name!r} is not one of {', '.join(API_NAMES)}")
            if not isinstance(reason, str) or not reason.strip():
                raise ValueError(
                    f"the reason for {name} is empty; say why the provider does not offer it"
                )
            out[name] = reason.strip()
        return out

    @model_validator(mode="before")
    @classmethod
    def _known_apis(cls, data: object) -> object:
        apis = data.get("apis") if isinstance(data, Mapping) else None
        if isinstance(apis, Mapping):
            unknown = sorted(str(name) for name in apis if name not in API_NAMES)
            if unknown:
                raise ValueError(
                    f"apis.{unknown[0]}: {unknown[0]!r} is not one of {', '.join(API_NAMES)}"
                )
            if not apis:
                raise ValueError("apis: configure at least one of " + ", ".join(API_NAMES))
        return data

    @model_validator(mode="after")
    def _offered_or_not(self) -> ConnectorConfig:
        both = [name for name in API_NAMES if name in self.apis and name in self.not_offered]
        if both:
            raise ValueError(
                f"not_offered.{both[0]}: {both[0]} is also configured under 'apis'; keep one"
            )
        return self

    @model_validator(mode="after")
    def _did_sync_default(self) -> ConnectorConfig:
        did = self.apis.get("did_list")
        if did is not None and did.sync_every is None:
            # 4 hours: the seed's "for example, once every 4 hours".
            self.apis["did_list"] = did.model_copy(update={"sync_every": 4 * 3600.0})
        return self

    @model_validator(mode="after")
    def _callback_url_is_sent(self) -> ConnectorConfig:
        log = self.call_log
        if log is not None and log.delivery is CallbackDelivery.PER_CALL:
            click = self.apis.get("click_to_call")
            # The parsed template's tokens: URL, parameters, headers and body, and
            # not an "@CallbackUrl" that is only text (a merge token's default).
            tokens = [] if click is None else click.template.tokens()
            if not any(token.kind == "callback_url" for token in tokens):
                raise ValueError(
                    "apis.click_to_call: call_log.delivery per_call needs the @CallbackUrl"
                    ' token in this request (a parameter such as callback_url: "@CallbackUrl")'
                )
        return self

    def api(self, name: str) -> ApiConfig:
        try:
            return self.apis[name]
        except KeyError:
            reason = self.not_offered.get(name)
            if reason is not None:
                raise ConfigError(
                    f"{self.name}: API {name!r} is not configured: the provider does not"
                    f" offer it ({reason})"
                ) from None
            raise ConfigError(
                f"{self.name}: API {name!r} is not configured; add it under 'apis'"
            ) from None


def _location(loc: tuple[int | str, ...]) -> str:
    # A key that is empty, holds a dot or a control character is quoted: shown
    # bare it would vanish ("(top level)"), split the path, or garble the terminal.
    return (
        ".".join(
            repr(part) if isinstance(part, str) and not _PLAIN_KEY.match(part) else str(part)
            for part in loc
        )
        or "(top level)"
    )


def _problems(error: Mapping[str, Any]) -> list[str]:
    """The lines of one pydantic error: one, or one per template problem."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, TemplateProblems):
        loc = tuple(error.get("loc", ()))
        prefix = f"{_location(loc)}." if loc else ""
        return [prefix + line for line in cause.lines]
    return [_problem(error)]


def _problem(error: Mapping[str, Any]) -> str:
    loc = tuple(error.get("loc", ()))
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    if error.get("type") == "invalid_key":
        # pydantic puts the key itself last in loc (False shows as 0): show it as written.
        loc = loc[:-1]
        key = error.get("input")
        where = f"{_location(loc)}: " if loc else ""
        return (
            f"{where}key {key!r} is not text; quote it"
            " (YAML reads yes, no, on, off, null and numbers as other types)"
        )
    if error.get("type") == "extra_forbidden":
        message = "is not a known setting (check its spelling)"
    elif error.get("type") == "missing":
        message = "is required"
    elif "input" in error and not message.startswith("'") and error.get("type") != "value_error":
        message = f"{error['input']!r}: {message}"
    if not loc:  # model-level checks name their own path
        return message
    return f"{_location(loc)}: {message}"


def parse_config(data: object, source: str = "config") -> ConnectorConfig:
    """Validate already-loaded YAML data; raise ``ConfigError`` naming each bad field."""
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{source}: expected a mapping at the top level, got {type(data).__name__}"
        )
    try:
        return ConnectorConfig.model_validate(dict(data))
    except ValidationError as exc:
        problems = [line for err in exc.errors(include_url=False) for line in _problems(err)]
        raise ConfigError(f"{source} is not a valid connector config:", problems) from None


def load_config(path: str | Path) -> ConnectorConfig:
    """Read and validate a YAML config file (bounded: see ``connector.yamlfile``)."""
    return parse_config(read_yaml(path), source=str(Path(path)))


def with_base_url(config: ConnectorConfig, base_url: str) -> ConnectorConfig:
    """Point every API of ``config`` at ``base_url``: scheme, host and port change.

    Each API keeps its own path and query (tokens included), so a preset that
    names the provider's real host can be run against the simulator or a
    partner's staging host. A path in ``base_url`` is not allowed: it would be
    ambiguous whether it replaces or prefixes the API's path.
    """
    base = urlsplit(base_url.strip())
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ConfigError(
            f"{base_url!r} is not a base URL like http://127.0.0.1:8000 or https://host"
        )
    if base.path not in ("", "/") or base.query or base.fragment:
        raise ConfigError(
            f"{base_url!r}: give only scheme, host and port (no path, query or fragment)"
        )
    apis: dict[str, ApiConfig] = {}
    for name, api in config.apis.items():
        # urlsplit keeps "@{...}" tokens in the query untouched: no re-encoding.
        parts = urlsplit(api.url)
        url = urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))
        apis[name] = api.model_copy(update={"url": url})  # validated: the template is re-parsed
    return config.model_copy(update={"apis": apis})
