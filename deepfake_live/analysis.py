"""Whole-file analysis: stream a file through features and the detector.

The file path uses exactly the live code path (streaming features, speech
activity, detector), only without pacing, so a file verdict and a live verdict
on the same audio agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from deepfake_live import level
from deepfake_live.audio.files import iter_blocks, probe
from deepfake_live.channel_policy import ConditionPolicy
from deepfake_live.channel_watch import ChannelWatch
from deepfake_live.detector import Detector, DetectorConfig, Scorer, Segment, TimelinePoint
from deepfake_live.dsp.features import FeatureConfig, StreamingFeatures
from deepfake_live.model.metadata import sha256_of
from deepfake_live.speech_activity import SpeechActivity, speech_mask

Progress = Callable[[float], None]


@dataclass
class WindowScores:
    times_s: np.ndarray  # window end times
    probs: np.ndarray  # calibrated P(fake), NaN where the window held no speech
    speech: np.ndarray  # bool


def window_starts(n_frames: int, window_frames: int, hop_frames: int) -> np.ndarray:
    """Start frames of every complete window."""
    if n_frames < window_frames:
        return np.zeros(0, dtype=np.int64)
    return np.arange(0, n_frames - window_frames + 1, hop_frames, dtype=np.int64)


def clip_score(probs: np.ndarray, speech: np.ndarray | None = None) -> float | None:
    """Clip-level P(fake): the sigmoid of the mean logit over speech windows.

    Averaging logits weighs every window's evidence equally and is what a
    product of independent window likelihood ratios would give (up to a
    temperature); unlike the mean probability it is not capped by a few
    confident windows, and unlike the maximum it does not grow with clip length.
    Returns None when no window held speech.
    """
    probs = np.asarray(probs, dtype=np.float64)
    mask = ~np.isnan(probs)
    if speech is not None:
        mask &= np.asarray(speech, dtype=bool)
    if not mask.any():
        return None
    p = np.clip(probs[mask], 1e-6, 1 - 1e-6)
    z = float(np.mean(np.log(p / (1 - p))))
    return float(1.0 / (1.0 + np.exp(-z)))


def pad_to_window(features: np.ndarray, window_frames: int) -> np.ndarray:
    """Tile a clip shorter than one window so it can still be scored once."""
    if features.shape[0] >= window_frames or features.shape[0] == 0:
        return features
    reps = -(-window_frames // features.shape[0])
    return np.concatenate([features] * reps)[:window_frames]


def score_features(features: np.ndarray, feature_cfg: FeatureConfig, cfg: DetectorConfig, scorer: Scorer,
                   voiced: np.ndarray, min_voiced_fraction: float | None = None) -> WindowScores:
    """Score all windows of a clip's features in one batch (evaluation, explanations).

    ``voiced``: the speech decision of each frame, as a mask or Silero probabilities: from the cache or
    ``speech_activity.frame_speech_mask`` of the same audio. Required, so every caller uses the one VAD.
    """
    voiced = speech_mask(voiced)
    if voiced.shape[0] != features.shape[0]:
        raise ValueError(f"speech mask has {voiced.shape[0]} frames, features {features.shape[0]}")
    features = pad_to_window(features, cfg.window_frames)
    voiced = pad_to_window(voiced[:, None], cfg.window_frames)[:, 0]
    starts = window_starts(features.shape[0], cfg.window_frames, cfg.hop_frames)
    frac = np.array([voiced[s : s + cfg.window_frames].mean() for s in starts]) if starts.size else np.zeros(0)
    threshold = cfg.min_voiced_fraction if min_voiced_fraction is None else min_voiced_fraction
    speech = frac >= threshold
    probs = np.full(starts.size, np.nan)
    if speech.any():
        windows = np.stack([features[s : s + cfg.window_frames] for s in starts[speech]])
        probs[speech] = np.asarray(scorer(windows), dtype=np.float64).reshape(-1)
    ends = ((starts + cfg.window_frames - 1) * feature_cfg.hop_length + feature_cfg.frame_length) / feature_cfg.sample_rate
    return WindowScores(ends, probs, speech)


@dataclass
class FileResult:
    path: str
    duration_s: float
    sample_rate: int
    channels: int
    sha256: str
    clip_score: float | None
    verdict: str
    threshold: float
    timeline: list[TimelinePoint] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    speech_s: float | None = None  # seconds of speech the verdict rests on
    warnings: list[str] = field(default_factory=list)  # e.g. where a damaged file stopped decoding
    min_speech_s: float = 0.0  # the speech a verdict needs (verdict "too short" below it)
    input_level: level.Level = field(default_factory=level.Level)
    channel: dict | None = None  # the channel self-check over the whole file (ChannelAssessment.to_dict)
    channel_timeline: list[dict] = field(default_factory=list)

    @property
    def level_hint(self) -> str | None:
        """'input level low', 'clipping' or 'no signal' when the file's level needs a word; else None."""
        return level.hint(self.input_level)

    def to_dict(self, with_timeline: bool = True) -> dict:
        d = {
            "path": self.path,
            "duration_s": round(self.duration_s, 3),
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "audio_sha256": self.sha256,
            "clip_score": None if self.clip_score is None else round(self.clip_score, 4),
            "verdict": self.verdict,
            "threshold": self.threshold,
            "speech_windows": sum(1 for p in self.timeline if p.probability is not None),
            "speech_s": None if self.speech_s is None else round(self.speech_s, 2),
            "segments": [s.to_dict() for s in self.segments],
            "input_level": self.input_level.to_dict(),
        }
        if self.warnings:
            d["warnings"] = list(self.warnings)
        if self.channel is not None:
            d["channel"] = self.channel
        if with_timeline:
            d["timeline"] = [
                {"start_s": round(p.start_s, 3), "end_s": round(p.end_s, 3),
                 "probability": None if p.probability is None else round(p.probability, 4),
                 "smoothed": None if p.smoothed is None else round(p.smoothed, 4), "state": p.state.value}
                for p in self.timeline
            ]
            if self.channel_timeline:
                d["channel_timeline"] = self.channel_timeline
        return d


