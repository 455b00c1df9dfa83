"""An Opus call over a network that loses packets, concealed by libopus itself.

A real VoIP call drops packets; the receiver's decoder fills each gap with packet-loss concealment (PLC), a
few tens of milliseconds of audio extrapolated from what came before. That audio is machine-made by
definition, so it can push genuine speech towards "synthetic". PyAV's FFmpeg cannot ask the decoder to
conceal a missing packet, so this drives libopus directly through ctypes (the copy bundled with PyAV, else the
system's): encode 20 ms frames, drop some by a two-state (Gilbert) loss model, decode with ``opus_decode(NULL)``
for each lost one, exactly as a VoIP receiver without in-band FEC does. Training/benchmark code only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from pathlib import Path

import numpy as np

from .channels import SR, _fit, _undo_delay

FRAME_MS = 20
OPUS_APPLICATION_VOIP = 2048
OPUS_SET_BITRATE_REQUEST = 4002
MAX_PACKET = 4000


@cache
def _load_libopus() -> ctypes.CDLL:
    """libopus from PyAV's bundled libraries, else the system's (loaded once); RuntimeError when neither is there."""
    candidates: list[str] = []
    try:
        import av

        libs = Path(av.__file__).resolve().parent.parent / "av.libs"
        candidates += [str(p) for p in sorted(libs.glob("libopus*.so*"))]
    except ImportError:
        pass
    found = ctypes.util.find_library("opus")
    candidates += [found] if found else []
    for name in candidates:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        lib.opus_encoder_create.restype = ctypes.c_void_p
        lib.opus_decoder_create.restype = ctypes.c_void_p
        lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_char_p, ctypes.c_int32]
        lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_int16),
                                    ctypes.c_int, ctypes.c_int]
        lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
        lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
        return lib
    raise RuntimeError("libopus not found (it comes with PyAV: pip install av)")


def gilbert_losses(n: int, loss: float, mean_burst: float, rng: np.random.Generator) -> np.ndarray:
    """Which of ``n`` packets are lost: a two-state chain whose long-run loss rate is ``loss`` and whose runs of lost
    packets last ``mean_burst`` packets on average (1.0: independent losses)."""
    if loss <= 0.0:
        return np.zeros(n, dtype=bool)
    if not 0.0 < loss < 1.0 or mean_burst < 1.0:
        raise ValueError("loss must be in [0, 1) and mean_burst >= 1")
    leave_bad = 1.0 / mean_burst
    enter_bad = loss * leave_bad / (1.0 - loss)
    if enter_bad > 1.0:
        raise ValueError(f"a {loss:.0%} loss rate cannot have bursts as short as {mean_burst}")
    lost = np.zeros(n, dtype=bool)
    bad = rng.random() < loss
    for i in range(n):
        lost[i] = bad
        bad = rng.random() >= leave_bad if bad else rng.random() < enter_bad
    return lost


def opus_over_lossy_network(x: np.ndarray, kbps: float, loss: float, rng: np.random.Generator, mean_burst: float = 1.0,
                            sr: int = SR) -> tuple[np.ndarray, float]:
    """``x`` through Opus (VoIP mode, ``kbps``) with packets lost at rate ``loss``, gaps concealed by the decoder.

    Returns the decoded audio (same length as ``x``, the codec's delay undone) and the share of packets lost.
    """
    lib = _load_libopus()
    n = sr * FRAME_MS // 1000
    x = np.asarray(x, dtype=np.float32)
    frames = int(np.ceil(x.size / n)) + 1  # one more frame flushes the encoder's look-ahead
    pcm = np.zeros(frames * n, dtype=np.int16)
    pcm[: x.size] = np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)
    err = ctypes.c_int(0)
    enc = lib.opus_encoder_create(sr, 1, OPUS_APPLICATION_VOIP, ctypes.byref(err))
    if err.value != 0 or not enc:
        raise RuntimeError(f"opus encoder failed to start (error {err.value})")
    dec = lib.opus_decoder_create(sr, 1, ctypes.byref(err))
    if err.value != 0 or not dec:
        lib.opus_encoder_destroy(enc)
        raise RuntimeError(f"opus decoder failed to start (error {err.value})")
    lost = gilbert_losses(frames, loss, mean_burst, rng)
    out = np.zeros(frames * n, dtype=np.int16)
    buf = ctypes.create_string_buffer(MAX_PACKET)
    i16 = ctypes.POINTER(ctypes.c_int16)
    try:
        lib.opus_encoder_ctl(ctypes.c_void_p(enc), OPUS_SET_BITRATE_REQUEST, ctypes.c_int32(int(kbps * 1000)))  # variadic: typed by hand
        for k in range(frames):
            frame = pcm[k * n:(k + 1) * n]
            size = lib.opus_encode(enc, frame.ctypes.data_as(i16), n, buf, MAX_PACKET)
            if size < 0:
                raise RuntimeError(f"opus encode failed (error {size})")
            target = out[k * n:(k + 1) * n]
            got = lib.opus_decode(dec, None if lost[k] else buf.raw[:size], 0 if lost[k] else size,
                                  target.ctypes.data_as(i16), n, 0)
            if got < 0:
                raise RuntimeError(f"opus decode failed (error {got})")
    finally:
        lib.opus_encoder_destroy(enc)
        lib.opus_decoder_destroy(dec)
    y = out.astype(np.float32) / 32767.0
    return _fit(_undo_delay(y, x), x.size), float(lost.mean())
