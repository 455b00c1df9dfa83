"""The small demo clips the project ships (assets/demo): self-generated only, never shared audio."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from deepfake_live.training.channels import telephone

from .common import SR, pink_noise, to_16k, trim_edges
from .engines.espeak import EspeakEngine
from .engines.piper import PiperEngine

DEFAULT_SEED = 20240611
FIXTURE_PIPER_TEXT = (
    "Hello, this is the security team at your bank. We blocked a suspicious payment from your account. "
    "To cancel it, please read me the code we just sent you."
)
FIXTURE_ESPEAK_TEXT = "Hi grandma, it's me. I lost my phone and I need you to send some money today."


def _fit_length(audio: np.ndarray, target_s: float, rng: np.random.Generator) -> np.ndarray:
    """Pad with silence (split randomly before/after) to exactly ``target_s``; never cut speech."""
    need = int(round(target_s * SR)) - audio.size
    if need <= 0:
        return audio
    lead = int(rng.integers(0, need + 1))
    return np.concatenate([np.zeros(lead, np.float32), audio, np.zeros(need - lead, np.float32)])


def _speech_fixture(synth: Callable[[float], tuple[np.ndarray, int]], target_s: float, rng: np.random.Generator) -> np.ndarray:
    """Synthesise at a rate factor chosen so trimmed speech fills ~target minus 0.6 s, then pad."""
    audio, sr = synth(1.0)
    first = trim_edges(to_16k(audio, sr))
    factor = (target_s - 0.6) / (first.size / SR)
    audio, sr = synth(factor)
    speech = trim_edges(to_16k(audio, sr))
    speech *= np.float32(10 ** (-3 / 20) / max(float(np.max(np.abs(speech))), 1e-9))
    return _fit_length(speech, target_s, rng)


def tone_and_noise(rng: np.random.Generator) -> np.ndarray:
    """1 s silence, 2 s 440 Hz tone at -12 dBFS peak, 2 s pink noise at -40 dBFS RMS."""
    t = np.arange(2 * SR) / SR
    tone = 0.25 * np.sin(2 * np.pi * 440.0 * t)
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # 10 ms ramps: no clicks
    noise = pink_noise(2 * SR, rng) * 0.01
    return np.concatenate([np.zeros(SR), tone * fade, noise]).astype(np.float32)


def read_fixture(path: Path) -> np.ndarray:
    """A saved fixture as float32, after its 16-bit rounding (what the shipped file holds)."""
    audio, _ = sf.read(str(path), dtype="float32")
    return audio


def make_fixtures(out_dir: Path, seed: int = DEFAULT_SEED, log: Callable[[str], None] = print) -> list[Path]:
    """The small demo clips the project ships (self-generated only, never shared audio)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    made: list[Path] = []

    def save(name: str, audio: np.ndarray) -> None:
        path = out_dir / name
        sf.write(str(path), audio, SR, format="FLAC", subtype="PCM_16")
        made.append(path)
        log(f"[fixture] {path} {audio.size / SR:.2f} s {path.stat().st_size // 1024} KB")

    piper = PiperEngine()
    if piper.missing():
        log(f"[skip] piper fixture: {piper.missing()}")
    else:
        clip = _speech_fixture(lambda f: piper.synth(FIXTURE_PIPER_TEXT, f, 0.667, 0.8), 8.0, rng)
        save("piper_joe_8s.flac", clip)
        # The same fake through a telephone line (G.711 mu-law, 300-3400 Hz): the app routes it to the telephone-band model.
        save("piper_joe_8s_telephone.flac", telephone(read_fixture(out_dir / "piper_joe_8s.flac"), "mu"))
    espeak = EspeakEngine()
    if espeak.missing():
        log(f"[skip] espeak fixture: {espeak.missing()}")
    else:
        with tempfile.TemporaryDirectory(prefix="dfl_fix_") as tmp:
            wav = Path(tmp) / "e.wav"
            save("espeak_6s.flac", _speech_fixture(
                lambda f: espeak.synth(FIXTURE_ESPEAK_TEXT, "en-us+f3", max(80, min(450, int(round(160 / f)))), 50, wav), 6.0, rng))
    save("tone_and_noise_5s.flac", tone_and_noise(rng))
    return made


