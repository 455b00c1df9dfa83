"""SVOX Pico (ttspico): the small HMM-based TTS of older phones, six European voices in one wheel."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip, Engine, int16_pcm, missing_modules
from ..utterance import speak_in_range

PICO_SR = 16000
# voice -> language of its text (en-GB and en-US speak the English sentences)
PICO_VOICES = {"en-US": "en", "en-GB": "en", "de-DE": "de", "es-ES": "es", "fr-FR": "fr", "it-IT": "it"}


class PicoEngine(Engine):
    """SVOX Pico lingware (bundled in the ttspico sdist) with random rate and pitch."""

    system = "svox_pico"
    corpus = "generated_svox_pico"
    LICENSE = "SVOX Pico engine and lingware Apache-2.0 (ttspico package); text original"

    def __init__(self) -> None:
        self._engines: dict[str, object] = {}

    def missing(self) -> str | None:
        return missing_modules("ttspico", hint="pip install ttspico")

    def _engine(self, voice: str):
        if voice not in self._engines:
            import ttspico

            self._engines[voice] = ttspico.TtsEngine(voice)
        return self._engines[voice]

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        voice = list(PICO_VOICES)[int(rng.integers(len(PICO_VOICES)))]
        rate, pitch = int(rng.integers(80, 126)), int(rng.integers(80, 126))
        eng = self._engine(voice)
        eng.set_property("rate", rate)
        eng.set_property("pitch", pitch)

        def synth(text: str) -> tuple[np.ndarray, int]:
            return int16_pcm(eng.speak(text) or b""), PICO_SR

        audio, sr, ref = speak_in_range(rng, PICO_VOICES[voice], synth)
        note = f"svox pico {voice} rate={rate} pitch={pitch}; {ref}"
        return Clip(audio, sr, f"{self.system}:{voice}", note, self.LICENSE, voice=voice, language=voice)