TOO_SHORT = "too short"


def verdict_for(score: float | None, threshold: float, release: float, speech_s: float | None = None,
                min_speech_s: float = 0.0) -> str:
    """Clip verdict words shared by CLI, GUI and reports.

    Less speech than ``min_speech_s`` is "too short": one window of a fraction of a second is not
    the evidence the threshold was validated on.
    """
    if score is None:
        return "no speech"
    if speech_s is not None and speech_s < min_speech_s:
        return TOO_SHORT
    if score >= threshold:
        return "likely synthetic"
    if score >= release:
        return "uncertain"
    return "likely genuine"


@dataclass
class _Pass:
    """What one streaming pass over a file leaves: the scored windows and the state that produced them."""

    timeline: list[TimelinePoint]
    detector: Detector
    level: level.Level
    decoded: int  # samples decoded


def _stream(path: str | Path, feature_cfg: FeatureConfig, cfg: DetectorConfig, scorer: Scorer, duration_s: float,
            problems: list[str], watch: ChannelWatch | None = None, progress: Progress | None = None) -> _Pass:
    """Decode the file in 2 s blocks and push them through features, speech activity, detector (and channel watch)."""
    feats = StreamingFeatures(feature_cfg)
    speech = SpeechActivity(feature_cfg)
    detector = Detector(feature_cfg, cfg, scorer)
    timeline: list[TimelinePoint] = []
    done = 0.0
    lev = level.Level()
    pending: list[tuple[np.ndarray, np.ndarray]] = []  # (features, speech) of clips shorter than a window
    decoded = 0
    for block in iter_blocks(path, feature_cfg.sample_rate, block_seconds=2.0, problems=problems):
        decoded += block.size
        lev = level.merge(lev, level.measure(block, feature_cfg.sample_rate))
        f, s = feats.push(block), speech.push(block)
        done += block.size / feature_cfg.sample_rate
        if watch is not None:
            watch.push(block, f, feats.frames_emitted / feature_cfg.frame_rate, detector)
        if feats.frames_emitted < cfg.window_frames:  # not one full window yet
            pending.append((f, s))
            continue
        if pending:
            f = np.concatenate([p[0] for p in pending] + [f])
            s = np.concatenate([p[1] for p in pending] + [s])
            pending = []
        timeline.extend(detector.push(f, s).points)
        if progress:
            progress(min(1.0, done / max(duration_s, 1e-9)))
    last = speech.flush()  # speech decisions of the last frames (the VAD lags the features by < 1 chunk)
    if pending:  # shorter than one window: score it once, tiled
        short = np.concatenate([p[0] for p in pending])
        mask = np.concatenate([p[1] for p in pending] + [last])
        mask = pad_to_window(mask[:, None], cfg.window_frames)[:, 0]
        timeline.extend(detector.push(pad_to_window(short, cfg.window_frames), mask).points)
    else:
        timeline.extend(detector.push(feats.push(np.zeros(0, np.float32)), last).points)
    detector.finish()
    return _Pass(timeline, detector, lev, decoded)


