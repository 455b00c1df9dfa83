"""CMU flite: diphone and clustergen English voices, another pre-neural generator family."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from ..common import Clip, Engine, read_wav, run_tool, to_16k
from ..text import pick_text, text_ref

FLITE_VOICES = {"kal": (85, 125), "kal16": (85, 125), "awb": (85, 130), "rms": (80, 120), "slt": (150, 210)}


class FliteEngine(Engine):
    """CMU flite diphone/clustergen voices with random duration stretch and mean F0."""

    system = "flite"
    corpus = "generated_flite"
    LICENSE = "CMU flite and its voices (BSD-style free licence); text original"

    def missing(self) -> str | None:
        return None if shutil.which("flite") else "flite binary not found (apt install flite)"

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        text, idx = pick_text(rng)
        voice = list(FLITE_VOICES)[int(rng.integers(len(FLITE_VOICES)))]
        stretch = rng.uniform(0.85, 1.25)
        f0 = int(rng.integers(*FLITE_VOICES[voice]))
        out = tmp / "flite.wav"
        run_tool(["flite", "-voice", voice, "--setf", f"duration_stretch={stretch:.2f}",
                  "--setf", f"int_f0_target_mean={f0}", "-t", text, "-o", str(out)])
        audio, sr = read_wav(out)
        ref = f"flite -voice {voice} duration_stretch={stretch:.2f} int_f0_target_mean={f0}; {text_ref(idx)}"
        return Clip(to_16k(audio, sr), sr, f"flite_{voice}", ref, self.LICENSE, voice=voice, language="en")
