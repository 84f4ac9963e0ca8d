"""The HTTP client: every transport failure is an error outcome, never a secret in it."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import respx
from flask import Flask, Response, jsonify, request

from connector.client import MAX_REDIRECTS, CallResult, Client
from connector.config import ApiConfig, parse_config
from connector.errors import (
    MissingSecretError,
    ProviderConnectionError,
    ProviderTimeoutError,
    ResponseTooLargeError,
    TransportError,
    UnsafeRedirectError,
)
from connector.mapping import Reason
from connector.phone import parse_phone
from connector.presets import load_preset
from connector.templating import MergeContext, RenderedRequest
from simulator.serve import start_in_thread

SECRET = "KKtest0123456789abcdef0123456789ab"
ENV = {"OZONETEL_API_KEY": SECRET, "OZONETEL_USERNAME": "demouser"}
HOST = "https://api1.cloudagent.in"
PATH = "/CAServices/AgentManualDial.php"
CTX = MergeContext(
    user={"TelephonyAgentId": "agent1", "mx_Custom_8": "Inbound_918030000001"},
    customer_number=parse_phone("9876543210"),
    env=ENV,
)


@pytest.fixture
def api() -> ApiConfig:
    return load_preset("ozonetel").api("click_to_call")


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def _call(api: ApiConfig, **client_args: object) -> CallResult:
    with Client(env=ENV, **client_args) as client:  # type: ignore[arg-type]
        return client.call(api, CTX, name="click_to_call")


def _assert_no_secret(result: CallResult) -> None:
    outcome = result.outcome
    for text in (outcome.message, outcome.excerpt, repr(outcome.data)):
        assert SECRET not in text


def test_success_is_mapped_with_status_data_and_elapsed(
    api: ApiConfig, router: respx.MockRouter
) -> None:
    route = router.get(HOST + PATH).mock(
        return_value=httpx.Response(200, json={"status": "queued successfully", "ucid": "9011"})
    )
    result = _call(api)
    assert result.outcome.ok
    assert result.outcome.status == 200
    assert result.outcome.data == {"ucid": "9011"}
    assert result.outcome.elapsed > 0
    assert result.headers["content-type"] == "application/json"
    sent = route.calls.last.request
    assert sent.url.params["api_key"] == SECRET
    assert sent.url.params["customerNumber"] == "+91-9876543210"


def test_request_secrets_are_known_for_redaction(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(return_value=httpx.Response(200, text="queued successfully"))
    result = _call(api)
    assert SECRET in result.request.secrets
    assert SECRET not in result.request.redacted_url()


@pytest.mark.parametrize(
    ("error", "expected", "reason", "kind", "sent"),
    [
        (
            httpx.ConnectTimeout("timed out"),
            "click_to_call: no complete answer from api1.cloudagent.in within the 10 s timeout",
            Reason.TIMEOUT,
            ProviderTimeoutError,
            False,  # never connected: nothing reached the provider
        ),
        (
            httpx.ReadTimeout("timed out"),
            "click_to_call: no complete answer from api1.cloudagent.in within the 10 s timeout",
            Reason.TIMEOUT,
            ProviderTimeoutError,
            True,  # the request went out: the provider may have queued the call
        ),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            "connection refused by api1.cloudagent.in",
            Reason.TRANSPORT,
            ProviderConnectionError,
            False,
        ),
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            "cannot resolve host api1.cloudagent.in",
            Reason.TRANSPORT,
            ProviderConnectionError,
            False,
        ),
        (
            httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
            "TLS handshake with api1.cloudagent.in failed",
            Reason.TRANSPORT,
            ProviderConnectionError,
            False,
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "closed the connection before a complete answer (reset)",
            Reason.TRANSPORT,
            ProviderConnectionError,
            True,
        ),
        (
            httpx.ReadError("[Errno 104] Connection reset by peer"),
            "(reset)",
            Reason.TRANSPORT,
            ProviderConnectionError,
            True,
        ),
    ],
)
def test_transport_failures_become_typed_error_outcomes(  # noqa: PLR0917 (parametrized)
    api: ApiConfig,
    router: respx.MockRouter,
    error: Exception,
    expected: str,
    reason: Reason,
    kind: type[TransportError],
    sent: bool,
) -> None:
    router.get(HOST + PATH).mock(side_effect=error)
    result = _call(api)
    outcome = result.outcome
    assert not outcome.ok
    assert outcome.reason is reason
    assert type(outcome.error) is kind
    assert outcome.error.sent is sent
    assert outcome.error.cause is type(error)
    assert outcome.status == 0
    assert expected in outcome.message
    assert outcome.message.startswith("click_to_call: ")
    assert result.answer is None
    _assert_no_secret(result)


def test_error_text_holding_the_key_is_scrubbed(api: ApiConfig, router: respx.MockRouter) -> None:
    # Some transports put the URL (with its api_key) in their messages.
    router.get(HOST + PATH).mock(
        side_effect=httpx.ConnectError(f"cannot reach {HOST}{PATH}?api_key={SECRET}")
    )
    result = _call(api)
    assert result.outcome.reason == "transport"
    _assert_no_secret(result)


def test_refused_connection_on_a_real_closed_port(api: ApiConfig) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    local = api.model_copy(update={"url": f"http://127.0.0.1:{port}{PATH}", "timeout": 2.0})
    result = _call(local)
    assert result.outcome.reason == "transport"
    assert f"connection refused by 127.0.0.1:{port}" in result.outcome.message


def test_non_json_answer_is_mapped_by_nonjson_rules(
    api: ApiConfig, router: respx.MockRouter
) -> None:
    router.get(HOST + PATH).mock(
        return_value=httpx.Response(
            200, text="<response><status>Fail</status><message>DND</message></response>"
        )
    )
    result = _call(api)
    assert result.outcome.kind == "error"
    assert result.outcome.reason == "rule"
    assert result.body.startswith("<response>")


def test_html_with_200_is_an_unmapped_error(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(
        return_value=httpx.Response(200, html="<html><body>Maintenance</body></html>")
    )
    result = _call(api)
    assert result.outcome.kind == "error"
    assert result.outcome.reason == "unmapped"
    assert "Maintenance" in result.outcome.excerpt


def test_5xx_is_an_error_outcome_with_its_status(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(return_value=httpx.Response(503, text="Service Unavailable"))
    result = _call(api)
    assert result.outcome.kind == "error"
    assert result.outcome.status == 503
    assert result.outcome.reason == "http_status"
    assert "HTTP 503" in result.outcome.message


def test_same_host_redirect_is_followed(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(
        return_value=httpx.Response(302, headers={"location": "/v2/AgentManualDial.php?x=1"})
    )
    final = router.get(HOST + "/v2/AgentManualDial.php").mock(
        return_value=httpx.Response(200, json={"status": "queued successfully"})
    )
    result = _call(api)
    assert result.outcome.ok
    assert final.called


def test_303_after_post_becomes_get_without_body(router: respx.MockRouter) -> None:
    post = parse_config(
        {"apis": {"click_to_call": {"url": HOST + "/call", "method": "POST", "params": {"a": "1"}}}}
    ).api("click_to_call")
    post = post.model_copy(
        update={"response": load_preset("generic").api("click_to_call").response}
    )
    router.post(HOST + "/call").mock(
        return_value=httpx.Response(303, headers={"location": "/done"})
    )
    done = router.get(HOST + "/done").mock(
        return_value=httpx.Response(200, json={"status": "success"})
    )
    result = _call(post)
    assert result.outcome.ok
    assert done.calls.last.request.content == b""


def test_redirect_to_another_host_is_refused(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(
        return_value=httpx.Response(
            301, headers={"location": f"https://evil.example/steal?api_key={SECRET}"}
        )
    )
    elsewhere = router.get("https://evil.example/steal")
    result = _call(api)
    assert result.outcome.kind == "error"
    assert result.outcome.reason is Reason.REDIRECT
    assert isinstance(result.outcome.error, UnsafeRedirectError)
    assert result.outcome.status == 301
    # Both hosts are named, and the key that rode in the Location is not shown.
    assert "https://api1.cloudagent.in redirected to another host" in result.outcome.message
    assert "(https://evil.example)" in result.outcome.message
    assert not elsewhere.called
    _assert_no_secret(result)


def test_redirect_to_another_port_is_refused(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(
        return_value=httpx.Response(302, headers={"location": "https://api1.cloudagent.in:8443/x"})
    )
    assert "another host" in _call(api).outcome.message


def test_redirect_loop_is_an_error(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(return_value=httpx.Response(302, headers={"location": "/b"}))
    router.get(HOST + "/b").mock(return_value=httpx.Response(302, headers={"location": PATH}))
    result = _call(api)
    assert result.outcome.reason is Reason.REDIRECT
    assert "redirect loop" in result.outcome.message


def test_too_many_redirects_is_an_error(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(return_value=httpx.Response(302, headers={"location": "/r1"}))
    for hop in range(1, MAX_REDIRECTS + 2):
        router.get(f"{HOST}/r{hop}").mock(
            return_value=httpx.Response(302, headers={"location": f"/r{hop + 1}"})
        )
    result = _call(api)
    assert f"more than {MAX_REDIRECTS} redirects" in result.outcome.message
    assert not router.routes[MAX_REDIRECTS + 1].called  # /r6 is never requested


def test_declared_big_body_is_refused(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(return_value=httpx.Response(200, content=b"x" * 5000))
    result = _call(api, max_body_bytes=1000)
    assert result.outcome.reason is Reason.TOO_LARGE
    assert isinstance(result.outcome.error, ResponseTooLargeError)
    assert "more than 1000 bytes" in result.outcome.message
    assert result.outcome.status == 200


def test_streamed_big_body_stops_at_the_limit(api: ApiConfig, router: respx.MockRouter) -> None:
    chunks_sent: list[int] = []

    def stream() -> Iterator[bytes]:
        for index in range(100):
            chunks_sent.append(index)
            yield b"y" * 100

    router.get(HOST + PATH).mock(return_value=httpx.Response(200, content=stream()))
    result = _call(api, max_body_bytes=1000)
    assert "more than 1000 bytes" in result.outcome.message
    assert len(chunks_sent) < 100  # stopped reading early


def test_body_under_the_limit_is_read_whole(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(return_value=httpx.Response(200, text="queued successfully"))
    result = _call(api, max_body_bytes=len("queued successfully"))
    assert result.outcome.ok
    assert result.body == "queued successfully"


def test_echoed_key_in_answer_is_scrubbed(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(
        return_value=httpx.Response(200, json={"status": "fail", "message": f"bad key {SECRET}"})
    )
    result = _call(api)
    assert result.outcome.kind == "error"
    assert "bad key ***" in result.outcome.message
    _assert_no_secret(result)


def test_missing_secret_raises_before_sending(api: ApiConfig, router: respx.MockRouter) -> None:
    route = router.get(HOST + PATH)
    with Client(env={}) as client, pytest.raises(MissingSecretError, match="OZONETEL"):
        client.call(api, MergeContext(user=dict(CTX.user), customer_number=CTX.customer_number))
    assert not route.called


def test_client_env_fills_a_context_without_env(api: ApiConfig, router: respx.MockRouter) -> None:
    route = router.get(HOST + PATH).mock(
        return_value=httpx.Response(200, text="queued successfully")
    )
    with Client(env=ENV) as client:
        result = client.call(
            api, MergeContext(user=dict(CTX.user), customer_number=CTX.customer_number)
        )
    assert result.outcome.ok
    assert route.calls.last.request.url.params["api_key"] == SECRET


def test_mock_transport_is_injectable(api: ApiConfig) -> None:
    seen: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.url.path)
        return httpx.Response(200, json={"status": "Fail", "message": "Agent is not available"})

    result = _call(api, transport=httpx.MockTransport(handler))
    assert seen == [PATH]
    assert result.outcome.kind == "error"
    assert result.outcome.message == "Agent is not available"


def test_wsgi_transport_reaches_an_in_process_flask_app() -> None:
    app = Flask("tiny")

    @app.post("/Basic/v1/account/call/makecall")
    def makecall() -> Response:
        payload = request.get_json()
        assert request.headers["x-api-key"] == "app-key"
        return jsonify({"success": {"status": "success", "call_id": payload["customer_number"]}})

    api = load_preset("knowlarity").api("click_to_call")
    env = {"KNOWLARITY_API_KEY": "app-key", "KNOWLARITY_SR_KEY": "sr-key"}
    ctx = MergeContext(
        user={"mx_Custom_8": "+919513103822", "PhoneMobile": "+918962155372"},
        customer_number=parse_phone("8850630321"),
        env=env,
    )
    with Client(transport=httpx.WSGITransport(app=app), env=env) as client:
        result = client.call(api, ctx)
    assert result.outcome.ok
    assert result.outcome.data["success.call_id"] == "+918850630321"  # E.164, as Knowlarity wants


def test_max_body_bytes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="more than zero"):
        Client(max_body_bytes=0)


def test_an_exception_from_any_transport_becomes_an_error_outcome(api: ApiConfig) -> None:
    # httpx.WSGITransport re-raises the app's exceptions (the simulator's
    # "reset" fault does this in-process); the client must still answer.
    class Boom(RuntimeError):
        pass

    def handler(req: httpx.Request) -> httpx.Response:
        raise Boom(f"key {SECRET} in the text")

    result = _call(api, transport=httpx.MockTransport(handler))
    assert result.outcome.kind == "error"
    assert result.outcome.reason == "transport"
    assert "Boom" in result.outcome.message
    assert SECRET not in result.outcome.message


@pytest.mark.parametrize(
    "url",
    [
        f"http://exa\x01mple.com/x?api_key={SECRET}",  # httpx refuses the URL
        f"ftp://files.example/x?api_key={SECRET}",  # not http or https
    ],
)
def test_an_unusable_url_is_an_error_outcome(api: ApiConfig, url: str) -> None:
    request = RenderedRequest(
        method="GET", url=url, headers=(), body=None, content_type=None, secrets=frozenset({SECRET})
    )
    with Client(env=ENV, transport=httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        result = client.send(request, api, name="click_to_call")
    assert result.outcome.kind == "error"
    assert result.outcome.reason == "transport"
    assert result.outcome.message.startswith("click_to_call: ")
    assert SECRET not in result.outcome.message


def test_an_exception_while_reading_the_body_becomes_an_error_outcome(api: ApiConfig) -> None:
    class Dripping(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b'{"status": '
            raise ConnectionResetError("peer reset")

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Dripping())

    result = _call(api, transport=httpx.MockTransport(handler))
    assert result.outcome.kind == "error"
    assert result.outcome.reason == "transport"
    assert result.outcome.status == 200


class _Recorder:
    """A loopback WSGI server answering Ozonetel's success; keeps what it saw."""

    def __init__(self, extra_headers: list[tuple[str, str]] | None = None) -> None:
        self.seen: list[dict[str, str]] = []
        self._extra = extra_headers or []

    def __call__(self, environ: dict[str, object], start_response: object) -> list[bytes]:
        self.seen.append(
            {
                "host": str(environ.get("HTTP_HOST", "")),
                "cookie": str(environ.get("HTTP_COOKIE", "")),
                "accept": str(environ.get("HTTP_ACCEPT", "")),
                "user_agent": str(environ.get("HTTP_USER_AGENT", "")),
            }
        )
        body = b'{"status":"queued successfully","ucid":"1"}'
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers + self._extra)  # type: ignore[operator]
        return [body]


