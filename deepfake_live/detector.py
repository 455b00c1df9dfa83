"""Sliding-window detection: features and speech decisions in, scores, states and flagged segments out.

Pure logic with explicit state and no threads, so it behaves the same in live
monitoring, file analysis and tests. The scorer is injected: the LiteRT model
in the product, simple functions in tests. Speech activity comes from upstream
(:mod:`deepfake_live.speech_activity`, computed from the same samples as the
features); it lags the features a little, so a window is scored only once every
one of its frames has both its features and its speech decision.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import Enum

import numpy as np

from deepfake_live.dsp.features import FeatureConfig
from deepfake_live.speech_activity import speech_mask

Scorer = Callable[[np.ndarray], np.ndarray]
"""Maps windows (n, frames, bands) to calibrated P(fake) for each (n,)."""

MIN_SPEECH_S = 1.0
"""Less speech than this (about one model window) gets "too short", not a verdict: the model was
validated on clips and windows with at least this much speech. A model's metadata may set its own
``min_speech_s``."""


class State(str, Enum):
    NO_SPEECH = "no_speech"
    GENUINE = "likely_genuine"
    UNCERTAIN = "uncertain"
    SYNTHETIC = "likely_synthetic"


@dataclass(frozen=True)
class DetectorConfig:
    window_frames: int = 96
    hop_frames: int = 20  # 200 ms between scores
    threshold: float = 0.5  # calibrated P(fake) that starts a flagged segment
    release_margin: float = 0.15  # hysteresis: a segment ends below threshold - margin
    smooth_windows: int = 8  # scores averaged (in logit space) before the decision (~2.4 s of audio)
    min_windows: int = 3  # speech windows needed in an utterance before a segment can start
    clip_threshold: float | None = None  # for the whole-clip verdict; None: same as threshold
    min_voiced_fraction: float = 0.25  # windows with fewer speech frames are "no speech"
    max_gap_s: float = 1.0  # silence within a flagged segment that does not end it
    min_speech_s: float = MIN_SPEECH_S  # below this much speech: "too short" instead of a verdict

    @property
    def release(self) -> float:
        return max(0.01, self.threshold - self.release_margin)

    @property
    def clip_level(self) -> float:
        return self.threshold if self.clip_threshold is None else self.clip_threshold


@dataclass
class TimelinePoint:
    """One scored (or gated) window."""

    start_s: float
    end_s: float
    probability: float | None  # None when the window held no speech
    smoothed: float | None
    state: State
    voiced_fraction: float

    @property
    def time_s(self) -> float:
        return self.end_s

    def to_dict(self) -> dict:
        d = asdict(self)
        d["state"] = self.state.value
        return d


@dataclass
class Segment:
    """A stretch the detector flagged as likely synthetic."""

    start_s: float
    end_s: float
    peak: float
    mean: float
    n_windows: int
    probabilities: list[float] = field(default_factory=list, repr=False)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "duration_s": round(self.duration_s, 3),
                "peak": round(self.peak, 4), "mean": round(self.mean, 4), "n_windows": self.n_windows}


@dataclass
class DetectorUpdate:
    """What one call to :meth:`Detector.push` produced."""

    points: list[TimelinePoint] = field(default_factory=list)
    started: list[Segment] = field(default_factory=list)
    ended: list[Segment] = field(default_factory=list)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _sigmoid(z: float) -> float:
    return float(1.0 / (1.0 + np.exp(-z)))


class Detector:
    """Turns a stream of feature frames into timeline points and segments.

    Frame ``i`` of the stream starts at sample ``i * hop``; ``time_offset_s``
    maps stream sample 0 to the caller's clock. Features and speech decisions of
    the same frames may arrive in different calls.
    """

    def __init__(self, feature_cfg: FeatureConfig, cfg: DetectorConfig, scorer: Scorer, time_offset_s: float = 0.0) -> None:
        self.feature_cfg = feature_cfg
        self.cfg = cfg
        self.scorer = scorer
        self.time_offset_s = time_offset_s
        self._frames = np.zeros((0, feature_cfg.n_bands), dtype=np.float32)
        self._voiced = np.zeros(0, dtype=bool)  # speech decision of each frame, from _buffer_start on
        self._buffer_start = 0  # stream frame index of self._frames[0]
        self._next_window = 0  # stream frame index where the next window starts
        self._recent: deque[float] = deque(maxlen=cfg.smooth_windows)
        self._segment: Segment | None = None
        self._last_speech_end = -1e9
        self.windows_scored = 0
        self.windows_gated = 0
        self.speech_frames = 0  # voiced frames seen so far: how much speech a verdict rests on
        self.segments: list[Segment] = []

    # -- time helpers -------------------------------------------------------
    def frame_time(self, frame_index: int) -> float:
        return self.time_offset_s + frame_index * self.feature_cfg.hop_length / self.feature_cfg.sample_rate

    def window_span(self, start_frame: int) -> tuple[float, float]:
        cfg = self.feature_cfg
        end_sample = (start_frame + self.cfg.window_frames - 1) * cfg.hop_length + cfg.frame_length
        return self.frame_time(start_frame), self.time_offset_s + end_sample / cfg.sample_rate

    @property
    def speech_seconds(self) -> float:
        return self.speech_frames * self.feature_cfg.hop_length / self.feature_cfg.sample_rate

    # -- streaming ----------------------------------------------------------
    def push(self, features: np.ndarray, speech: np.ndarray) -> DetectorUpdate:
        """Consume the next frames' features and the next frames' speech decisions; score every window now complete.

        ``speech``: per-frame speech probability (float) or mask (bool) continuing the stream; it may hold
        fewer or more frames than ``features`` (the voice-activity model lags the features by up to a chunk).
        """
        update = DetectorUpdate()
        if features.shape[0]:
            self._frames = np.concatenate([self._frames, features.astype(np.float32)])
        if np.shape(speech)[0]:
            mask = speech_mask(speech)
            self._voiced = np.concatenate([self._voiced, mask])
            self.speech_frames += int(mask.sum())
        starts = []
        end = self._buffer_start + min(self._frames.shape[0], self._voiced.shape[0])
        while self._next_window + self.cfg.window_frames <= end:
            starts.append(self._next_window)
            self._next_window += self.cfg.hop_frames
        if starts:
            self._process_windows(starts, update)
        self._drop_old_frames()
        return update

    def skip_to(self, frame_index: int) -> int:
        """Jump over a gap in the stream (lost or skipped audio); returns windows skipped.

        The next frames pushed are taken to start at ``frame_index``.
        """
        skipped = max(0, (frame_index - self._next_window) // self.cfg.hop_frames) if frame_index > self._next_window else 0
        self._frames = self._frames[:0]
        self._voiced = self._voiced[:0]
        self._buffer_start = frame_index
        self._next_window = max(self._next_window, frame_index)
        return skipped

    def _drop_old_frames(self) -> None:
        drop = min(self._next_window - self._buffer_start, self._frames.shape[0], self._voiced.shape[0])
        if drop > 0:
            self._frames = self._frames[drop:]
            self._voiced = self._voiced[drop:]
            self._buffer_start += drop

    def _process_windows(self, starts: list[int], update: DetectorUpdate) -> None:
        rel = [s - self._buffer_start for s in starts]
        voiced_frac = np.array([self._voiced[r : r + self.cfg.window_frames].mean() for r in rel])
        speech = voiced_frac >= self.cfg.min_voiced_fraction
        probs = np.full(len(starts), np.nan)
        if speech.any():
            idx = np.flatnonzero(speech)
            windows = np.stack([self._frames[rel[i] : rel[i] + self.cfg.window_frames] for i in idx])
            probs[idx] = np.asarray(self.scorer(windows), dtype=np.float64).reshape(-1)
        for start, p, frac in zip(starts, probs, voiced_frac, strict=True):
            update.points.append(self._decide(start, None if np.isnan(p) else float(p), float(frac), update))

    def _decide(self, start: int, prob: float | None, voiced_fraction: float, update: DetectorUpdate) -> TimelinePoint:
        t0, t1 = self.window_span(start)
        cfg = self.cfg
        if prob is None:
            self.windows_gated += 1
            if t1 - self._last_speech_end > cfg.max_gap_s:
                self._recent.clear()
                self._close_segment(update)
            state = State.SYNTHETIC if self._segment is not None else State.NO_SPEECH
            return TimelinePoint(t0, t1, None, None, state, voiced_fraction)
        self.windows_scored += 1
        self._last_speech_end = t1
        self._recent.append(_logit(prob))
        smoothed = _sigmoid(float(np.mean(self._recent)))
        if self._segment is None and smoothed >= cfg.threshold and len(self._recent) >= min(cfg.min_windows, cfg.smooth_windows):
            self._segment = Segment(t0, t1, prob, prob, 0)
            update.started.append(self._segment)
        if self._segment is not None:
            if smoothed < cfg.release:
                self._close_segment(update)
            else:
                seg = self._segment
                seg.end_s = t1
                seg.probabilities.append(prob)
                seg.n_windows = len(seg.probabilities)
                seg.peak = max(seg.probabilities)
                seg.mean = float(np.mean(seg.probabilities))
        if self._segment is not None:
            state = State.SYNTHETIC
        elif smoothed >= cfg.release:
            state = State.UNCERTAIN
        else:
            state = State.GENUINE
        return TimelinePoint(t0, t1, prob, smoothed, state, voiced_fraction)

    def _close_segment(self, update: DetectorUpdate) -> None:
        if self._segment is not None:
            self.segments.append(self._segment)
            update.ended.append(self._segment)
            self._segment = None

    def finish(self) -> DetectorUpdate:
        """End of stream: close any open segment."""
        update = DetectorUpdate()
        self._close_segment(update)
        return update

    @property
    def open_segment(self) -> Segment | None:
        return self._segment
