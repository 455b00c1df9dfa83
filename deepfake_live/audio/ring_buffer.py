"""Single-producer, single-consumer ring buffer for captured audio.

The capture callback only copies its block in and bumps a counter: no lock,
no allocation. The consumer reads everything new since its last read; if the
producer lapped it, the lost samples are counted (never silent) and the read
resumes at the oldest sample still intact. Sample indices are the stream's
clock: sample ``i`` was captured at ``i / sample_rate`` seconds after start.
"""

from __future__ import annotations

import time

import numpy as np


class RingBuffer:
    def __init__(self, capacity: int, channels: int = 1, dtype: type = np.float32) -> None:
        if capacity <= 0 or channels <= 0:
            raise ValueError("capacity and channels must be positive")
        self.capacity = int(capacity)
        self.channels = int(channels)
        self._buf = np.zeros((self.capacity, self.channels), dtype=dtype)
        self._written = 0  # total samples ever written (producer-owned)
        self._read = 0  # next sample index the consumer wants (consumer-owned)
        self.lost_samples = 0
        self.overruns = 0
        self.last_write_time = 0.0  # time.monotonic() of the newest write

    # -- producer side (audio thread) --------------------------------------
    def write(self, block: np.ndarray) -> None:
        """Copy a (frames, channels) or (frames,) block in. Never blocks."""
        n = block.shape[0]
        if n == 0:
            return
        data = block.reshape(n, -1) if block.ndim == 1 else block
        if n > self.capacity:
            data = data[-self.capacity :]
            self._written += n - self.capacity
            n = self.capacity
        start = self._written % self.capacity
        first = min(n, self.capacity - start)
        self._buf[start : start + first] = data[:first]
        if first < n:
            self._buf[: n - first] = data[first:]
        self._written += n
        self.last_write_time = time.monotonic()

    # -- consumer side ------------------------------------------------------
    @property
    def written(self) -> int:
        return self._written

    @property
    def read_position(self) -> int:
        return self._read

    def available(self) -> int:
        return min(self._written - self._read, self.capacity)

    def skip_to(self, index: int) -> int:
        """Consumer gives up samples before ``index`` on purpose; returns how many."""
        index = min(index, self._written)
        skipped = max(0, index - self._read)
        self._read = max(self._read, index)
        return skipped

    def read(self, max_samples: int | None = None) -> tuple[int, np.ndarray]:
        """All unread samples as (stream index of the first one, copy of the data)."""
        written = self._written
        oldest = written - self.capacity
        if self._read < oldest:
            self._account_loss(oldest - self._read)
            self._read = oldest
        end = written if max_samples is None else min(written, self._read + max_samples)
        start = self._read
        data = self._copy(start, end)
        # The producer may have lapped us while we copied: drop what it overwrote.
        oldest_after = self._written - self.capacity
        if oldest_after > start:
            cut = min(oldest_after - start, data.shape[0])
            self._account_loss(cut)
            data = data[cut:]
            start += cut
        self._read = end
        return start, data

    def _account_loss(self, n: int) -> None:
        if n > 0:
            self.lost_samples += n
            self.overruns += 1

    def _copy(self, start: int, end: int) -> np.ndarray:
        n = end - start
        if n <= 0:
            return np.zeros((0, self.channels), dtype=self._buf.dtype)
        a = start % self.capacity
        first = min(n, self.capacity - a)
        if first == n:
            return self._buf[a : a + n].copy()
        return np.concatenate([self._buf[a:], self._buf[: n - first]])

    def latest(self, n: int) -> tuple[int, np.ndarray]:
        """The newest ``n`` samples without consuming them (for replay/snapshots)."""
        written = self._written
        n = min(n, self.capacity, written)
        return written - n, self._copy(written - n, written)
