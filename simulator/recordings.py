"""Call recordings: a real, small audio file at every answered call's recording URL.

A call record's recording URL (Ozonetel ``AudioFile``, LeadSquared
``ResourceURL``, Knowlarity ``resource_url``) points here,
``GET|HEAD /recordings/<username>/<ucid>.wav``, so a connector (or ``mcc
verify``'s ``callback.recording`` clause, or a browser's ``<audio>``) can fetch
and play it: one second of a 440 Hz tone, 8 kHz mono 16-bit WAV, made with the
standard library. Unknown and unanswered calls are 404.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from functools import cache

from flask import Blueprint, Response, abort

from simulator.current import current_simulator
from simulator.state.calls import CallState

__all__ = ["AUDIO_TYPE", "blueprint", "tone_wav"]

AUDIO_TYPE = "audio/wav"
_RATE = 8000


@cache
def tone_wav(seconds: float = 1.0, hertz: float = 440.0) -> bytes:
    """A WAV file of a quiet sine tone (built once per process)."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * hertz * i / _RATE)))
        for i in range(int(seconds * _RATE))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(_RATE)
        file.writeframes(frames)
    return out.getvalue()


def _recording(username: str, ucid: str) -> Response:
    sim = current_simulator()
    with sim.lock:
        call = sim.calls.calls.get(ucid)
        account = sim.directory.accounts.get(call.account) if call else None
        playable = (
            call is not None
            and call.state == CallState.COMPLETED
            and account is not None
            and account.username == username
        )
    if not playable:
        abort(404)
    return Response(tone_wav(), mimetype=AUDIO_TYPE)


def blueprint() -> Blueprint:
    """The recordings blueprint (one per app)."""
    bp = Blueprint("recordings", __name__)
    bp.add_url_rule(
        "/recordings/<username>/<ucid>.wav", "recording", _recording, methods=["GET", "HEAD"]
    )
    return bp
