"""Festival ``text2wave``: diphone and HTS English voices from the system's festvox packages."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from ..common import Clip, Engine, read_wav, run_tool, to_16k
from ..text import pick_text, text_ref

FESTIVAL_VOICE_DIRS = {
    "kal_diphone": "english/kal_diphone", "ked_diphone": "english/ked_diphone",
    "cmu_us_slt_arctic_hts": "us/cmu_us_slt_arctic_hts",
}


class FestivalEngine(Engine):
    """Festival ``text2wave`` with whichever English voices are installed (diphone and HTS)."""

    system = "festival"
    corpus = "generated_festival"
    LICENSE = "Festival Speech Synthesis System and festvox voices (free licences, see Debian copyright files); text original"
    VOICE_ROOT = Path("/usr/share/festival/voices")

    def voices(self) -> list[str]:
        return [v for v, d in FESTIVAL_VOICE_DIRS.items() if (self.VOICE_ROOT / d).is_dir()]

    def missing(self) -> str | None:
        if not shutil.which("text2wave"):
            return "text2wave not found (apt install festival festvox-kallpc16k)"
        return None if self.voices() else f"no known festival voice under {self.VOICE_ROOT}"

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        text, idx = pick_text(rng)
        voices = self.voices()
        voice = voices[int(rng.integers(len(voices)))]
        stretch = rng.uniform(0.85, 1.2)
        txt, out = tmp / "festival.txt", tmp / "festival.wav"
        txt.write_text(text + "\n", encoding="utf-8")
        run_tool(["text2wave", "-eval", f"(voice_{voice})", "-eval", f"(Parameter.set 'Duration_Stretch {stretch:.2f})",
                  "-o", str(out), str(txt)])
        audio, sr = read_wav(out)
        ref = f"text2wave voice_{voice} Duration_Stretch={stretch:.2f}; {text_ref(idx)}"
        return Clip(to_16k(audio, sr), sr, f"festival_{voice}", ref, self.LICENSE, voice=voice, language="en")
