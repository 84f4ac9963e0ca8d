"""An answer's content codings, undone within a byte budget. Pure: no I/O.

httpx undoes ``Content-Encoding`` itself, but its decoders have no output
limit: each inflates a whole network chunk in one call, before the caller can
count a byte. A 3 KB answer marked ``Content-Encoding: gzip, gzip`` holding
2 GiB of zeros took the old client to 4.1 GB of memory. So the client reads
the raw bytes (``httpx.Response.iter_raw``) and undoes the codings here, with
``zlib.decompressobj(...).decompress(data, max_length)``: no call produces
more than :data:`STEP` bytes, and every layer's output is counted against the
limit as it is produced (the raw bytes too), so no layer can produce more than
the limit, and the work per network chunk is bounded as well.

Only what can be bounded this way is undone: ``gzip`` (``x-gzip``) and
``deflate`` (zlib-wrapped, or raw as some servers send it; httpx reads it the
same way), at most :data:`MAX_CODINGS` deep; ``identity`` is nothing to undo.
Any other coding (``br``, ``zstd``, ``compress``) is refused by name rather
than read as if it were text. The client asks for ``gzip, deflate`` only, so a
server that honours ``Accept-Encoding`` never sends another. As httpx does,
bytes after the end of a compressed stream are ignored.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

__all__ = ["MAX_CODINGS", "STEP", "BodyDecoder", "CodingError", "OverLimitError", "codings_of"]

MAX_CODINGS = 3
STEP = 64 * 1024
_ALIASES = {"x-gzip": "gzip"}
_SUPPORTED = frozenset({"gzip", "deflate"})


class CodingError(Exception):
    """The body's codings cannot be undone (unknown, too many, or corrupt data)."""


class OverLimitError(Exception):
    """Some layer produced more bytes than the limit."""


def codings_of(values: Iterable[str]) -> list[str]:
    """The codings of ``Content-Encoding`` values, in the order they were applied."""
    codings = [value.strip().lower() for value in values]
    return [_ALIASES.get(c, c) for c in codings if c and c != "identity"]


class _Layer:
    """One gzip or deflate stream."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        # gzip: the 16 + MAX_WBITS header form; deflate: zlib-wrapped first.
        wbits = 16 + zlib.MAX_WBITS if coding == "gzip" else zlib.MAX_WBITS
        self._z = zlib.decompressobj(wbits)
        self._may_be_raw = coding == "deflate"

    @property
    def eof(self) -> bool:
        return self._z.eof

    def inflate(self, data: bytes) -> tuple[bytes, bytes]:
        """At most ``STEP`` bytes of output, and the input not used yet."""
        try:
            out = self._z.decompress(data, STEP)
        except zlib.error as exc:
            if not self._may_be_raw:
                problem = f"a {self.coding} body that does not decompress ({exc})"
                raise CodingError(problem) from None
            self._may_be_raw = False
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate without the zlib wrapper
            return self.inflate(data)
        if data:
            self._may_be_raw = False
        return out, self._z.unconsumed_tail


class BodyDecoder:
    """Feed raw chunks, then :meth:`finish` for the body; raises past ``limit`` bytes.

    ``codings`` are in the order they were applied (``codings_of``); they are
    undone last first.
    """

    def __init__(self, codings: list[str], limit: int) -> None:
        if len(codings) > MAX_CODINGS:
            raise CodingError(
                f"{len(codings)} content encodings ({', '.join(codings)}); the connector"
                f" undoes at most {MAX_CODINGS}"
            )
        for coding in codings:
            if coding not in _SUPPORTED:
                raise CodingError(
                    f"Content-Encoding {coding}, which the connector does not decode"
                    " (it asks for gzip or deflate only)"
                )
        self._layers = [_Layer(coding) for coding in reversed(codings)]
        self._limit = limit
        self._produced = [0] * (len(self._layers) + 1)  # stage 0: the raw bytes
        self._chunks: list[bytes] = []

    def feed(self, raw: bytes) -> None:
        """Take the next raw chunk."""
        self._push(0, raw)

    def finish(self) -> bytes:
        """What every layer still holds, pushed through; the whole body."""
        for stage, layer in enumerate(self._layers):
            while not layer.eof:
                out, _ = layer.inflate(b"")
                if not out:
                    break
                self._push(stage + 1, out)
        return b"".join(self._chunks)

    def _push(self, stage: int, data: bytes) -> None:
        self._produced[stage] += len(data)
        if self._produced[stage] > self._limit:
            raise OverLimitError
        if stage == len(self._layers):
            self._chunks.append(data)
            return
        layer = self._layers[stage]
        while data and not layer.eof:
            out, rest = layer.inflate(data)
            if out:
                self._push(stage + 1, out)
            elif len(rest) >= len(data):  # no progress: nothing more can come of it now
                break
            data = rest
