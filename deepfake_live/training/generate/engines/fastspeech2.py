"""FastSpeech2 + Multi-band MelGAN (TensorFlowTTS, Baker voice, Mandarin): a non-autoregressive TTS family."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip
from .tensorflowtts import BakerEngine


class FastSpeech2Engine(BakerEngine):
    """Random speed, F0 and energy ratios (FastSpeech2's own controls); clauses joined by short pauses."""

    system = "fastspeech2_mbmelgan"
    corpus = "generated_fastspeech2_mbmelgan"

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        front, acoustic, vocoder = self.models.get("fastspeech2_quan")
        speed, f0, energy = (float(rng.uniform(lo, hi)) for lo, hi in ((0.85, 1.2), (0.85, 1.2), (0.85, 1.15)))
        extra = [np.array([0], np.int32), np.array([speed], np.float32), np.array([f0], np.float32), np.array([energy], np.float32)]
        # FastSpeech2's speed_ratio is a duration factor: > 1 is slower
        return self.speak(rng, lambda clause: vocoder(acoustic.mel(front.ids(clause), extra)),
                          f"fastspeech2 baker duration_ratio={speed:.2f} f0_ratio={f0:.2f} energy_ratio={energy:.2f}")
