"""What every engine shares: the clip record, the engine interface and the audio finishing.

The finishing (random edge silence, noise floor, level) lives here, applied the same way to every
engine, so none of those can become a real-vs-fake shortcut.
"""

from __future__ import annotations

import importlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from deepfake_live.dsp.resample import resample

SR = 16000
MAX_PAD_S = 0.4


@dataclass
class Clip:
    """One generated utterance at 16 kHz plus the manifest fields it brings."""

    audio: np.ndarray
    orig_sr: int
    speaker: str
    source_path: str
    license: str
    tag: str = ""  # extra file name part (resynthesis: the source clip's stem)
    voice: str = ""  # the engine's own voice name (manifest column ``voice``)
    language: str = ""  # BCP-47-ish language tag of the text ("" when unknown, e.g. resynthesis)


class Engine:
    """A source of fake clips; ``missing()`` says why it cannot run (None when it can)."""

    system = ""
    corpus = ""
    resynthesis = False  # True: re-creates real clips (keeps their level and edges)

    def missing(self) -> str | None:
        return None

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        raise NotImplementedError


def missing_modules(*modules: str, hint: str) -> str | None:
    """None when every module imports, else the install hint (engines are optional)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            return f"{hint} ({exc})"
        except OSError as exc:  # a bundled shared library that does not load on this system
            return f"{name} does not load here: {exc}"
    return None


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


def run_tool(cmd: list[str], timeout: float = 60.0) -> None:
    """Run an external synthesiser; its stderr becomes the error message."""
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({res.returncode}): {res.stderr.strip()[:200]}")


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A synthesiser's output file as float32, refusing empty output."""
    audio, sr = sf.read(str(path), dtype="float32", always_2d=False)
    if audio.size == 0:
        raise RuntimeError(f"{path.name}: engine produced no audio")
    return audio, int(sr)


def int16_pcm(data: bytes | np.ndarray) -> np.ndarray:
    """16-bit PCM (bytes or integer array) as float32 in [-1, 1]."""
    pcm = np.frombuffer(data, dtype=np.int16) if isinstance(data, bytes | bytearray) else np.asarray(data)
    if pcm.size == 0:
        raise RuntimeError("engine produced no audio")
    return (pcm.astype(np.float32) / 32768.0).ravel()


def ort_session(model: str | Path):
    """An onnxruntime CPU session with one thread: the box is shared with training."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])
