"""A do-nothing HTTP server for the load generator's calibration run.

``python -m benchmarks.null_server PORT`` answers every request on a
keep-alive connection with the same small 200 response, without parsing
anything but the end of each request head. Whatever rate the load generator
reaches against it is what the generator can push on this machine; the
simulator benchmark reports it beside the servers' rates, so a reader can see
that the generator was not the bottleneck.
"""

from __future__ import annotations

import asyncio
import sys

__all__ = ["main"]

_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    b"Connection: keep-alive\r\n\r\nok"
)
_END_OF_HEAD = b"\r\n\r\n"
_MAX_PENDING = 64 * 1024  # a head that never ends is dropped, not kept


class _NullProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self._pending = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        assert self._transport is not None
        buffer = self._pending + data
        heads = buffer.count(_END_OF_HEAD)
        self._pending = buffer[buffer.rfind(_END_OF_HEAD) + 4 :] if heads else buffer
        if len(self._pending) > _MAX_PENDING:
            self._transport.close()
            return
        if heads:
            self._transport.write(_ANSWER * heads)


async def _serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_NullProtocol, "127.0.0.1", port)
    print(f"ready http://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> int:
    """Serve until killed."""
    asyncio.run(_serve(int(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
