"""Loading the model once and deriving the detector settings from its metadata."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from deepfake_live.channel_policy import TELEPHONE, ConditionPolicy, Route
from deepfake_live.detector import DetectorConfig
from deepfake_live.dsp.features import FeatureConfig
from deepfake_live.dsp.silero_vad import load_weights
from deepfake_live.errors import ModelError
from deepfake_live.model.metadata import ModelMetadata
from deepfake_live.model.runner import ModelRunner

# Specialists looked for beside the model file: the condition they score and their file name. The telephone-band
# model is v3's network trained on narrowband calls only; where the channel reads as a telephone line it flags
# about twice as many fakes at the same false-alarm rate (models/MODEL_CARD.md).
SPECIALIST_FILES = {TELEPHONE: "telephone.tflite"}
SPECIALIST_NAMES = {TELEPHONE: "telephone-band model"}


@dataclass
class LoadedModel:
    runner: ModelRunner
    meta: ModelMetadata
    feature_cfg: FeatureConfig
    detector_cfg: DetectorConfig
    routes: dict[str, Route] = field(default_factory=dict)  # condition -> specialist found beside the model

    @property
    def label(self) -> str:
        return f"{self.meta.name} {self.meta.version}"

    def policy(self, override: float | None = None) -> ConditionPolicy:
        """Per-condition thresholds and specialists (a user's threshold overrides both)."""
        return ConditionPolicy.from_model(self.meta, self.detector_cfg, override=override, routes=self.routes)


def detector_config(meta: ModelMetadata) -> DetectorConfig:
    """The detector settings a model's metadata implies.

    "threshold" is calibrated on clip scores; live segments use smoothed window scores, whose own threshold
    and smoothing the optional "detector" block records (chosen on validation data).
    """
    live = meta.extra.get("detector", {}) if isinstance(meta.extra.get("detector"), dict) else {}
    base = DetectorConfig()
    return DetectorConfig(
        window_frames=meta.window_frames, hop_frames=meta.hop_frames,
        threshold=float(live.get("threshold", meta.threshold)), clip_threshold=meta.threshold,
        smooth_windows=int(live.get("smooth_windows", base.smooth_windows)),
        min_windows=int(live.get("min_windows", base.min_windows)),
        min_speech_s=float(meta.extra.get("min_speech_s", base.min_speech_s)),
    )


def load_routes(model_path: Path, meta: ModelMetadata) -> dict[str, Route]:
    """Specialists beside ``model_path`` made for the same features and window (others are ignored, as a model
    for another front end cannot share the stream). Each is loaded once here, so a corrupt one is reported at start."""
    routes = {}
    for condition, name in SPECIALIST_FILES.items():
        path = model_path.parent / name
        if not path.is_file() or path.resolve() == model_path.resolve():
            continue
        spec = ModelRunner(path).meta
        if spec.features != meta.features or spec.window_frames != meta.window_frames:
            continue
        clip, live, used = ConditionPolicy.from_model(spec, detector_config(spec)).thresholds((condition,))
        if used != condition:
            raise ModelError(f"{path}: its metadata has no calibrated {condition} threshold")
        label = f"{SPECIALIST_NAMES[condition]} ({spec.name} {spec.version})"
        routes[condition] = Route(condition, path, label, clip, live, spec.sha256)
    return routes


def load_model(path: str | Path | None = None, threshold: float | None = None, num_threads: int = 1) -> LoadedModel:
    """Model + the detector configuration its metadata implies (threshold overridable) + its specialists.

    Also reads the voice-activity weights, so a missing or damaged VAD file is reported here, with the model.
    """
    runner = ModelRunner(Path(path) if path else None, num_threads=num_threads)
    load_weights()
    cfg = detector_config(runner.meta)
    if threshold is not None:
        cfg = replace(cfg, threshold=threshold, clip_threshold=threshold)
    return LoadedModel(runner, runner.meta, runner.meta.features, cfg, load_routes(runner.path, runner.meta))
