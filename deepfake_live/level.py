"""Input level checks: is the signal too quiet to judge, or clipped? Pure functions, no state.

The detector stays silent on windows without speech, so a muted or very quiet input would
look exactly like "nobody is talking". These checks let the live views and file reports say
"input level low" or "clipping" instead. Levels are dBFS (0 dB = full-scale float samples).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK_S = 0.1  # loudness is judged on 100 ms blocks: speech bursts, not the pauses between them
LOW_LEVEL_DB = -48.0  # loudest 100 ms block quieter than this: input level low (speech at -50 dBFS RMS peaks near -43)
SILENT_DB = -90.0  # peak below this: no signal at all (muted, or a digital-silence source)
CLIP_LEVEL = 0.999  # a sample at or beyond this magnitude counts as clipped
CLIP_MIN_SAMPLES = 3  # clipped samples in a stretch before it is reported (one full-scale peak is not clipping)

NO_SIGNAL = "no signal"
LOW = "input level low"
CLIPPING = "clipping"


@dataclass(frozen=True)
class Level:
    """Loudness facts of one stretch of audio; :func:`merge` combines consecutive stretches."""

    n: int = 0  # samples
    energy: float = 0.0  # sum of squares
    loudest_db: float = -120.0  # RMS of the loudest 100 ms block
    peak: float = 0.0  # largest magnitude
    clipped: int = 0  # samples at or beyond CLIP_LEVEL

    @property
    def rms_db(self) -> float:
        return _db(self.energy / self.n) if self.n else -120.0

    @property
    def peak_db(self) -> float:
        return 20.0 * float(np.log10(self.peak + 1e-12))

    def to_dict(self) -> dict:
        return {"rms_db": round(self.rms_db, 1), "loudest_100ms_db": round(self.loudest_db, 1),
                "peak_db": round(self.peak_db, 1), "clipped_samples": self.clipped, "hint": hint(self)}


def _db(power: float) -> float:
    return float(10.0 * np.log10(power + 1e-12))


def measure(samples: np.ndarray, sample_rate: int = 16000) -> Level:
    """Level of a stretch of mono samples (100 ms blocks; a last partial block counts as one)."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if x.size == 0:
        return Level()
    block = max(1, int(BLOCK_S * sample_rate))
    sq = np.square(x, dtype=np.float64)
    full = x.size // block * block
    powers = sq[:full].reshape(-1, block).mean(axis=1) if full else np.zeros(0)
    if full < x.size:
        powers = np.append(powers, sq[full:].mean())
    mag = np.abs(x)
    return Level(int(x.size), float(sq.sum()), _db(float(powers.max())), float(mag.max()), int(np.count_nonzero(mag >= CLIP_LEVEL)))


def merge(a: Level, b: Level) -> Level:
    """Level of two stretches taken together."""
    if not a.n:
        return b
    if not b.n:
        return a
    return Level(a.n + b.n, a.energy + b.energy, max(a.loudest_db, b.loudest_db), max(a.peak, b.peak), a.clipped + b.clipped)


def hint(level: Level) -> str | None:
    """What to tell the user about this stretch: clipping, no signal, input level low, or nothing."""
    if not level.n:
        return None
    if level.clipped >= CLIP_MIN_SAMPLES:
        return CLIPPING
    if level.peak_db < SILENT_DB:
        return NO_SIGNAL
    if level.loudest_db < LOW_LEVEL_DB:
        return LOW
    return None


HINT_ADVICE = {
    NO_SIGNAL: "no signal: if someone is speaking, check that the right input is selected and not muted",
    LOW: "input level low: if someone is speaking, raise the input volume",
    CLIPPING: "clipping: the input is overdriven, lower the input volume",
}
