"""The one feature front end: framing, STFT and log-power bands.

Training, live inference and the on-screen spectrogram all call this module, so
a model never sees features computed differently from the ones it was trained on.
Frames are not centred or padded: frame ``i`` covers samples
``[i * hop, i * hop + frame_length)``, which is what makes the streaming form
exactly reproduce the batch form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

DB_FLOOR = -100.0
_EPS = 1e-10


@dataclass(frozen=True)
class FeatureConfig:
    """Parameters of the front end; stored in model metadata and checked at load."""

    sample_rate: int = 16000
    frame_length: int = 400  # 25 ms
    hop_length: int = 160  # 10 ms
    n_fft: int = 512
    n_bands: int = 64
    f_min: float = 0.0
    f_max: float = 8000.0
    scale: str = "linear"  # "linear" or "mel" spacing of the triangular bands

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FeatureConfig:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.hop_length

    def band_centres_hz(self) -> np.ndarray:
        """Centre frequency of each band, for axis labels."""
        return _band_edges_hz(self)[1:-1]


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)


def _band_edges_hz(cfg: FeatureConfig) -> np.ndarray:
    if cfg.scale == "linear":
        return np.linspace(cfg.f_min, cfg.f_max, cfg.n_bands + 2)
    if cfg.scale == "mel":
        mels = np.linspace(_hz_to_mel(cfg.f_min), _hz_to_mel(cfg.f_max), cfg.n_bands + 2)
        return _mel_to_hz(mels)
    raise ValueError(f"unknown band scale {cfg.scale!r} (expected 'linear' or 'mel')")


@dataclass(frozen=True)
class _Tables:
    window: np.ndarray  # analysis window, scaled
    bank: np.ndarray  # (n_fft//2+1, n_bands) triangular filterbank
    cols: np.ndarray  # sparse form of the bank: bin index of each non-zero weight, grouped by band
    weights: np.ndarray
    starts: np.ndarray  # where each band's group starts in cols


@lru_cache(maxsize=8)
def _analysis_tables(cfg: FeatureConfig) -> _Tables:
    """Window and triangular filterbank, cached per config."""
    if cfg.frame_length > cfg.n_fft:
        raise ValueError("frame_length must not exceed n_fft")
    n = np.arange(cfg.frame_length)
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * n / cfg.frame_length)).astype(np.float64)
    # Scale so a full-scale sine sits near 0 dB in its band.
    window_gain = window.sum() / 2.0
    freqs = np.fft.rfftfreq(cfg.n_fft, 1.0 / cfg.sample_rate)
    edges = _band_edges_hz(cfg)
    bank = np.zeros((freqs.size, cfg.n_bands))
    for b in range(cfg.n_bands):
        lo, mid, hi = edges[b], edges[b + 1], edges[b + 2]
        rise = (freqs - lo) / max(mid - lo, 1e-9)
        fall = (hi - freqs) / max(hi - mid, 1e-9)
        bank[:, b] = np.clip(np.minimum(rise, fall), 0.0, None)
    # Normalise each band to unit area so band levels do not depend on width.
    area = bank.sum(axis=0)
    area[area == 0] = 1.0
    bank /= area
    cols, weights, starts = [], [], []
    for b in range(cfg.n_bands):
        nz = np.flatnonzero(bank[:, b])
        if nz.size == 0:  # a band narrower than one bin: take the nearest bin
            nz = np.array([int(np.argmin(np.abs(freqs - edges[b + 1])))])
            bank[nz, b] = 1.0
        starts.append(len(cols))
        cols.extend(nz.tolist())
        weights.extend(bank[nz, b].tolist())
    return _Tables(window / window_gain, bank, np.array(cols), np.array(weights), np.array(starts))


def frame_count(n_samples: int, cfg: FeatureConfig) -> int:
    """Number of complete frames in ``n_samples`` samples."""
    if n_samples < cfg.frame_length:
        return 0
    return 1 + (n_samples - cfg.frame_length) // cfg.hop_length


def frames_to_features(frames: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Log-power bands in dB (n_frames, n_bands) of already-cut frames."""
    tables = _analysis_tables(cfg)
    if frames.shape[0] == 0:
        return np.zeros((0, cfg.n_bands), dtype=np.float32)
    spectrum = np.fft.rfft(frames.astype(np.float64) * tables.window, n=cfg.n_fft, axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    # Sparse band sums: each bin feeds at most two triangles, and a BLAS matmul on
    # these small blocks costs more in thread hand-off than it saves.
    bands = np.add.reduceat(power[:, tables.cols] * tables.weights, tables.starts, axis=1)
    db = 10.0 * np.log10(bands + _EPS)
    return np.maximum(db, DB_FLOOR).astype(np.float32)


def _frames(samples: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    count = frame_count(samples.shape[0], cfg)
    if count == 0:
        return np.zeros((0, cfg.frame_length), dtype=samples.dtype)
    return np.lib.stride_tricks.sliding_window_view(samples, cfg.frame_length)[:: cfg.hop_length][:count]


def compute_features(samples: np.ndarray, cfg: FeatureConfig, chunk_frames: int = 256) -> np.ndarray:
    """Batch form: features of a whole mono signal at ``cfg.sample_rate``."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError("compute_features expects mono (1-D) samples")
    frames = _frames(samples, cfg)
    parts = [frames_to_features(frames[i : i + chunk_frames], cfg) for i in range(0, frames.shape[0], chunk_frames)]
    if not parts:
        return np.zeros((0, cfg.n_bands), dtype=np.float32)
    return np.concatenate(parts, axis=0)


class StreamingFeatures:
    """Streaming form: feed samples in any block sizes, get only the new frames.

    Keeps the samples of the next incomplete frame between calls, so the frames
    produced are exactly those of :func:`compute_features` on the concatenation.
    """

    def __init__(self, cfg: FeatureConfig) -> None:
        self.cfg = cfg
        self._pending = np.zeros(0, dtype=np.float32)
        self.frames_emitted = 0

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)
        self.frames_emitted = 0

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Add samples; return the features (n_new, n_bands) of frames now complete."""
        data = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32).reshape(-1)])
        count = frame_count(data.shape[0], self.cfg)
        if count == 0:
            self._pending = data
            return np.zeros((0, self.cfg.n_bands), dtype=np.float32)
        frames = _frames(data, self.cfg)
        feats = np.concatenate([frames_to_features(frames[i : i + 256], self.cfg) for i in range(0, count, 256)])
        self._pending = data[count * self.cfg.hop_length :]
        self.frames_emitted += count
        return feats
