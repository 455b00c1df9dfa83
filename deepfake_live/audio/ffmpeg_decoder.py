"""Decoding what libsndfile cannot (AAC/M4A voice memos, MP4, WebM, Opus, MP3) with FFmpeg.

libsndfile covers WAV/FLAC/OGG/AIFF; phones record AAC in MP4 containers. PyAV
(the ``av`` package) ships its own FFmpeg libraries, so no system ffmpeg is
needed; without PyAV (e.g. a frozen build made with DFL_AV=0) an ``ffmpeg``
executable on PATH is used instead, through a pipe. Either way audio arrives in
pieces, so memory stays constant like the libsndfile path, and FFmpeg's own
log lines are silenced: every problem reaches the user as one
:class:`AudioFileError` line instead.
"""

from __future__ import annotations

import json
import shutil
import subprocess
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


def _ffmpeg_exe() -> str | None:
    return shutil.which("ffmpeg")


def available() -> bool:
    return _av() is not None or _ffmpeg_exe() is not None


def _open(path: Path):
    av = _av()
    if av is None:
        raise AudioFileError(f"{path}: this format needs FFmpeg: install ffmpeg (or, from source, pip install av)")
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
    if _av() is None and _ffmpeg_exe() is not None:
        return _probe_cli(path)
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
    if av is None and _ffmpeg_exe() is not None:
        yield from _iter_cli(path, sample_rate)
        return
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


# -- the ffmpeg executable, when PyAV is not installed ---------------------------
CLI_RATE = 48000  # when ffprobe is missing: ask ffmpeg for this rate, mono
CLI_BLOCK = 48000  # samples per read from the pipe


def _probe_cli(path: Path) -> tuple[int, int, int, str]:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:  # decode will ask ffmpeg for CLI_RATE mono; the length is unknown
        return CLI_RATE, 1, 0, "ffmpeg"
    proc = subprocess.run([ffprobe, "-v", "error", "-select_streams", "a:0", "-show_entries",
                           "stream=sample_rate,channels,codec_name,duration", "-of", "json", str(path)],
                          capture_output=True, text=True, timeout=60)
    streams = json.loads(proc.stdout or "{}").get("streams") if proc.returncode == 0 else None
    if not streams:
        reason = (proc.stderr.strip().splitlines() or ["no audio stream"])[-1]
        raise AudioFileError(f"{path}: not a readable audio file ({reason})")
    st = streams[0]
    rate = int(st.get("sample_rate") or 0)
    try:
        seconds = float(st.get("duration") or 0.0)
    except ValueError:
        seconds = 0.0
    return rate, 1, int(round(seconds * rate)), str(st.get("codec_name") or "unknown")


def _iter_cli(path: Path, sample_rate: int) -> Iterator[np.ndarray]:
    """Mono float32 from ``ffmpeg -f f32le`` on a pipe (the executable mixes the channels down)."""
    cmd = [_ffmpeg_exe() or "ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-vn", "-ac", "1",
           "-ar", str(sample_rate), "-f", "f32le", "-"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while True:
            raw = proc.stdout.read(CLI_BLOCK * 4)
            if not raw:
                break
            yield np.frombuffer(raw[: len(raw) // 4 * 4], dtype="<f4").reshape(-1, 1)
        err = proc.stderr.read().decode(errors="replace").strip()
        if proc.wait() != 0 or err:
            raise AudioFileError((err.splitlines() or ["ffmpeg failed"])[-1])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