@contextmanager
def _serving(app: _Recorder) -> Iterator[int]:
    server = start_in_thread(app, workers=1)
    try:
        yield server.port
    finally:
        server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_http_proxy_from_the_environment_carries_the_call(
    api: ApiConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The "proxy" is a loopback server: the provider host is never resolved here.
    proxy = _Recorder()
    with _serving(proxy) as port:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        remote = api.model_copy(update={"url": "http://provider.example/click2call"})
        result = _call(remote)
    assert result.outcome.ok, result.outcome.message
    assert [seen["host"] for seen in proxy.seen] == ["provider.example"]


def test_no_proxy_hosts_are_reached_directly(
    api: ApiConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_free_port()}")  # nobody listens
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    provider = _Recorder()
    with _serving(provider) as port:
        local = api.model_copy(update={"url": f"http://127.0.0.1:{port}/click2call"})
        result = _call(local)
    assert result.outcome.ok, result.outcome.message
    assert len(provider.seen) == 1


def test_cookies_are_not_carried_from_one_call_to_the_next(api: ApiConfig) -> None:
    # One agent's provider session must not ride along with another agent's call.
    provider = _Recorder([("Set-Cookie", "PHPSESSID=agent1session; Path=/")])
    with _serving(provider) as port:
        local = api.model_copy(update={"url": f"http://127.0.0.1:{port}/click2call"})
        with Client(env=ENV) as client:
            first = client.call(local, CTX)
            second = client.call(local, CTX)
    assert first.outcome.ok
    assert second.outcome.ok
    assert [seen["cookie"] for seen in provider.seen] == ["", ""]
    assert first.headers["set-cookie"].startswith("PHPSESSID=")


def test_requests_carry_the_usual_default_headers(api: ApiConfig) -> None:
    provider = _Recorder()
    with _serving(provider) as port:
        local = api.model_copy(update={"url": f"http://127.0.0.1:{port}/click2call"})
        assert _call(local).outcome.ok
    assert provider.seen[0]["accept"] == "*/*"
    assert provider.seen[0]["user_agent"].startswith("mcc-connector/")


# -- the three defects of the hand-driven transport (issue 10) -----------------


class _SlowRedirects:
    """``/hop/N`` sleeps, then redirects to ``/hop/N+1`` on the same host; the last answers."""

    def __init__(self, hops: int, pause_s: float) -> None:
        self.hops = hops
        self.pause_s = pause_s
        self.served: list[str] = []

    def __call__(self, environ: dict[str, object], start_response: Any) -> list[bytes]:
        path = str(environ["PATH_INFO"])
        self.served.append(path)
        time.sleep(self.pause_s)
        hop = int(path.rsplit("/", 1)[-1])
        if hop < self.hops:
            start_response("302 Found", [("Location", f"/hop/{hop + 1}"), ("Content-Length", "0")])
            return [b""]
        body = b'{"status":"queued successfully","ucid":"1"}'
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]