def analyze_file(path: str | Path, feature_cfg: FeatureConfig, cfg: DetectorConfig, scorer: Scorer,
                 progress: Progress | None = None, policy: ConditionPolicy | None = None) -> FileResult:
    """Run one file through the streaming pipeline as fast as possible.

    With a ``policy`` the channel self-check runs alongside, retunes the live
    thresholds as it goes (as in live monitoring) and picks the clip threshold of
    the condition the whole file matches. Where that condition has a specialist
    (``policy.routes``: the telephone-band model), the file is streamed a second
    time with the specialist alone, so every window of the verdict is scored by
    the model whose threshold judges it.
    """
    info = probe(path)
    problems: list[str] = []
    watch = ChannelWatch(feature_cfg, policy) if policy is not None else None
    # Where a second pass may follow, the first reports the first half of the progress (and jumps to the end if none does).
    half = 0.5 if policy is not None and policy.routes else 1.0
    first = (lambda f: progress(half * f)) if progress else None
    run = _stream(path, feature_cfg, cfg, scorer, info.duration_s, problems, watch, first)
    clip_level, channel, channel_timeline = cfg.clip_level, None, []
    if watch is not None:
        final = watch.final()
        clip_level, channel, channel_timeline = final.clip_threshold, final.to_dict(), watch.timeline()
        if final.route is not None:
            routed = replace(cfg, threshold=final.live_threshold, clip_threshold=final.clip_threshold)
            second = (lambda f: progress(half + (1.0 - half) * f)) if progress else None
            run = _stream(path, feature_cfg, routed, watch.scorer_for(final.route), info.duration_s, [], progress=second)
    if progress:
        progress(1.0)
    probs = np.array([np.nan if p.probability is None else p.probability for p in run.timeline])
    score = clip_score(probs)
    duration = run.decoded / feature_cfg.sample_rate  # what decoded, not what the header claims
    speech_s = min(run.detector.speech_seconds, duration)  # a clip shorter than a window was tiled: count it once
    verdict = verdict_for(score, clip_level, clip_level - cfg.release_margin, speech_s, cfg.min_speech_s)
    return FileResult(
        path=str(path), duration_s=duration, sample_rate=info.sample_rate, channels=info.channels,
        sha256=sha256_of(Path(path)), clip_score=score, verdict=verdict,
        threshold=clip_level, timeline=run.timeline,
        segments=list(run.detector.segments) if verdict != TOO_SHORT else [],
        speech_s=speech_s, warnings=problems, min_speech_s=cfg.min_speech_s, input_level=run.level, channel=channel,
        channel_timeline=channel_timeline,
    )
