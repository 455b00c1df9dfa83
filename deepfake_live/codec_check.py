"""Opus check: is wideband audio clean, or did it pass a low-bitrate Opus call codec?

Genuine speech scores about a logit higher through Opus 12k than clean, so the Opus condition has the
strictest threshold, and the band-edge channel estimate cannot tell the two apart (Opus keeps the band).
Judging all such audio at the Opus threshold cost 7-12 points of detection on clean audio. A small CNN on
the detector's own feature windows (``models/opus_check.tflite``, trained by
``python -m deepfake_live.training.codec_probe --export``) tells them apart; this module runs it on the newest
speech window at most once per block pushed and at least ``EVERY_FRAMES`` apart (a file analysis, in 2 s blocks:
one window per 2 s; the live engine, in small steps: one per 0.5 s) and keeps the mean logit, shifted so that
below zero reads "clean". Training scores recordings with the file schedule (``recording_logit``), so the offset
chosen there holds for files; live readings average more windows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deepfake_live.dsp.features import FeatureConfig
from deepfake_live.errors import ModelError
from deepfake_live.model.runner import ModelRunner, default_model_path

OPUS_CHECK_NAME = "opus_check.tflite"
EVERY_FRAMES = 50  # at most one window scored per half second of audio (0.3 ms each)
MIN_WINDOWS = 2  # fewer scored windows than this: no reading (3 left a third of clips unread)
RECENT_WINDOWS = 12  # a live reading is the mean of the last 12 windows (6 s)
SPEECH_SPREAD_DB = 10.0  # a window whose loud frames sit this far above its quiet ones holds speech


def default_opus_check_path() -> Path:
    """Beside the shipped detector model (the source tree's models/, the frozen bundle, or $DEEPFAKE_LIVE_MODEL's folder)."""
    return default_model_path().parent / OPUS_CHECK_NAME


def speechy(window: np.ndarray) -> bool:
    """True when the window's frame levels spread like speech (pauses and syllables), not a steady floor."""
    level = 10.0 * np.log10(np.power(10.0, window.astype(np.float64) / 10.0).sum(axis=1) + 1e-12)
    return float(np.percentile(level, 90) - np.percentile(level, 10)) >= SPEECH_SPREAD_DB


class OpusCheck:
    """Scores the newest speech window once per pushed block, at least ``EVERY_FRAMES`` apart; pure apart from LiteRT."""

    def __init__(self, runner: ModelRunner) -> None:
        self.runner = runner
        self.window = runner.meta.window_frames
        self.offset = float(runner.meta.extra["decision_offset_logit"])  # in logits: as a probability it underflows
        self._buf = np.zeros((0, runner.meta.features.n_bands), dtype=np.float32)
        self._since = 0
        self.logits: list[float] = []

    @classmethod
    def load(cls, feature_cfg: FeatureConfig, path: Path | None = None) -> OpusCheck | None:
        """The shipped check, or None when its file is absent or was made for another front end (the app then keeps
        "clean or Opus" and the stricter threshold, as before the check existed). A corrupt file, or one without its
        decision offset, raises ModelError."""
        path = Path(path) if path else default_opus_check_path()
        if not path.is_file():
            return None
        runner = ModelRunner(path)
        if runner.meta.features != feature_cfg:
            return None
        if not isinstance((runner.meta.extra or {}).get("decision_offset_logit"), (int, float)):
            raise ModelError(f"{path}: no decision_offset_logit in its metadata: not an Opus check made by codec_probe")
        return cls(runner)

    def reset(self) -> None:
        self.__init__(self.runner)

    def push(self, features: np.ndarray) -> None:
        """Add the next feature frames (n, bands); scores the newest full window if ``EVERY_FRAMES`` have passed."""
        if features.shape[0] == 0:
            return
        self._buf = np.concatenate([self._buf, features.astype(np.float32)])[-self.window :]
        self._since += int(features.shape[0])
        if self._since >= EVERY_FRAMES and self._buf.shape[0] == self.window:
            self._since = 0
            if speechy(self._buf):
                self.logits.append(self.score(self._buf))

    def score(self, window: np.ndarray) -> float:
        """The window's logit minus the decision offset: below zero reads clean."""
        raw = self.runner.to_logits(self.runner.raw_scores(window[None]))
        return float(raw[0]) - self.offset

    def recent_logit(self) -> float | None:
        return _mean(self.logits[-RECENT_WINDOWS:])

    def overall_logit(self) -> float | None:
        return _mean(self.logits)


def recording_logit(check: OpusCheck, features: np.ndarray, block_frames: int = 200) -> float | None:
    """A whole recording's reading, its frames pushed in blocks exactly as a file analysis pushes them."""
    check.reset()
    for i in range(0, features.shape[0], block_frames):
        check.push(features[i : i + block_frames])
    return check.overall_logit()


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if len(values) >= MIN_WINDOWS else None


__all__ = ["OpusCheck", "default_opus_check_path", "recording_logit", "speechy"]