def test_one_deadline_bounds_the_whole_redirect_chain(api: ApiConfig) -> None:
    # Four same-host redirects of 0.8 s each against a 1 s timeout: the old
    # client gave every hop its own 1 s and answered after about 3.5 s.
    chain = _SlowRedirects(hops=5, pause_s=0.8)
    with _serving(chain) as port:  # type: ignore[arg-type]
        slow = api.model_copy(update={"url": f"http://127.0.0.1:{port}/hop/1", "timeout": 1})
        result = _call(slow)
    outcome = result.outcome
    assert outcome.reason is Reason.TIMEOUT
    assert isinstance(outcome.error, ProviderTimeoutError)
    assert outcome.error.sent  # the first hop reached the provider
    # Hop 3 would start after 1.6 s: the deadline stops the chain before it.
    assert len(chain.served) <= 2
    # The message tells the real time the exchange took, not the timeout.
    found = re.search(r"within the 1 s timeout \(gave up after (\d+\.\d+) s\)", outcome.message)
    assert found is not None, outcome.message
    assert 1.0 <= float(found.group(1)) <= outcome.elapsed + 0.01


def test_no_proxy_is_read_as_httpx_reads_it(
    api: ApiConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NO_PROXY entries may carry a scheme; the old client ignored such entries
    # (and proxied the host), httpx honours them.
    proxy = _Recorder()
    provider = _Recorder()
    with _serving(proxy) as proxy_port, _serving(provider) as port:
        for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
        monkeypatch.setenv("NO_PROXY", "http://127.0.0.1")
        local = api.model_copy(update={"url": f"http://127.0.0.1:{port}/click2call"})
        result = _call(local)
    assert result.outcome.ok, result.outcome.message
    assert len(provider.seen) == 1
    assert proxy.seen == []


def test_a_dotted_no_proxy_domain_still_proxies_the_bare_domain(
    api: ApiConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # httpx: NO_PROXY=.example.com bypasses api.example.com, not example.com
    # itself; the old client bypassed both (and would have dialled out here).
    proxy = _Recorder()
    with _serving(proxy) as proxy_port:
        for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
        monkeypatch.setenv("NO_PROXY", ".example.com")
        remote = api.model_copy(update={"url": "http://example.com/click2call"})
        result = _call(remote)
    assert result.outcome.ok, result.outcome.message
    assert [seen["host"] for seen in proxy.seen] == ["example.com"]


def test_a_same_host_upgrade_to_https_is_followed(router: respx.MockRouter) -> None:
    plain = parse_config(
        {
            "apis": {
                "click_to_call": {
                    "url": "http://api1.cloudagent.in/CAServices/AgentManualDial.php",
                    "params": {"api_key": "${OZONETEL_API_KEY}"},
                    "response": [
                        {"key": "status", "value": "queued successfully", "outcome": "success"}
                    ],
                }
            }
        }
    ).api("click_to_call")
    router.get("http://api1.cloudagent.in" + PATH).mock(
        return_value=httpx.Response(301, headers={"location": HOST + PATH})
    )
    secure = router.get(HOST + PATH).mock(
        return_value=httpx.Response(200, json={"status": "queued successfully"})
    )
    result = _call(plain)
    assert result.outcome.ok, result.outcome.message
    assert secure.called


def test_a_downgrade_to_http_is_refused(api: ApiConfig, router: respx.MockRouter) -> None:
    router.get(HOST + PATH).mock(
        return_value=httpx.Response(302, headers={"location": "http://api1.cloudagent.in/x"})
    )
    plain = router.get("http://api1.cloudagent.in/x")
    result = _call(api)
    assert result.outcome.reason is Reason.REDIRECT
    assert "redirected to another host (http://api1.cloudagent.in)" in result.outcome.message
    assert not plain.called


def test_a_slow_drip_body_ends_at_the_deadline(api: ApiConfig) -> None:
    class Drip(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for _ in range(50):
                time.sleep(0.05)
                yield b" "

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Drip())

    quick = api.model_copy(update={"timeout": 0.5})
    result = _call(quick, transport=httpx.MockTransport(handler))
    assert result.outcome.reason is Reason.TIMEOUT
    assert result.outcome.status == 200


def test_a_redirect_body_is_never_read(api: ApiConfig, router: respx.MockRouter) -> None:
    pulled: list[int] = []

    def huge() -> Iterator[bytes]:
        for index in range(10_000):
            pulled.append(index)
            yield b"z" * 1000

    router.get(HOST + PATH).mock(
        return_value=httpx.Response(302, headers={"location": "/next"}, content=huge())
    )
    router.get(HOST + "/next").mock(
        return_value=httpx.Response(200, json={"status": "queued successfully"})
    )
    result = _call(api, max_body_bytes=1000)
    assert result.outcome.ok, result.outcome.message
    assert len(pulled) <= 1


def test_every_hop_is_logged_without_secrets(
    api: ApiConfig, router: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    router.get(HOST + PATH).mock(
        return_value=httpx.Response(200, json={"status": "queued successfully"})
    )
    caplog.set_level(logging.INFO, logger="connector.client")
    assert _call(api).outcome.ok
    [line] = [r.getMessage() for r in caplog.records if r.name == "connector.client"]
    assert line.startswith(f"GET {HOST}{PATH}?api_key=***&")
    assert "-> HTTP 200" in line
    assert SECRET not in line
    assert "9876543210" not in line
