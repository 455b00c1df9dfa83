"""WORLD vocoder resynthesis of real clips (the parametric-TTS vocoder family)."""

from __future__ import annotations

import numpy as np

from ..common import SR, missing_modules
from .resynth import ResynthEngine


class WorldEngine(ResynthEngine):
    """WORLD analysis/synthesis (Harvest F0, CheapTrick, D4C); half the time through a coded
    (compressed) envelope and band aperiodicity, as WORLD-based parametric TTS does."""

    system = "world_vocoder"
    corpus = "generated_world"

    def missing(self) -> str | None:
        return missing_modules("pyworld", hint="pip install pyworld") or super().missing()

    def vocode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        import pyworld as pw

        period = float(rng.choice([5.0, 5.0, 10.0]))
        f0, t = pw.harvest(x, SR, frame_period=period)
        sp = pw.cheaptrick(x, f0, t, SR)
        ap = pw.d4c(x, f0, t, SR)
        coded = rng.random() < 0.5
        if coded:
            dims = int(rng.integers(40, 61))
            fft_size = pw.get_cheaptrick_fft_size(SR)
            sp = pw.decode_spectral_envelope(np.ascontiguousarray(pw.code_spectral_envelope(sp, SR, dims)), SR, fft_size)
            ap = pw.decode_aperiodicity(np.ascontiguousarray(pw.code_aperiodicity(ap, SR)), SR, fft_size)
        y = pw.synthesize(f0, sp, ap, SR, period)
        return y, f"frame_period={period} coded={coded}"
