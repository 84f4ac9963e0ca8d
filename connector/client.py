"""The HTTP client: send a rendered request, read a bounded answer, map it.

Guarantees (see docs/connector.md):

- one pooled ``httpx.HTTPTransport`` per ``Client``, driven directly: the
  connector handles redirects itself and wants no cookie jar, auth or hooks,
  so ``httpx.Client``'s per-request machinery (about 0.1 ms) is skipped. The
  transport is injectable (``respx``, ``httpx.MockTransport``,
  ``httpx.WSGITransport``); ``HTTP(S)_PROXY``/``ALL_PROXY``/``NO_PROXY`` are
  honoured as httpx does. No cookie survives from one call to the next, so one
  agent's provider session never rides along with another's call;
- each API's ``timeout`` bounds every phase and the whole exchange;
- redirects are followed by hand, at most 5, and only to the same scheme, host
  and port: anywhere else would carry the query-string API key along;
- at most ``max_body_bytes`` are read; a longer body is an error outcome;
- a body that is not text (``application/octet-stream``, images...) or that
  breaks its declared UTF-8 is an error outcome, never mapped: a rule could
  otherwise read success out of bytes the provider did not mean as an answer;
- timeouts, refused or reset connections, DNS and TLS failures become error
  outcomes with a message naming the API and host, never an exception, and
  never a secret (values from ``${ENV_VAR}`` are replaced by ``***``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import ssl
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from connector.config import ApiConfig
from connector.errors import (
    ProviderConnectionError,
    ProviderTimeoutError,
    ResponseTooLargeError,
    TransportError,
    UnsafeRedirectError,
)
from connector.mapping import Outcome, decode_body, map_response
from connector.redaction import Redactor
from connector.templating import MergeContext, RenderedRequest, render_request

__all__ = ["MAX_REDIRECTS", "CallResult", "Client"]

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = "mcc-connector/0.1"
# What httpx.Client sends by default; a config's own headers override these.
_DEFAULT_HEADERS = (
    ("accept", "*/*"),
    ("accept-encoding", "gzip, deflate"),
    ("connection", "keep-alive"),
    ("user-agent", _USER_AGENT),
)
_log = logging.getLogger(__name__)
# Media types a provider answer may have; providers label JSON as text/html too.
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/x-javascript",
        "application/x-www-form-urlencoded",
    }
)
_UTF8 = frozenset({"utf-8", "utf8"})


@dataclass(frozen=True)
class CallResult:
    """One exchange: what was sent, what it meant, and what came back (bounded)."""

    request: RenderedRequest
    outcome: Outcome
    body: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


class _Failed(Exception):
    """Internal: carries a ``TransportError`` plus the status seen so far."""

    def __init__(self, error: TransportError, status: int = 0) -> None:
        super().__init__(str(error))
        self.error = error
        self.status = status


def _where(url: httpx.URL) -> str:
    """``host`` or ``host:port`` for messages (never the path or query: keys live there)."""
    return f"{url.host}:{url.port}" if url.port else url.host


def _unreadable(raw: bytes, content_type: str | None, host: str, status: int) -> str | None:
    """Why a non-empty body cannot be read as an answer, or None when it can."""
    if not raw or not content_type:
        return None  # many providers send no content type; the body decides
    media, _, options = content_type.partition(";")
    media = media.strip().lower()
    textual = (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith(("+json", "+xml"))
        or not media  # a bare "; charset=..." names no type
    )
    if not textual:
        return (
            f"{host} answered HTTP {status} with content type {media}, which is not text, "
            "JSON or XML; the connector does not read it (ask the provider for JSON or text)"
        )
    charset = next(
        (
            value.strip().strip('"').lower()
            for name, _, value in (part.partition("=") for part in options.split(";"))
            if name.strip().lower() == "charset"
        ),
        "utf-8" if media == "application/json" or media.endswith("+json") else "",
    )
    if charset in _UTF8:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return (
                f"{host} answered HTTP {status} with bytes that are not valid UTF-8 "
                f"(at byte {exc.start}); the answer cannot be trusted"
            )
    return None


class _HideQueryValues(logging.Filter):
    """httpx logs each request's full URL at INFO; query strings carry API keys.

    Every query value becomes ``***`` (names stay, so the line still says what
    was sent): keys under any parameter name, and customer numbers, are hidden.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(
                _hidden_query(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


def _hidden_query(url: httpx.URL) -> str:
    if not url.query:
        return str(url)
    names = "&".join(f"{name}=***" for name, _ in url.params.multi_items())
    return str(url.copy_with(query=None)) + f"?{names}"


# Installed once, on import: the filter only rewrites URL arguments of log records.
logging.getLogger("httpx").addFilter(_HideQueryValues())


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _connect_problem(exc: httpx.HTTPError, host: str) -> str:
    """What went wrong while connecting, in words the admin can act on."""
    chain = _chain(exc)
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in text or "certificate" in text:
        return f"TLS handshake with {host} failed (check the certificate and https:// URL)"
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        phrase in text
        for phrase in ("name or service not known", "nodename nor servname", "getaddrinfo")
    ):
        return f"cannot resolve host {host} (check the URL's host name)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return f"connection refused by {host} (is the service running on that port?)"
    if any(isinstance(e, ConnectionResetError) for e in chain) or "reset" in text:
        return f"connection to {host} was reset before a complete answer"
    return f"cannot connect to {host}"


class Client:
    """Calls provider APIs; a context manager that closes its connection pool."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        env: Mapping[str, str] | None = None,
        max_body_bytes: int = 1_048_576,
    ) -> None:
        if max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be more than zero")
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._max_body = max_body_bytes
        # One Redactor per set of secrets: building one encodes and compiles.
        self._redactors: dict[frozenset[str], Redactor] = {}
        self._timeouts: dict[float, dict[str, float | None]] = {}
        self._transport: httpx.BaseTransport = transport or httpx.HTTPTransport()
        # Proxies from the environment, read once like httpx.Client does; an
        # injected transport is used for every URL.
        self._proxy_env = urllib.request.getproxies() if transport is None else {}
        self._proxied: dict[str, httpx.HTTPTransport] = {}

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._transport.close()
        for proxied in self._proxied.values():
            proxied.close()
        self._proxied.clear()

    def call(self, api: ApiConfig, ctx: MergeContext, *, name: str = "") -> CallResult:
        """Render ``api`` with ``ctx`` and send it.

        Raises ``TemplateError`` (and ``ConfigError``) before sending; every
        transport or mapping problem becomes an error outcome. ``name`` (e.g.
        ``click_to_call``) prefixes transport messages.
        """
        if not ctx.env:
            ctx = dataclasses.replace(ctx, env=self._env)
        return self.send(render_request(api, ctx), api, name=name)

    def send(self, request: RenderedRequest, api: ApiConfig, *, name: str = "") -> CallResult:
        """Send an already rendered request and map the answer with ``api.response``."""
        start = time.perf_counter()
        try:
            response, raw = self._exchange(request, api, start)
        except _Failed as failed:
            message = self._scrub(str(failed.error), request)
            outcome = Outcome.failure(
                f"{name}: {message}" if name else message,
                reason="transport",
                status=failed.status,
                elapsed=time.perf_counter() - start,
            )
            return CallResult(request=request, outcome=outcome)
        elapsed = time.perf_counter() - start
        content_type = response.headers.get("content-type")
        problem = _unreadable(raw, content_type, _where(response.url), response.status_code)
        if problem is not None:
            body = decode_body(raw, content_type)
            outcome = Outcome.failure(
                self._scrub(f"{name}: {problem}" if name else problem, request),
                reason="transport",
                status=response.status_code,
                elapsed=elapsed,
                excerpt=self._scrub(body[:200], request),
            )
            return CallResult(
                request=request, outcome=outcome, body=body, headers=dict(response.headers.items())
            )
        text = decode_body(raw, content_type)  # once: mapped and returned
        outcome = map_response(
            api.response,
            status=response.status_code,
            body=text,
            content_type=content_type,
            elapsed=elapsed,
        )
        # Providers echo keys back (Ozonetel's callback carries Apikey).
        scrubbed = (self._scrub(outcome.message, request), self._scrub(outcome.excerpt, request))
        if scrubbed != (outcome.message, outcome.excerpt):
            outcome = dataclasses.replace(outcome, message=scrubbed[0], excerpt=scrubbed[1])
        return CallResult(
            request=request,
            outcome=outcome,
            body=text,
            headers=dict(response.headers.items()),
        )

    # -- internals ---------------------------------------------------------

    def _scrub(self, text: str, request: RenderedRequest) -> str:
        # Every encoded form of each secret, and credential parameters; numbers
        # stay: masking them is the caller's choice.
        redactor = self._redactors.get(request.secrets)
        if redactor is None:
            if len(self._redactors) >= 32:  # a long-lived client meets few key sets
                self._redactors.clear()
            redactor = self._redactors[request.secrets] = Redactor(
                request.secrets, show_numbers=True
            )
        return redactor.text(text)

    def _exchange(
        self, request: RenderedRequest, api: ApiConfig, start: float
    ) -> tuple[httpx.Response, bytes]:
        headers = httpx.Headers(_DEFAULT_HEADERS)
        headers.update(request.headers)
        if request.content_type and "content-type" not in headers:
            headers["content-type"] = request.content_type
        method, body = request.method, request.body
        target: str | httpx.URL = request.url
        seen: set[str] = set()
        timeout = self._timeouts.get(api.timeout)
        if timeout is None:
            timeout = self._timeouts[api.timeout] = httpx.Timeout(api.timeout).as_dict()
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                # The URL is parsed once per hop, here.
                outgoing = httpx.Request(
                    method, target, headers=headers, content=body, extensions={"timeout": timeout}
                )
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise _Failed(ProviderConnectionError(f"the URL is not usable ({exc})")) from None
            url = outgoing.url
            seen.add(str(url))
            response = self._open(outgoing, url, api, request)
            if response.status_code not in _REDIRECTS or "location" not in response.headers:
                return response, self._read(response, url, api, start)
            response.close()
            url, method, body = self._next_hop(response, url, method, body)
            if str(url) in seen:
                raise _Failed(
                    UnsafeRedirectError(f"redirect loop at {_where(url)}{url.path}"),
                    response.status_code,
                )
            target = url
            if method == "GET":
                headers.pop("content-type", None)
        raise _Failed(
            UnsafeRedirectError(f"more than {MAX_REDIRECTS} redirects from {_where(url)}"),
            response.status_code,
        )

    def _open(
        self, outgoing: httpx.Request, url: httpx.URL, api: ApiConfig, request: RenderedRequest
    ) -> httpx.Response:
        host = _where(url)
        try:
            if url.scheme not in ("http", "https"):
                raise httpx.UnsupportedProtocol(url.scheme)
            response = self._transport_for(url).handle_request(outgoing)
            response.request = outgoing
            if _log.isEnabledFor(logging.INFO):
                _log.info(
                    "%s %s -> HTTP %d",
                    outgoing.method,
                    self._scrub(_hidden_query(url), request),
                    response.status_code,
                )
            return response
        except httpx.TimeoutException:
            raise _Failed(
                ProviderTimeoutError(f"no answer from {host} within {api.timeout:g} s")
            ) from None
        except httpx.ConnectError as exc:
            raise _Failed(ProviderConnectionError(_connect_problem(exc, host))) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            raise _Failed(
                ProviderConnectionError(
                    f"{host} closed the connection before a complete answer (reset)"
                )
            ) from None
        except httpx.UnsupportedProtocol:
            raise _Failed(
                ProviderConnectionError(f"{host}: the URL is not http:// or https://")
            ) from None
        except (httpx.HTTPError, OSError) as exc:
            raise _Failed(
                ProviderConnectionError(f"cannot talk to {host} ({type(exc).__name__})")
            ) from None
        except Exception as exc:
            # Any other transport (WSGITransport re-raises the app's errors, a
            # custom transport may raise anything) must still end in an outcome.
            raise _Failed(
                ProviderConnectionError(f"cannot talk to {host} ({type(exc).__name__})")
            ) from None

    def _transport_for(self, url: httpx.URL) -> httpx.BaseTransport:
        """The pooled transport, or a proxy's one when the environment asks for it."""
        if not self._proxy_env:
            return self._transport
        proxy = self._proxy_env.get(url.scheme) or self._proxy_env.get("all")
        if not proxy or urllib.request.proxy_bypass(url.host):
            return self._transport
        if "://" not in proxy:
            proxy = f"http://{proxy}"  # as httpx: a bare host:port is an HTTP proxy
        proxied = self._proxied.get(proxy)
        if proxied is None:
            proxied = self._proxied[proxy] = httpx.HTTPTransport(proxy=proxy)
        return proxied

    def _read(
        self, response: httpx.Response, url: httpx.URL, api: ApiConfig, start: float
    ) -> bytes:
        host = _where(url)
        status = response.status_code
        too_large = _Failed(
            ResponseTooLargeError(
                f"{host} answered more than {self._max_body} bytes; the connector stops there"
            ),
            status,
        )
        try:
            declared = int(response.headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > self._max_body:
            response.close()
            raise too_large
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self._max_body:
                    raise too_large
                chunks.append(chunk)
                if time.perf_counter() - start > api.timeout:
                    # A slow drip must not outlast the API's timeout.
                    raise _Failed(
                        ProviderTimeoutError(
                            f"no complete answer from {host} within {api.timeout:g} s"
                        ),
                        status,
                    )
        except httpx.TimeoutException:
            raise _Failed(
                ProviderTimeoutError(f"no complete answer from {host} within {api.timeout:g} s"),
                status,
            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError):
            raise _Failed(
                ProviderConnectionError(
                    f"{host} closed the connection in the middle of its answer"
                ),
                status,
            ) from None
        except _Failed:
            raise
        except Exception as exc:  # httpx errors, OSError, or whatever a transport raises
            raise _Failed(
                ProviderConnectionError(f"cannot read the answer of {host} ({type(exc).__name__})"),
                status,
            ) from None
        finally:
            response.close()
        return b"".join(chunks)

    @staticmethod
    def _next_hop(
        response: httpx.Response, url: httpx.URL, method: str, body: bytes | None
    ) -> tuple[httpx.URL, str, bytes | None]:
        status = response.status_code
        try:
            target = url.join(response.headers["location"])
        except httpx.InvalidURL:
            raise _Failed(
                UnsafeRedirectError(f"{_where(url)} redirected to an invalid location"), status
            ) from None
        if (target.scheme, target.host, target.port) != (url.scheme, url.host, url.port):
            # Another origin would receive the API key in the query string.
            raise _Failed(
                UnsafeRedirectError(
                    f"{_where(url)} redirected to another host ({target.scheme}://"
                    f"{_where(target)}); refused so the API key is not sent there"
                ),
                status,
            )
        # As browsers and httpx do: 303 always, 301/302 after POST, become GET.
        if status == 303 or (status in (301, 302) and method == "POST"):
            return target, "GET", None
        return target, method, body
