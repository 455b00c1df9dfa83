"""Open JTalk with the HTS voice "mei" (pyopenjtalk-plus): Japanese HMM/HTS statistical parametric speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip, Engine, missing_modules
from ..utterance import speak_in_range

OJT_SR = 48000


class OpenJTalkEngine(Engine):
    """pyopenjtalk's bundled dictionary and mei_normal voice, with random speed and pitch shift."""

    system = "openjtalk_hts"
    corpus = "generated_openjtalk_hts"
    LICENSE = "HTS voice mei_normal CC-BY-3.0 (Nagoya Institute of Technology, MMDAgent); Open JTalk BSD-3-Clause; text original"
    VOICE = "mei_normal"

    def missing(self) -> str | None:
        return missing_modules("pyopenjtalk", hint="pip install pyopenjtalk-plus")

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        import pyopenjtalk

        speed, half_tone = float(rng.uniform(0.85, 1.2)), float(rng.uniform(-3.0, 3.0))

        def synth(text: str) -> tuple[np.ndarray, int]:
            x, sr = pyopenjtalk.tts(text, speed=speed, half_tone=half_tone)
            return np.asarray(x, dtype=np.float32) / 32768.0, int(sr)

        audio, sr, ref = speak_in_range(rng, "ja", synth)
        note = f"open jtalk {self.VOICE} speed={speed:.2f} half_tone={half_tone:.1f}; {ref}"
        return Clip(audio, sr, f"{self.system}:{self.VOICE}", note, self.LICENSE, voice=self.VOICE, language="ja")
