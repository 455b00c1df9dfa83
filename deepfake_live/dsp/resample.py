"""Streaming polyphase resampling to the model's sample rate.

Gives the same output as ``scipy.signal.resample_poly`` (same Kaiser-windowed
filter, same zero-phase alignment) but block by block, so hour-long files are
converted in constant memory.
"""

from __future__ import annotations

from math import gcd

import numpy as np


def _firwin_kaiser(numtaps: int, cutoff: float, beta: float) -> np.ndarray:
    """Kaiser-windowed sinc low-pass, identical to ``scipy.signal.firwin(..., window=("kaiser", beta))``.

    Written out so the runtime (and the frozen app) needs no SciPy.
    """
    m = np.arange(numtaps) - (numtaps - 1) / 2.0
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(numtaps, beta)
    return h / h.sum()


def _design(up: int, down: int) -> np.ndarray:
    max_rate = max(up, down)
    half_len = 10 * max_rate
    return _firwin_kaiser(2 * half_len + 1, 1.0 / max_rate, 5.0) * up


class StreamingResampler:
    """Rational-ratio resampler with explicit state; ``push`` blocks, then ``flush``."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError("sample rates must be positive")
        g = gcd(int(in_rate), int(out_rate))
        self.up = int(out_rate) // g
        self.down = int(in_rate) // g
        self.passthrough = self.up == self.down
        if self.passthrough:
            return
        h = _design(self.up, self.down)
        self._offset = (h.size - 1) // 2  # zero-phase alignment, as resample_poly
        taps = -(-h.size // self.up)
        padded = np.zeros(taps * self.up)
        padded[: h.size] = h
        # poly[p, j] = h[p + j*up]: phase p multiplies input x[i0 - j].
        self._poly = padded.reshape(taps, self.up).T.copy()
        self._taps = taps
        self._history = np.zeros(taps - 1, dtype=np.float64)  # inputs before the buffer start
        self._buffer_start = 0  # global index of the first sample in _buffer
        self._buffer = np.zeros(0, dtype=np.float64)
        self._n_in = 0
        self._n_out = 0

    def _emit(self, last_output: int) -> np.ndarray:
        """Outputs with global index in [self._n_out, last_output)."""
        if last_output <= self._n_out:
            return np.zeros(0, dtype=np.float32)
        n = np.arange(self._n_out, last_output, dtype=np.int64)
        t = n * self.down + self._offset
        i0 = t // self.up
        phase = t % self.up
        data = np.concatenate([self._history, self._buffer])
        base = self._buffer_start - self._history.size
        idx = i0[:, None] - np.arange(self._taps)[None, :] - base
        valid = (idx >= 0) & (idx < data.size)
        gathered = np.where(valid, data[np.clip(idx, 0, max(data.size - 1, 0))] if data.size else 0.0, 0.0)
        y = np.einsum("ij,ij->i", gathered, self._poly[phase])
        self._n_out = last_output
        return y.astype(np.float32)

    def _trim(self) -> None:
        """Drop inputs no future output can touch; keep taps-1 of them as history."""
        next_t = self._n_out * self.down + self._offset
        first_needed = next_t // self.up - (self._taps - 1)
        data = np.concatenate([self._history, self._buffer])
        base = self._buffer_start - self._history.size
        keep_from = max(0, first_needed - base)
        data = data[keep_from:]
        self._history = np.zeros(0)
        self._buffer = data
        self._buffer_start = base + keep_from

    def push(self, block: np.ndarray) -> np.ndarray:
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if self.passthrough:
            return block
        self._buffer = np.concatenate([self._buffer, block.astype(np.float64)])
        self._n_in += block.size
        # Output n is complete once input index floor((n*down+offset)/up) has arrived.
        ready = (self._n_in * self.up - self._offset - 1) // self.down + 1 if self._n_in * self.up > self._offset else 0
        ready = max(ready, 0)
        out = self._emit(ready)
        self._trim()
        return out

    def flush(self) -> np.ndarray:
        """Remaining outputs, treating the input as ending now (as resample_poly does)."""
        if self.passthrough:
            return np.zeros(0, dtype=np.float32)
        total = -(-self._n_in * self.up // self.down)
        return self._emit(total)


def resample(samples: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    """Whole-signal resampling with the streaming resampler."""
    rs = StreamingResampler(in_rate, out_rate)
    return np.concatenate([rs.push(samples), rs.flush()])
