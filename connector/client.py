"""The HTTP client: send a rendered request, read a bounded answer, map it.

Guarantees (see docs/connector.md):

- one pooled ``httpx.Client`` per ``Client``, reused for every call. httpx
  does what it is good at: default headers, redirects, proxies from the
  environment (``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, read as httpx
  reads them; an injected ``transport`` is used for every URL instead). No
  cookie is kept, so one agent's provider session never rides along with
  another's call;
- one deadline per exchange: an API's ``timeout`` bounds connecting, every
  redirect hop and reading the body, together. When it passes, the outcome is
  a timeout that says how long the exchange really took;
- redirects: at most 5, each hop only to the same scheme, host and port, or
  from ``http://`` to ``https://`` on the same host (the ordinary upgrade).
  Anywhere else would carry the query-string API key along: refused, naming
  both hosts. A loop is refused at once;
- a bounded read: at most ``max_body_bytes`` (declared, raw or decompressed)
  are read; a redirect's body is never read at all. httpx's content decoders
  have no output limit (one call inflates a whole chunk: a 3 KB ``gzip, gzip``
  answer is 2 GiB before anyone counts), so the body is read raw
  (``iter_raw``) and ``connector.decompress`` undoes gzip and deflate with
  ``zlib``'s ``max_length``, counting bytes as they are produced; other
  codings (``br``, ``zstd``) are refused by name, and only ``gzip, deflate``
  are asked for;
- a body that is not text (``application/octet-stream``, images...) or breaks
  its declared UTF-8 is an error outcome, never mapped: a rule could otherwise
  read success out of bytes the provider did not mean as an answer;
- every failure to get a usable answer is an error outcome whose ``error`` is
  a typed ``TransportError`` (``sent`` says whether the provider may have
  acted), never an exception, and never a secret in its message.

Two event hooks carry the per-hop rules: the request hook gives each hop what
is left of the deadline; the response hook applies the redirect rule and the
declared-size limit, and logs the hop (``connector.client`` logger, INFO) with
secrets and every query value hidden. httpx logs each request too, at INFO,
with the full URL (query-string keys included) and offers no switch for it:
creating a ``Client`` puts one filter on the ``httpx`` logger that shows
query values as ``***`` (nothing happens on import).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

from connector.config import ApiConfig
from connector.decompress import BodyDecoder, CodingError, OverLimitError, codings_of
from connector.document import Answer
from connector.errors import (
    ProviderConnectionError,
    ProviderTimeoutError,
    ResponseTooLargeError,
    TransportError,
    UnreadableAnswerError,
    UnsafeRedirectError,
)
from connector.mapping import Outcome, Reason, map_answer
from connector.redaction import Redactor
from connector.templating import MergeContext, RenderedRequest, render_request

__all__ = ["ACCEPT_ENCODING", "MAX_REDIRECTS", "USER_AGENT", "CallResult", "Client"]

MAX_REDIRECTS = 5
USER_AGENT = "mcc-connector/0.1"
ACCEPT_ENCODING = "gzip, deflate"
_EXCHANGE = "mcc.exchange"  # request extension: the exchange a hop belongs to
_log = logging.getLogger(__name__)
_REASONS: Mapping[type[TransportError], Reason] = {
    ProviderTimeoutError: Reason.TIMEOUT,
    ResponseTooLargeError: Reason.TOO_LARGE,
    UnreadableAnswerError: Reason.NOT_TEXT,
    UnsafeRedirectError: Reason.REDIRECT,
}


@dataclass(frozen=True)
class CallResult:
    """One exchange: what was sent, what came back (read once) and what it meant."""

    request: RenderedRequest
    outcome: Outcome
    answer: Answer | None = None  # None when no answer came
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def body(self) -> str:
        """The answer's text (bounded); empty when no answer came."""
        return self.answer.text if self.answer is not None else ""


def _where(url: httpx.URL) -> str:
    """``host`` or ``host:port`` for messages (never the path or query: keys live there)."""
    return f"{url.host}:{url.port}" if url.port else url.host


def _hidden_query(url: httpx.URL) -> str:
    """The URL with every query value shown as ``***`` (names stay)."""
    if not url.query:
        return str(url)
    names = "&".join(f"{name}=***" for name, _ in url.params.multi_items())
    return str(url.copy_with(query=None)) + f"?{names}"


class _HideQueryValues(logging.Filter):
    """Rewrites httpx's request lines: every URL argument shows its query values as ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(
                _hidden_query(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


def _guard_httpx_log() -> None:
    """Put the filter on httpx's logger once (idempotent; a client is made per process or run)."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _HideQueryValues) for f in logger.filters):
        logger.addFilter(_HideQueryValues())


