"""Probes of a partner's URLs that need only an answer's status and headers.

``mcc verify`` asks whether the target answers at all (``open_url``, a GET of
``/``) and whether a recording URL answers with audio (``callback.recording``,
and ``mcc record``, which keeps how each recording URL answered).
Neither needs a body, so none is read: a body may be endless (a slow drip kept
the old reachability check waiting forever), huge (a 512 MiB one took the old
check to 1070 MB) or a compressed bomb (httpx's decoders have no output
limit). Each answer is opened as a stream and closed after its headers.

httpx reads the body of every redirect hop before it follows the next one; a
response hook drops those bodies unread (as the connector's client does). One
deadline bounds the whole probe, every request and hop made through it: a
request hook gives each hop what is left of it, and raises
``httpx.TimeoutException`` when nothing is. The headers themselves are bounded
in size by httpx's HTTP/1.1 parser (at most 100 KB), but not in time: httpx
has no total timeout, so a server that drips its headers a byte at a time,
each within the hop's read timeout, is stopped only by that size limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import httpx

__all__ = ["Answered", "HeadersOnly"]


@dataclass(frozen=True)
class Answered:
    """The status and headers of the final hop; its body was never read."""

    status: int
    headers: httpx.Headers
    url: httpx.URL


class HeadersOnly:
    """Status-and-headers requests under one deadline; a context manager."""

    def __init__(
        self,
        timeout: float,
        *,
        follow_redirects: bool = False,
        max_redirects: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout = timeout
        self._clock = clock
        self._deadline = clock() + timeout
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=follow_redirects,
            max_redirects=max_redirects,
            event_hooks={"request": [self._before_hop], "response": [self._after_hop]},
        )

    def __enter__(self) -> HeadersOnly:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._http.close()

    def answer(self, method: str, url: str) -> Answered:
        """Send ``method`` to ``url``; the final hop's status and headers (httpx errors raise)."""
        with self._http.stream(method, url) as response:
            return Answered(response.status_code, response.headers, response.url)

    def head_or_get(self, url: str) -> Answered:
        """HEAD ``url``, or GET it when the server refuses HEAD (405, 501)."""
        answered = self.answer("HEAD", url)
        if answered.status in (405, 501):
            answered = self.answer("GET", url)
        return answered

    def _before_hop(self, request: httpx.Request) -> None:
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            raise httpx.TimeoutException(
                f"no answer within the {self.timeout:g} s timeout", request=request
            )
        request.extensions["timeout"] = httpx.Timeout(remaining).as_dict()

    @staticmethod
    def _after_hop(response: httpx.Response) -> None:
        if response.has_redirect_location:
            # httpx would read (and decode) this body before the next hop.
            if isinstance(response.stream, httpx.SyncByteStream):
                response.stream.close()
            response.stream = httpx.ByteStream(b"")
