"""Streaming resampling to the model's sample rate, with libsoxr (the ``soxr`` package).

It replaced a hand-written polyphase filter after a measured comparison
(``benchmarks/resampler_compare.py``): at 44.1/48 kHz -> 16 kHz soxr's "HQ" mode
is about 70 dB more accurate in the speech band (RMS error -133 vs -59 dB at
1 kHz, -62 vs -31 dB at 7 kHz), leaves about 85 dB less alias (-146 vs -60 dBFS
for a 9.5 kHz tone), runs 10-40 times faster, and, like the old filter, gives
bit-identical output whether a signal is fed whole or in blocks of any size.
Output is aligned with the input (no added delay), so stream time stays exact.
"""

from __future__ import annotations

import numpy as np

QUALITY = "HQ"  # libsoxr's high quality: 20-bit precision, passband to ~91% of the output Nyquist frequency


def _soxr():
    import soxr

    return soxr


class StreamingResampler:
    """Rate conversion with explicit state; ``push`` blocks, then ``flush`` once at the end."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError("sample rates must be positive")
        self.in_rate, self.out_rate = int(in_rate), int(out_rate)
        self.passthrough = self.in_rate == self.out_rate
        self._stream = None if self.passthrough else _soxr().ResampleStream(
            self.in_rate, self.out_rate, 1, dtype="float32", quality=QUALITY)

    def push(self, block: np.ndarray) -> np.ndarray:
        block = np.ascontiguousarray(block, dtype=np.float32).reshape(-1)
        if self._stream is None:
            return block
        return self._stream.resample_chunk(block, last=False)

    def flush(self) -> np.ndarray:
        """The samples still held in the filter, treating the input as ending now."""
        if self._stream is None:
            return np.zeros(0, dtype=np.float32)
        return self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)


def resample(samples: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    """Whole-signal resampling: the streaming resampler fed once (so batch = streaming)."""
    rs = StreamingResampler(in_rate, out_rate)
    return np.concatenate([rs.push(samples), rs.flush()])
