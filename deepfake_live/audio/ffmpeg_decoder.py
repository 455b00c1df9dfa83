"""Decoding what libsndfile cannot (AAC/M4A voice memos, MP4, WebM, Opus, MP3) with FFmpeg through PyAV.

libsndfile covers WAV/FLAC/OGG/AIFF; phones record AAC in MP4 containers. PyAV
ships its own FFmpeg libraries in the wheel (also inside the frozen app), so no
system ffmpeg is needed. Frames are decoded one by one, so memory stays
constant like the libsndfile path. FFmpeg's own log lines are silenced: every
problem reaches the user as one :class:`AudioFileError` line instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from deepfake_live.errors import AudioFileError

NAME = "ffmpeg"


def _av():
    """The PyAV module, or None when it is not installed (then only libsndfile formats work)."""
    try:
        import av
        import av.logging
    except ImportError:
        return None
    av.logging.set_level(None)  # no FFmpeg chatter on the terminal
    return av


def available() -> bool:
    return _av() is not None


def _open(path: Path):
    av = _av()
    if av is None:
        raise AudioFileError(f"{path}: format needs FFmpeg decoding, but PyAV is not installed (pip install av)")
    try:
        container = av.open(str(path), mode="r")
    except Exception as exc:  # noqa: BLE001 - av.error.* for every kind of bad input
        raise AudioFileError(f"{path}: not a readable audio file ({_short(exc)})") from None
    if not container.streams.audio:
        container.close()
        raise AudioFileError(f"{path}: contains no audio stream")
    return container


def _short(exc: BaseException) -> str:
    if getattr(exc, "strerror", None):  # av.error.FFmpegError: the words without errno and path
        return str(exc.strerror)
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def probe(path: Path) -> tuple[int, int, int, str]:
    """(sample_rate, channels, frames (estimated from the container's duration), codec name)."""
    container = _open(path)
    try:
        stream = container.streams.audio[0]
        rate = int(stream.rate or stream.codec_context.sample_rate or 0)
        channels = int(stream.codec_context.channels or 0)
        if stream.duration is not None and stream.time_base is not None:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            seconds = container.duration / 1_000_000  # av.time_base
        else:
            seconds = 0.0
        codec = stream.codec_context.name or "unknown"
    finally:
        container.close()
    return rate, channels, int(round(seconds * rate)), codec


def iter_frames(path: Path, sample_rate: int) -> Iterator[np.ndarray]:
    """Decoded audio as float32 (n, channels) blocks at the stream's own rate.

    Raises AudioFileError on a decode error; callers count what was delivered.
    """
    av = _av()
    container = _open(path)
    try:
        stream = container.streams.audio[0]
        # Packed float at one fixed rate, whatever the codec's own sample format or rate changes.
        resampler = av.AudioResampler(format="flt", layout=None, rate=sample_rate)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                yield _packed(out)
        for out in resampler.resample(None):
            yield _packed(out)
    except AudioFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - av.error.InvalidDataError and friends
        raise AudioFileError(_short(exc)) from None
    finally:
        container.close()


def _packed(frame) -> np.ndarray:
    channels = len(frame.layout.channels)
    return frame.to_ndarray().reshape(-1, channels).astype(np.float32, copy=False)
