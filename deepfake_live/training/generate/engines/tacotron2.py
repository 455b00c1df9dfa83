"""Tacotron2 + Multi-band MelGAN (TensorFlowTTS, Baker voice, Mandarin): an autoregressive attention TTS."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip
from .tensorflowtts import ZH_SR, BakerEngine

MAX_CLAUSE_S = 6.0  # a clause this long means the decoder did not stop


class Tacotron2Engine(BakerEngine):
    """Tacotron2's prenet dropout stays on at inference (its only variation, not seedable); clauses joined
    by short random pauses."""

    system = "tacotron2_mbmelgan"
    corpus = "generated_tacotron2_mbmelgan"

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        front, acoustic, vocoder = self.models.get("tacotron2_quan")

        def clause_audio(clause: str) -> np.ndarray:
            ids = front.ids(clause)
            y = vocoder(acoustic.mel(ids, [np.array([len(ids)], np.int32), np.array([0], np.int32)]))[:-2048]
            if y.size > MAX_CLAUSE_S * ZH_SR or y.size == 0:
                raise RuntimeError(f"tacotron2 did not stop cleanly ({y.size / ZH_SR:.1f} s for {len(ids)} ids)")
            return y

        return self.speak(rng, clause_audio, "tacotron2 baker")
