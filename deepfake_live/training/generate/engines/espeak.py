"""espeak-ng formant synthesis: an old-style, many-accent English fake."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from ..common import Clip, Engine, read_wav, run_tool, to_16k
from ..text import pick_text, text_ref

ESPEAK_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd"]
ESPEAK_VARIANTS = [
    "", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2", "klatt3",
    "Annie", "Andy", "Alicia", "Steph", "Michael", "Robert", "Lee", "Linda", "Mr_Serious", "grandpa", "Auntie", "croak",
]


class EspeakEngine(Engine):
    """espeak-ng formant synthesis: many accents and voice variants, random speed and pitch."""

    system = "espeak_ng"
    corpus = "generated_espeak_ng"
    LICENSE = "espeak-ng (GPL-3.0-or-later program, voice data included); text original"

    def missing(self) -> str | None:
        return None if shutil.which("espeak-ng") else "espeak-ng binary not found (apt install espeak-ng)"

    def synth(self, text: str, voice: str, speed: int, pitch: int, out: Path) -> tuple[np.ndarray, int]:
        run_tool(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), "--", text])
        return read_wav(out)

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        text, idx = pick_text(rng)
        variant = ESPEAK_VARIANTS[int(rng.integers(len(ESPEAK_VARIANTS)))]
        accent = ESPEAK_VOICES[int(rng.integers(len(ESPEAK_VOICES)))]
        voice = accent + (f"+{variant}" if variant else "")
        speed, pitch = int(rng.integers(130, 196)), int(rng.integers(25, 76))
        audio, sr = self.synth(text, voice, speed, pitch, tmp / "espeak.wav")
        ref = f"espeak-ng -v {voice} -s {speed} -p {pitch}; {text_ref(idx)}"
        return Clip(to_16k(audio, sr), sr, f"espeak_{voice}", ref, self.LICENSE, voice=voice, language=accent)
