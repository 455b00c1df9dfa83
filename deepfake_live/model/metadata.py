"""Model metadata: what a ``.tflite`` file expects and what its output means.

A model is only usable together with the front end and windowing it was trained
with; the metadata file records them, plus the checksum of the weights, so a
mismatched or corrupted model is refused instead of producing quiet nonsense.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from deepfake_live.dsp.features import FeatureConfig
from deepfake_live.errors import ModelError

METADATA_FORMAT = 1
REQUIRED_KEYS = (
    "format_version",
    "name",
    "version",
    "model_file",
    "sha256",
    "sample_rate",
    "features",
    "window_frames",
    "hop_frames",
    "input_shape",
    "output",
    "calibration",
    "threshold",
    "training_data",
)


@dataclass(frozen=True)
class Calibration:
    """Platt scaling of the model's raw logit: p = sigmoid(a * logit + b)."""

    a: float = 1.0
    b: float = 0.0

    def apply(self, logit: float) -> float:
        z = self.a * logit + self.b
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass(frozen=True)
class ModelMetadata:
    name: str
    version: str
    model_file: str
    sha256: str
    sample_rate: int
    features: FeatureConfig
    window_frames: int
    hop_frames: int
    input_shape: tuple[int, ...]
    output_kind: str  # "logit" or "probability" (of the positive class "fake")
    calibration: Calibration
    threshold: float
    training_data: dict
    extra: dict = field(default_factory=dict)

    @property
    def window_seconds(self) -> float:
        cfg = self.features
        return ((self.window_frames - 1) * cfg.hop_length + cfg.frame_length) / cfg.sample_rate

    @property
    def hop_seconds(self) -> float:
        return self.hop_frames * self.features.hop_length / self.features.sample_rate

    def to_dict(self) -> dict:
        data = {
            "format_version": METADATA_FORMAT,
            "name": self.name,
            "version": self.version,
            "model_file": self.model_file,
            "sha256": self.sha256,
            "sample_rate": self.sample_rate,
            "features": self.features.to_dict(),
            "window_frames": self.window_frames,
            "hop_frames": self.hop_frames,
            "input_shape": list(self.input_shape),
            "output": {"kind": self.output_kind, "positive_class": "fake"},
            "calibration": {"method": "platt", "a": self.calibration.a, "b": self.calibration.b},
            "threshold": self.threshold,
            "training_data": self.training_data,
        }
        data.update(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: dict, source: str = "metadata") -> ModelMetadata:
        missing = [k for k in REQUIRED_KEYS if k not in data]
        if missing:
            raise ModelError(f"{source}: missing metadata field(s) {', '.join(missing)}")
        if data["format_version"] != METADATA_FORMAT:
            raise ModelError(f"{source}: metadata format {data['format_version']} is not supported (expected {METADATA_FORMAT})")
        try:
            features = FeatureConfig.from_dict(data["features"])
            cal = data["calibration"]
            meta = cls(
                name=str(data["name"]),
                version=str(data["version"]),
                model_file=str(data["model_file"]),
                sha256=str(data["sha256"]).lower(),
                sample_rate=int(data["sample_rate"]),
                features=features,
                window_frames=int(data["window_frames"]),
                hop_frames=int(data["hop_frames"]),
                input_shape=tuple(int(v) for v in data["input_shape"]),
                output_kind=str(data["output"]["kind"]),
                calibration=Calibration(float(cal.get("a", 1.0)), float(cal.get("b", 0.0))),
                threshold=float(data["threshold"]),
                training_data=dict(data["training_data"]),
                extra={k: v for k, v in data.items() if k not in REQUIRED_KEYS},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{source}: malformed metadata ({exc})") from None
        meta.check_consistent(source)
        return meta

    def check_consistent(self, source: str = "metadata") -> None:
        """Refuse metadata whose parts contradict each other."""
        if self.sample_rate != self.features.sample_rate:
            raise ModelError(f"{source}: sample_rate {self.sample_rate} differs from the feature config's {self.features.sample_rate}")
        if self.output_kind not in ("logit", "probability"):
            raise ModelError(f"{source}: output kind {self.output_kind!r} must be 'logit' or 'probability'")
        if not 0.0 < self.threshold < 1.0:
            raise ModelError(f"{source}: threshold {self.threshold} must lie between 0 and 1")
        shape = self.input_shape
        if len(shape) != 4 or shape[1] != self.window_frames or shape[2] != self.features.n_bands or shape[3] != 1:
            raise ModelError(
                f"{source}: input_shape {list(shape)} does not match window_frames={self.window_frames} "
                f"and n_bands={self.features.n_bands} (expected [batch, frames, bands, 1])"
            )
        if self.hop_frames <= 0 or self.hop_frames > self.window_frames:
            raise ModelError(f"{source}: hop_frames {self.hop_frames} must be in 1..window_frames")


def sha256_of(path: Path) -> str:
    """Checksum of a file read in blocks (models and analysed audio: evidence needs both)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def metadata_path_for(model_path: Path) -> Path:
    """``models/x.tflite`` -> ``models/x.json``."""
    return model_path.with_suffix(".json")


def load_metadata(model_path: Path) -> ModelMetadata:
    """Read and validate the metadata next to ``model_path``, including its checksum."""
    model_path = Path(model_path)
    meta_path = metadata_path_for(model_path)
    if not model_path.is_file():
        raise ModelError(f"{model_path}: model file not found")
    if not meta_path.is_file():
        raise ModelError(f"{meta_path}: model metadata not found (every .tflite needs its .json)")
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{meta_path}: unreadable metadata ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{meta_path}: metadata must be a JSON object")
    meta = ModelMetadata.from_dict(data, source=str(meta_path))
    if meta.model_file != model_path.name:
        raise ModelError(f"{meta_path}: describes {meta.model_file!r}, not {model_path.name!r}")
    actual = sha256_of(model_path)
    if actual != meta.sha256:
        raise ModelError(f"{model_path}: checksum mismatch (sha256 {actual[:12]}..., metadata says {meta.sha256[:12]}...): "
                         "the file is corrupt or not the model the metadata describes")
    return meta


def write_metadata(meta: ModelMetadata, model_path: Path) -> Path:
    path = metadata_path_for(Path(model_path))
    path.write_text(json.dumps(meta.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path
