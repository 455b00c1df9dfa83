"""Reading audio files of any format, rate and channel count as model-rate mono.

Files are read in blocks and resampled as a stream, so memory stays constant
whatever the file's length. Every failure becomes an :class:`AudioFileError`
naming the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deepfake_live.dsp.resample import StreamingResampler
from deepfake_live.errors import AudioFileError

BLOCK_SECONDS = 1.0
MIN_RATE, MAX_RATE = 4000, 384000


@dataclass(frozen=True)
class AudioInfo:
    path: str
    sample_rate: int
    channels: int
    frames: int
    format: str
    subtype: str

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def _soundfile():
    try:
        import soundfile
    except OSError as exc:  # libsndfile missing
        raise AudioFileError(f"cannot read audio files: libsndfile is missing ({exc})") from None
    return soundfile


def probe(path: str | Path) -> AudioInfo:
    """Open the file header and check it describes usable audio."""
    sf = _soundfile()
    p = Path(path)
    if not p.exists():
        raise AudioFileError(f"{p}: no such file")
    if p.is_dir():
        raise AudioFileError(f"{p}: is a directory, not an audio file")
    try:
        info = sf.info(str(p))
    except Exception as exc:  # soundfile raises LibsndfileError/RuntimeError/TypeError
        raise AudioFileError(f"{p}: not a readable audio file ({_short(exc)})") from None
    if info.channels < 1:
        raise AudioFileError(f"{p}: has no audio channels")
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise AudioFileError(f"{p}: unsupported sample rate {info.samplerate} Hz (supported {MIN_RATE}-{MAX_RATE} Hz)")
    if info.frames <= 0:
        raise AudioFileError(f"{p}: contains no audio samples")
    return AudioInfo(str(p), int(info.samplerate), int(info.channels), int(info.frames), info.format, info.subtype)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def iter_blocks(path: str | Path, target_rate: int, block_seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """Yield float32 mono blocks at ``target_rate``; channels are averaged."""
    sf = _soundfile()
    info = probe(path)
    resampler = StreamingResampler(info.sample_rate, target_rate)
    block = max(1, int(info.sample_rate * block_seconds))
    got = 0
    try:
        with sf.SoundFile(str(path)) as fh:
            while True:
                data = fh.read(block, dtype="float32", always_2d=True)
                if data.shape[0] == 0:
                    break
                got += data.shape[0]
                mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
                out = resampler.push(np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0))
                if out.size:
                    yield out
    except AudioFileError:
        raise
    except Exception as exc:
        raise AudioFileError(f"{path}: read failed after {got} samples ({_short(exc)})") from None
    if got == 0:
        raise AudioFileError(f"{path}: contains no audio samples")
    tail = resampler.flush()
    if tail.size:
        yield tail


def read_audio(path: str | Path, target_rate: int) -> np.ndarray:
    """Whole file as float32 mono at ``target_rate`` (for short clips)."""
    blocks = list(iter_blocks(path, target_rate))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
