"""Rolling statistics of the GUI refresh cost, to prove the view keeps up."""

from __future__ import annotations

import time
from collections import deque

import numpy as np


class FrameStats:
    """Per-refresh wall time (ms) and the interval between refreshes, over the last N frames."""

    def __init__(self, size: int = 500) -> None:
        self.costs_ms: deque[float] = deque(maxlen=size)
        self.intervals_ms: deque[float] = deque(maxlen=size)
        self.frames = 0
        self._t0 = 0.0
        self._last_start: float | None = None

    def begin(self) -> None:
        now = time.perf_counter()
        if self._last_start is not None:
            self.intervals_ms.append((now - self._last_start) * 1000.0)
        self._last_start = now
        self._t0 = now

    def end(self) -> None:
        self.costs_ms.append((time.perf_counter() - self._t0) * 1000.0)
        self.frames += 1

    def summary(self) -> dict:
        c = np.asarray(self.costs_ms) if self.costs_ms else np.zeros(1)
        i = np.asarray(self.intervals_ms) if self.intervals_ms else np.zeros(1)
        fps = 1000.0 / float(np.mean(i)) if i.any() else 0.0
        return {"frames": self.frames, "frame_ms_median": round(float(np.median(c)), 2),
                "frame_ms_p99": round(float(np.percentile(c, 99)), 2), "frame_ms_max": round(float(c.max()), 2),
                "fps": round(fps, 1)}

    def text(self) -> str:
        s = self.summary()
        return f"frame {s['frame_ms_median']:.1f} ms (p99 {s['frame_ms_p99']:.1f}) @ {s['fps']:.0f} fps"
