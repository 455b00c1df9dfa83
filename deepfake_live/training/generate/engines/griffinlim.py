"""Griffin-Lim resynthesis of real clips: the phase-reconstruction artefacts of early neural TTS."""

from __future__ import annotations

import numpy as np

from ..common import SR, missing_modules
from .resynth import ResynthEngine


def _mel_basis(n_fft: int, n_mels: int) -> np.ndarray:
    """Slaney-style triangular mel filters (no librosa needed)."""
    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    mels = np.linspace(hz_to_mel(np.array(0.0)), hz_to_mel(np.array(SR / 2)), n_mels + 2)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    freqs = np.linspace(0, SR / 2, n_fft // 2 + 1)
    lower = (freqs[None, :] - hz[:-2, None]) / (hz[1:-1, None] - hz[:-2, None])
    upper = (hz[2:, None] - freqs[None, :]) / (hz[2:, None] - hz[1:-1, None])
    return np.maximum(0.0, np.minimum(lower, upper)) * (2.0 / (hz[2:] - hz[:-2]))[:, None]


def griffin_lim(mag: np.ndarray, n_fft: int, hop: int, n_iter: int, momentum: float, rng: np.random.Generator,
                length: int) -> np.ndarray:
    """(Fast) Griffin-Lim phase reconstruction from an STFT magnitude, random initial phase."""
    from scipy.signal import istft, stft

    kw = dict(fs=SR, window="hann", nperseg=n_fft, noverlap=n_fft - hop)
    spec = mag * np.exp(2j * np.pi * rng.random(mag.shape))
    prev = np.zeros_like(spec)
    for _ in range(n_iter):
        _, y = istft(spec, **kw)
        _, _, proj = stft(y[:length], **kw)
        proj = proj[:, : mag.shape[1]]
        if proj.shape[1] < mag.shape[1]:
            proj = np.pad(proj, ((0, 0), (0, mag.shape[1] - proj.shape[1])))
        accel = proj + momentum * (proj - prev)
        prev = proj
        spec = mag * np.exp(1j * np.angle(accel))
    _, y = istft(spec, **kw)
    return y[:length]


class GriffinLimEngine(ResynthEngine):
    """STFT magnitude (half the time squeezed through an 80-band mel spectrogram, as Griffin-Lim TTS did)
    back to audio with 32-60 Griffin-Lim iterations."""

    system = "griffinlim_resynth"
    corpus = "generated_griffinlim"

    def missing(self) -> str | None:
        return missing_modules("scipy.signal", hint="pip install scipy") or super().missing()

    def vocode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        from scipy.signal import stft

        n_fft = int(rng.choice([512, 1024]))
        hop = n_fft // 4
        _, _, z = stft(x, fs=SR, window="hann", nperseg=n_fft, noverlap=n_fft - hop)
        mag = np.abs(z)
        via_mel = rng.random() < 0.5
        if via_mel:
            basis = _mel_basis(n_fft, 80)
            mag = np.maximum(np.linalg.pinv(basis) @ (basis @ mag), 0.0)
        power = float(rng.choice([1.0, 1.0, 1.2, 1.5]))  # TTS recipes sharpened the magnitude
        if power != 1.0:
            scale = np.sum(mag**2) / max(np.sum(mag ** (2 * power)), 1e-20)
            mag = mag**power * np.sqrt(scale)
        n_iter = int(rng.integers(32, 61))
        momentum = float(rng.choice([0.0, 0.99]))
        y = griffin_lim(mag, n_fft, hop, n_iter, momentum, rng, x.size)
        return y, f"n_fft={n_fft} mel={via_mel} power={power} iters={n_iter} momentum={momentum}"