@dataclass
class _Exchange:
    """One call's state, shared by all its hops (carried in the request extensions)."""

    start: float
    timeout: float
    scrub: Callable[[str], str]
    max_body: int
    hops: list[httpx.URL] = field(default_factory=list)
    answered: bool = False  # some hop got an answer: the provider was reached
    status: int = 0  # the last hop's HTTP status
    reading: bool = False  # the final answer's body is being read

    @property
    def deadline(self) -> float:
        return self.start + self.timeout

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def timed_out(self, host: str, *, cause: type[BaseException] | None) -> TransportError:
        """The deadline passed; ``cause`` is httpx's timeout, or None when we noticed."""
        # Only a hop that never connected sent nothing; an earlier hop's answer
        # means the provider saw the request.
        connecting = cause is None or issubclass(cause, httpx.ConnectTimeout | httpx.PoolTimeout)
        return ProviderTimeoutError(
            f"no complete answer from {host} within the {self.timeout:g} s timeout"
            f" (gave up after {self.elapsed():.2f} s)",
            sent=self.answered or not connecting,
            cause=cause,
        )


def _exchange_of(request: httpx.Request) -> _Exchange | None:
    state = request.extensions.get(_EXCHANGE)
    return state if isinstance(state, _Exchange) else None


def _redirect_allowed(source: httpx.URL, target: httpx.URL) -> bool:
    if target.host != source.host:
        return False
    if target.scheme == source.scheme:
        return target.port == source.port
    return (source.scheme, target.scheme) == ("http", "https")


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
    """Calls provider APIs through one pooled ``httpx.Client``; a context manager."""

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
        _guard_httpx_log()
        self._http = httpx.Client(
            transport=transport,
            # Only codings whose output connector.decompress can bound.
            headers={"user-agent": USER_AGENT, "accept-encoding": ACCEPT_ENCODING},
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),  # keeps none
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            event_hooks={"request": [self._before_hop], "response": [self._after_hop]},
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

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
        # Every encoded form of each secret, and credential parameters; numbers
        # stay: masking them is the caller's choice.
        scrub = Redactor(request.secrets, show_numbers=True).text
        state = _Exchange(time.perf_counter(), api.timeout, scrub, self._max_body)
        try:
            response, raw = self._exchange(request, state)
        except TransportError as failure:
            error = failure.redacted(scrub)  # the text may quote the URL, key included
            outcome = Outcome.failure(
                f"{name}: {error}" if name else str(error),
                reason=_REASONS.get(type(error), Reason.TRANSPORT),
                status=error.status,
                elapsed=state.elapsed(),
                error=error,
            )
            return CallResult(request=request, outcome=outcome)
        elapsed = state.elapsed()
        headers = dict(response.headers.items())
        answer = Answer.read(raw, response.headers.get("content-type"), response.status_code)
        if answer.problem is not None:
            status = response.status_code
            error = UnreadableAnswerError(
                f"{_where(response.url)} answered HTTP {status} with {answer.problem}",
                status=status,
            ).redacted(scrub)
            outcome = Outcome.failure(
                f"{name}: {error}" if name else str(error),
                reason=Reason.NOT_TEXT,
                status=response.status_code,
                elapsed=elapsed,
                excerpt=scrub(answer.text[:200]),
                error=error,
            )
            return CallResult(request=request, outcome=outcome, answer=answer, headers=headers)
        outcome = map_answer(api.response, answer, elapsed=elapsed)
        # Providers echo keys back (Ozonetel's callback carries Apikey).
        scrubbed = (scrub(outcome.message), scrub(outcome.excerpt))
        if scrubbed != (outcome.message, outcome.excerpt):
            outcome = dataclasses.replace(outcome, message=scrubbed[0], excerpt=scrubbed[1])
        return CallResult(request=request, outcome=outcome, answer=answer, headers=headers)

    # -- internals ---------------------------------------------------------

    def _exchange(self, request: RenderedRequest, state: _Exchange) -> tuple[httpx.Response, bytes]:
        """Send and read; every failure is raised as a ``TransportError`` with a status."""
        headers = list(request.headers)
        if request.content_type and not any(n.lower() == "content-type" for n, _ in headers):
            headers.append(("content-type", request.content_type))
        try:
            outgoing = self._http.build_request(
                request.method,
                request.url,
                headers=headers,
                content=request.body,
                extensions={_EXCHANGE: state},
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise ProviderConnectionError(
                f"the URL is not usable ({exc})", sent=False, cause=type(exc)
            ) from None
        host = _where(outgoing.url)
        try:
            if outgoing.url.scheme not in ("http", "https"):
                raise httpx.UnsupportedProtocol(outgoing.url.scheme)
            response = self._http.send(outgoing, stream=True)
            host = _where(response.url)
            try:
                state.reading = True
                return response, self._read(response, state, host)
            finally:
                response.close()
        except TransportError as failure:
            failure.status = state.status
            raise
        except Exception as exc:
            translated = self._translate(exc, state, host)
            translated.status = state.status
            raise translated from None

    def _translate(self, exc: Exception, state: _Exchange, host: str) -> TransportError:
        """An exception from httpx (or any transport) as a ``TransportError``."""
        if state.hops:
            host = _where(state.hops[-1])
        cause = type(exc)
        if isinstance(exc, httpx.TooManyRedirects):
            return UnsafeRedirectError(
                f"more than {MAX_REDIRECTS} redirects from {host}", cause=cause
            )
        if isinstance(exc, httpx.TimeoutException):
            return state.timed_out(host, cause=cause)
        if isinstance(exc, httpx.ConnectError):
            return ProviderConnectionError(
                _connect_problem(exc, host), sent=state.answered, cause=cause
            )
        if isinstance(exc, httpx.UnsupportedProtocol):
            return ProviderConnectionError(
                f"{host}: the URL is not http:// or https://", sent=state.answered, cause=cause
            )
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
            where = "in the middle of its answer" if state.reading else "before a complete answer"
            return ProviderConnectionError(
                f"{host} closed the connection {where} (reset)", cause=cause
            )
        # Any other transport (WSGITransport re-raises the app's errors, a
        # custom transport may raise anything) must still end in an outcome.
        doing = "read the answer of" if state.reading else "talk to"
        return ProviderConnectionError(f"cannot {doing} {host} ({cause.__name__})", cause=cause)

    def _read(self, response: httpx.Response, state: _Exchange, host: str) -> bytes:
        """The body, decoded, up to the size limit and within the deadline.

        The raw bytes are read and their content codings undone by
        ``connector.decompress``, which counts every byte as it is produced:
        httpx's own decoders inflate a whole chunk before anyone can count.
        """
        if response.is_stream_consumed:
            # An in-process transport answered with bytes it had in memory
            # (httpx.Response(content=...) reads them at once): nothing to bound.
            if len(response.content) > self._max_body:
                raise self._too_large(host)
            return response.content
        codings = codings_of(response.headers.get_list("content-encoding", split_commas=True))
        try:
            decoder = BodyDecoder(codings, self._max_body)
            for chunk in response.iter_raw():
                decoder.feed(chunk)
                if time.perf_counter() > state.deadline:
                    # A slow drip, each piece within the read timeout, must still end.
                    raise state.timed_out(host, cause=None)
            return decoder.finish()
        except OverLimitError:
            raise self._too_large(host) from None
        except CodingError as problem:
            raise UnreadableAnswerError(
                f"{host} answered HTTP {response.status_code} with {problem}"
            ) from None

    def _too_large(self, host: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"{host} answered more than {self._max_body} bytes; the connector stops there"
        )

    # -- event hooks (every hop of every call) -------------------------------

    def _before_hop(self, request: httpx.Request) -> None:
        """Give this hop what is left of the exchange's deadline."""
        state = _exchange_of(request)
        if state is None:
            return
        remaining = state.deadline - time.perf_counter()
        if remaining <= 0:
            raise state.timed_out(_where(request.url), cause=None)
        state.hops.append(request.url)
        request.extensions["timeout"] = httpx.Timeout(remaining).as_dict()

    def _after_hop(self, response: httpx.Response) -> None:
        """Log the hop; apply the redirect rule and the declared-size limit."""
        state = _exchange_of(response.request)
        if state is None:
            return
        state.answered = True
        state.status = response.status_code
        url = response.request.url
        if _log.isEnabledFor(logging.INFO):
            _log.info(
                "%s %s -> HTTP %d after %.0f ms",
                response.request.method,
                state.scrub(_hidden_query(url)),
                response.status_code,
                state.elapsed() * 1000,
            )
        if response.has_redirect_location:
            self._check_redirect(response, state)
            # httpx reads a redirect's body before the next hop, and nobody
            # uses it: it is dropped unread (a huge or gzip-bombed one costs nothing).
            if isinstance(response.stream, httpx.SyncByteStream):
                response.stream.close()
            response.stream = httpx.ByteStream(b"")
            return
        try:
            declared = int(response.headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > state.max_body:
            raise self._too_large(_where(url))

    @staticmethod
    def _check_redirect(response: httpx.Response, state: _Exchange) -> None:
        source = response.request.url
        try:
            target = source.join(response.headers["location"])
        except httpx.InvalidURL:
            raise UnsafeRedirectError(
                f"{_where(source)} redirected to an invalid location"
            ) from None
        if not _redirect_allowed(source, target):
            # Another origin would receive the API key in the query string.
            raise UnsafeRedirectError(
                f"{source.scheme}://{_where(source)} redirected to another host"
                f" ({target.scheme}://{_where(target)}); refused so the API key is not sent there"
            )
        if target.copy_with(fragment=None) in state.hops:
            raise UnsafeRedirectError(f"redirect loop at {_where(target)}{target.path}")
