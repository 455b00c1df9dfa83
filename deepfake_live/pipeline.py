"""Loading the model once and deriving the detector settings from its metadata."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from deepfake_live.detector import DetectorConfig
from deepfake_live.dsp.features import FeatureConfig
from deepfake_live.dsp.silero_vad import load_weights
from deepfake_live.model.metadata import ModelMetadata
from deepfake_live.model.runner import ModelRunner


@dataclass
class LoadedModel:
    runner: ModelRunner
    meta: ModelMetadata
    feature_cfg: FeatureConfig
    detector_cfg: DetectorConfig

    @property
    def label(self) -> str:
        return f"{self.meta.name} {self.meta.version}"


def load_model(path: str | Path | None = None, threshold: float | None = None, num_threads: int = 1) -> LoadedModel:
    """Model + the detector configuration its metadata implies (threshold overridable).

    Also reads the voice-activity weights, so a missing or damaged VAD file is reported here, with the model.
    """
    runner = ModelRunner(Path(path) if path else None, num_threads=num_threads)
    load_weights()
    meta = runner.meta
    # "threshold" is calibrated on clip scores; live segments use smoothed window scores, whose
    # own threshold and smoothing the optional "detector" block records (chosen on validation data).
    live = meta.extra.get("detector", {}) if isinstance(meta.extra.get("detector"), dict) else {}
    base = DetectorConfig()
    cfg = DetectorConfig(
        window_frames=meta.window_frames, hop_frames=meta.hop_frames,
        threshold=float(live.get("threshold", meta.threshold)), clip_threshold=meta.threshold,
        smooth_windows=int(live.get("smooth_windows", base.smooth_windows)),
        min_windows=int(live.get("min_windows", base.min_windows)),
        min_speech_s=float(meta.extra.get("min_speech_s", base.min_speech_s)),
    )
    if threshold is not None:
        cfg = replace(cfg, threshold=threshold, clip_threshold=threshold)
    return LoadedModel(runner, meta, meta.features, cfg)
