"""hibari (hibari-tts): a 6 M-parameter English TTS distilled from Kokoro-82M's af_heart voice.

A different synthesiser family from every other engine here: a small transformer acoustic model that
predicts, per 12.5 ms frame, a spectral envelope, noise and residual spectra and an F0 curve, turned into
24 kHz audio by a band-limited pulse train through that envelope plus shaped noise and one inverse STFT
(a neural source-filter/harmonic-plus-noise decoder, no GAN vocoder at run time). Its own G2P (misaki's
lexicon, no espeak-ng). Only the American female "heart" voice ships in the wheel (the others download on
first use, so they are not used); its timbre is Kokoro's af_heart, which none of our Kokoro engines has.
Variety comes from the speed, a modest F0 scale (the envelope is smooth in frequency, so scaling the pulse
train's F0 moves the pitch and keeps the formants) and the decoder's noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common import Clip, Engine, missing_modules, ort_session
from ..utterance import speak_in_range

HIBARI_VOICES = {"heart": "en-US"}  # voice -> language; only the bundled one (no downloads)
HIBARI_VERSION = "0.2.1"


class HibariEngine(Engine):
    """hibari-tts with its bundled voice; random speed, F0 scale and noise; one model load, one thread."""

    system = "hibari"
    corpus = "generated_hibari"
    LICENSE = (
        f"hibari-tts {HIBARI_VERSION}: code and voice 'heart' weights Apache-2.0 (distilled from Kokoro-82M af_heart, "
        "Apache-2.0; misaki lexicon Apache-2.0); text original"
    )

    def __init__(self) -> None:
        self._tts = None

    def missing(self) -> str | None:
        return missing_modules("hibari", hint="pip install hibari-tts")

    def _load(self):
        if self._tts is None:
            from hibari import Hibari
            from hibari.voices import voice_path

            model = voice_path("heart", download_missing=False)  # bundled: never a download
            tts = Hibari(voice="heart", model=model, threads=1)
            tts.sess = ort_session(model)  # the project's one-thread CPU session
            self._tts = tts
        return self._tts

    def synth(self, text: str, speed: float, f0_scale: float, rng: np.random.Generator) -> tuple[np.ndarray, int]:
        """24 kHz float32 audio: the package's own per-sentence synthesis with the F0 curve scaled."""
        from hibari import dsp

        tts = self._load()
        parts = []
        for phonemes in tts.phonemize(text):
            ids = tts.ids(phonemes)
            if len(ids) < 3:
                continue
            feeds = {"ids": np.asarray([ids], np.int64), "speed": np.asarray([speed], np.float32)}
            lh, th, ln, lr, phi, f0 = (o[0] for o in tts.sess.run(None, feeds))
            parts.append(dsp.synth(lh, th, ln, lr, phi, (f0 * np.float32(f0_scale)).astype(np.float32), rng))
        if not parts:
            raise RuntimeError("hibari produced no audio")
        return np.concatenate(parts).astype(np.float32), int(dsp.SR)

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        voice = list(HIBARI_VOICES)[int(rng.integers(len(HIBARI_VOICES)))]
        speed, f0_scale = float(rng.uniform(0.85, 1.2)), float(rng.uniform(0.92, 1.08))
        audio, sr, ref = speak_in_range(rng, "en", lambda text: self.synth(text, speed, f0_scale, rng))
        note = f"hibari-tts {HIBARI_VERSION} voice {voice} speed={speed:.2f} f0_scale={f0_scale:.2f}; {ref}"
        return Clip(audio, sr, f"{self.system}:{voice}", note, self.LICENSE, voice=voice, language=HIBARI_VOICES[voice])
