"""File analysis off the GUI thread.

``analyze_file`` and the whole-file spectrogram can take seconds to minutes, so
they run in a QThread that reports progress and hands back plain data. The
worker scores with its own model runner: a LiteRT interpreter must not be shared
with the live engine's thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QThread, Signal

MAX_AUDIO_S = 3600.0  # keep audio for playback/segment WAVs up to an hour (230 MB)
MAX_DISPLAY_FRAMES = 20000


@dataclass
class FileAnalysis:
    result: object  # analysis.FileResult
    audio: np.ndarray | None  # 16 kHz mono, None for very long files
    features: np.ndarray  # (n, bands) for display, maybe decimated
    frame_rate: float  # display frames per second


def make_file_scorer(model):
    """A scorer safe to use beside the live engine: a second runner on the same model file."""
    from deepfake_live.model.runner import ModelRunner

    runner = model.runner
    if isinstance(runner, ModelRunner):
        return ModelRunner(runner.path).probabilities
    return runner.probabilities


def decimate_features(features: np.ndarray, frame_rate: float, max_frames: int = MAX_DISPLAY_FRAMES) -> tuple[np.ndarray, float]:
    """Max-pool long spectrograms in time so hours of audio still draw quickly (peaks stay visible)."""
    k = int(np.ceil(features.shape[0] / max_frames)) if features.shape[0] > max_frames else 1
    if k == 1:
        return features, frame_rate
    n = features.shape[0] // k * k
    return features[:n].reshape(-1, k, features.shape[1]).max(axis=1), frame_rate / k


class AnalysisWorker(QThread):
    progress = Signal(float)
    done = Signal(object)  # FileAnalysis
    failed = Signal(object, str)  # exception, message

    def __init__(self, path: str | Path, model, threshold: float, scorer=None, parent=None) -> None:
        super().__init__(parent)
        self.path = str(path)
        self.model = model
        self.threshold = threshold
        self.scorer = scorer

    def run(self) -> None:
        from dataclasses import replace

        from deepfake_live.analysis import analyze_file
        from deepfake_live.audio.files import iter_blocks, probe
        from deepfake_live.dsp.features import compute_features
        from deepfake_live.errors import DeepfakeLiveError

        try:
            cfg = self.model.feature_cfg
            dcfg = replace(self.model.detector_cfg, threshold=self.threshold)
            scorer = self.scorer or make_file_scorer(self.model)
            chosen = self.threshold if abs(self.threshold - self.model.detector_cfg.threshold) > 1e-6 else None
            policy = self.model.policy(override=chosen)
            result = analyze_file(self.path, cfg, dcfg, scorer, progress=lambda f: self.progress.emit(0.9 * f), policy=policy)
            audio = None
            if probe(self.path).duration_s <= MAX_AUDIO_S:
                audio = np.concatenate(list(iter_blocks(self.path, cfg.sample_rate)))
                feats = compute_features(audio, cfg)
            else:  # very long: spectrogram from blocks, no audio kept
                feats = np.concatenate([compute_features(b, cfg) for b in iter_blocks(self.path, cfg.sample_rate, 60.0)])
            feats, rate = decimate_features(feats, cfg.frame_rate)
            self.progress.emit(1.0)
            self.done.emit(FileAnalysis(result, audio, feats, rate))
        except DeepfakeLiveError as exc:
            self.failed.emit(exc, str(exc))
        except Exception as exc:  # noqa: BLE001 - a bad file must not take the window down
            self.failed.emit(exc, f"{self.path}: analysis failed ({exc.__class__.__name__}: {exc})")
