"""Reading audio files of any format, rate and channel count as model-rate mono.

Files are read in blocks and resampled as a stream, so memory stays constant
whatever the file's length. libsndfile reads WAV/FLAC/OGG/AIFF; what it cannot
read (AAC/M4A voice memos, MP4, WebM, Opus) and MP3 (whose libsndfile decoder
prints to the terminal) go through FFmpeg (PyAV). A file that breaks part-way
is analysed up to the break, and the break is reported. Every failure becomes
an :class:`AudioFileError` naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deepfake_live.audio import ffmpeg_decoder
from deepfake_live.dsp.resample import StreamingResampler
from deepfake_live.errors import AudioFileError

BLOCK_SECONDS = 1.0
MIN_RATE, MAX_RATE = 4000, 384000
FFMPEG_FIRST = frozenset({".mp3", ".m4a", ".mp4", ".aac", ".webm", ".opus", ".mka", ".mkv", ".wma", ".amr", ".3gp"})
SALVAGE_FRAMES = 1024  # after a decode error, re-read in pieces this small to keep what still decodes


@dataclass(frozen=True)
class AudioInfo:
    path: str
    sample_rate: int
    channels: int
    frames: int  # 0 when the container does not say (some FFmpeg formats)
    format: str
    subtype: str
    decoder: str = "libsndfile"

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def _soundfile():
    try:
        import soundfile
    except OSError as exc:  # libsndfile missing
        raise AudioFileError(f"cannot read audio files: libsndfile is missing ({exc})") from None
    return soundfile


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    # libsndfile repeats the path ("Error opening '/long/path.wav': Format not recognised."); the message names it already
    return re.sub(r"^Error opening '.*?': ", "", text[0]) if text else exc.__class__.__name__


def _probe_ffmpeg(p: Path) -> AudioInfo:
    rate, channels, frames, codec = ffmpeg_decoder.probe(p)
    return AudioInfo(str(p), rate, channels, frames, p.suffix.lstrip(".").upper() or "?", codec, ffmpeg_decoder.NAME)


def _probe_any(p: Path) -> AudioInfo:
    """libsndfile first for its formats, FFmpeg first for compressed containers; each is the other's fallback."""
    if p.suffix.lower() in FFMPEG_FIRST and ffmpeg_decoder.available():
        return _probe_ffmpeg(p)
    sf = _soundfile()
    try:
        info = sf.info(str(p))
    except Exception as exc:  # soundfile raises LibsndfileError/RuntimeError/TypeError
        if ffmpeg_decoder.available() and p.suffix.lower() not in FFMPEG_FIRST:
            try:
                return _probe_ffmpeg(p)
            except AudioFileError:
                pass
        if p.suffix.lower() in FFMPEG_FIRST and not ffmpeg_decoder.available():
            raise AudioFileError(f"{p}: {p.suffix.lstrip('.').upper()} files need FFmpeg, which is not available here "
                                 "(install ffmpeg, or pip install av)") from None
        raise AudioFileError(f"{p}: not a readable audio file ({_short(exc)})") from None
    return AudioInfo(str(p), int(info.samplerate), int(info.channels), int(info.frames), info.format, info.subtype)


def probe(path: str | Path) -> AudioInfo:
    """Open the file header and check it describes usable audio."""
    p = Path(path)
    if not p.exists():
        raise AudioFileError(f"{p}: no such file")
    if p.is_dir():
        raise AudioFileError(f"{p}: is a directory, not an audio file")
    info = _probe_any(p)
    if info.channels < 1:
        raise AudioFileError(f"{p}: has no audio channels")
    if not MIN_RATE <= info.sample_rate <= MAX_RATE:
        raise AudioFileError(f"{p}: unsupported sample rate {info.sample_rate} Hz (supported {MIN_RATE}-{MAX_RATE} Hz)")
    if info.frames <= 0 and info.decoder != ffmpeg_decoder.NAME:
        raise AudioFileError(f"{p}: contains no audio samples")
    return info


def _sndfile_frames(path: Path, block: int) -> Iterator[np.ndarray]:
    """(n, channels) float32 blocks; after a decode error, salvage what decodes in small pieces, then re-raise."""
    sf = _soundfile()
    got = 0
    with sf.SoundFile(str(path)) as fh:
        try:
            while True:
                data = fh.read(block, dtype="float32", always_2d=True)
                if data.shape[0] == 0:
                    return
                got += data.shape[0]
                yield data
        except Exception as exc:  # noqa: BLE001 - LibsndfileError and friends
            error = exc
    # A failed block read loses the whole block: re-open and re-read it in small pieces.
    try:
        with sf.SoundFile(str(path)) as fh:
            fh.seek(got)
            while True:
                data = fh.read(SALVAGE_FRAMES, dtype="float32", always_2d=True)
                if data.shape[0] == 0:
                    break
                yield data
    except Exception:  # noqa: BLE001 - the same damage: stop where it is
        pass
    raise error


def iter_blocks(path: str | Path, target_rate: int, block_seconds: float = BLOCK_SECONDS,
                problems: list[str] | None = None) -> Iterator[np.ndarray]:
    """Yield float32 mono blocks at ``target_rate``; channels are averaged.

    A file that breaks part-way: with ``problems`` given, the audio before the
    break is yielded and one message saying where it broke is appended;
    without it (or when nothing decoded) an AudioFileError is raised.
    """
    info = probe(path)
    p = Path(path)
    resampler = StreamingResampler(info.sample_rate, target_rate)
    block = max(1, int(info.sample_rate * block_seconds))
    if info.decoder == ffmpeg_decoder.NAME:
        raw = ffmpeg_decoder.iter_frames(p, info.sample_rate)
    else:
        raw = _sndfile_frames(p, block)
    got = 0
    try:
        for data in raw:
            got += data.shape[0]
            mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
            out = resampler.push(np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0))
            if out.size:
                yield out
    except Exception as exc:  # noqa: BLE001 - decoder errors of either library
        where = f"{got / info.sample_rate:.1f} s" + (f" of {info.duration_s:.1f} s" if info.frames else "")
        if got == 0:
            raise AudioFileError(f"{path}: no audio could be decoded ({_short(exc)})") from None
        message = f"{path}: decoding stopped at {where} ({_short(exc)}): the file is truncated or damaged"
        if problems is None:
            raise AudioFileError(message) from None
        problems.append(message)
    if got == 0:
        raise AudioFileError(f"{path}: contains no audio samples")
    tail = resampler.flush()
    if tail.size:
        yield tail


def read_audio(path: str | Path, target_rate: int) -> np.ndarray:
    """Whole file as float32 mono at ``target_rate`` (for short clips)."""
    blocks = list(iter_blocks(path, target_rate))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
