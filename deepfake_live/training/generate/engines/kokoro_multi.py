"""Kokoro-82M speaking Spanish, French, Italian, Brazilian Portuguese and Hindi from espeak-ng phonemes.

Kokoro v1.0 was trained on these languages with espeak-ng phonemes; the only style vectors on PyPI are
the Japanese ones, so the voices here are those styles and fixed blends of them (a blend is a stable,
distinct voice). Same timbres as ``kokoro_82m``/``kokoro_ja``: keep that in mind when splitting by voice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip, Engine
from ..utterance import speak_in_range
from .kokoro import KOKORO_LICENSE, KOKORO_SR, KokoroModel, espeak_phonemes, kokoro_missing, shared_model

# language -> espeak-ng voice used as the phonemiser
KOKORO_MULTI_LANGUAGES = {"es": "es", "fr": "fr-fr", "it": "it", "pt-BR": "pt-br", "hi": "hi"}
# voice name -> (style, weight) pairs
KOKORO_MULTI_VOICES: dict[str, tuple[tuple[str, float], ...]] = {
    "jf_alpha": (("jf_alpha", 1.0),),
    "jf_gongitsune": (("jf_gongitsune", 1.0),),
    "jf_nezumi": (("jf_nezumi", 1.0),),
    "jf_tebukuro": (("jf_tebukuro", 1.0),),
    "jm_kumo": (("jm_kumo", 1.0),),
    "mix_alpha_kumo": (("jf_alpha", 0.5), ("jm_kumo", 0.5)),
    "mix_nezumi_tebukuro": (("jf_nezumi", 0.6), ("jf_tebukuro", 0.4)),
    "mix_gongitsune_kumo": (("jf_gongitsune", 0.35), ("jm_kumo", 0.65)),
}
# espeak ties -> Kokoro's single symbols (misaki's table for non-English espeak output)
_TIES = {"a^ɪ": "I", "a^ʊ": "W", "d^z": "ʣ", "d^ʒ": "ʤ", "e^ɪ": "A", "o^ʊ": "O", "ə^ʊ": "Q", "s^s": "S",
         "t^s": "ʦ", "t^ʃ": "ʧ", "ɔ^ɪ": "Y"}


def espeak_to_kokoro_other(ipa: str) -> str:
    """espeak-ng IPA of a non-English language onto Kokoro's symbols: only tied pairs change."""
    s = " ".join(ipa.split()).replace("\u200d", "^")
    for old, new in _TIES.items():
        s = s.replace(old, new)
    return s.replace("^", "")


class KokoroMultiEngine(Engine):
    """Random language and voice per clip; random speed."""

    system = "kokoro_multi"
    corpus = "generated_kokoro_multi"
    LICENSE = KOKORO_LICENSE

    def __init__(self, model: KokoroModel | None = None) -> None:
        self.model = model or shared_model()

    def missing(self) -> str | None:
        return kokoro_missing()

    def style(self, voice: str) -> np.ndarray:
        return sum(w * self.model.styles[s] for s, w in KOKORO_MULTI_VOICES[voice])

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        self.model.load()
        language = list(KOKORO_MULTI_LANGUAGES)[int(rng.integers(len(KOKORO_MULTI_LANGUAGES)))]
        voice = list(KOKORO_MULTI_VOICES)[int(rng.integers(len(KOKORO_MULTI_VOICES)))]
        speed = float(rng.uniform(0.85, 1.15))
        espeak_voice = KOKORO_MULTI_LANGUAGES[language]

        def synth(text: str) -> tuple[np.ndarray, int]:
            phon = espeak_phonemes(text, espeak_voice, espeak_to_kokoro_other)
            return self.model.infer(phon, self.style(voice), speed), KOKORO_SR

        audio, sr, ref = speak_in_range(rng, language.split("-")[0], synth)
        note = f"kokoro-v1.0 int8 {language} voice {voice} speed={speed:.2f}; {ref}"
        return Clip(audio, sr, f"{self.system}:{voice}", note, self.LICENSE, voice=voice, language=language)
