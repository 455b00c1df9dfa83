"""Choose the live detector's settings (segment threshold, smoothing) on validation data.

The metadata's ``threshold`` is calibrated on clip scores (the mean over a whole
clip). Live segments are decided on a few seconds of smoothed window scores,
which scatter more, so they need their own threshold: the lowest one at which
at most ``target`` of the validation real clips get any flagged segment when
run through the real :class:`~deepfake_live.detector.Detector`.

    python -m deepfake_live.training.live_threshold models/deepfake_live.tflite
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from deepfake_live.audio.files import read_audio
from deepfake_live.detector import Detector, DetectorConfig
from deepfake_live.dsp.features import compute_features
from deepfake_live.model.metadata import metadata_path_for
from deepfake_live.model.runner import ModelRunner
from deepfake_live.speech_activity import frame_speech_mask
from deepfake_live.training.data import Clip, assign_splits, default_manifests, read_manifests

SMOOTH_WINDOWS = 8  # ~2.4 s of audio: long enough to steady the score, short enough for a verdict in a sentence
MIN_WINDOWS = 3
TARGET_REAL_CLIPS_FLAGGED = 0.05
GRID = np.round(np.arange(0.50, 0.991, 0.01), 2)


class _MemoScorer:
    """The runner's scores, remembered per window: the detector is replayed once per candidate threshold."""

    def __init__(self, runner: ModelRunner) -> None:
        self.runner = runner
        self.memo: dict[bytes, float] = {}

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        keys = [w.tobytes() for w in windows]
        todo = [i for i, k in enumerate(keys) if k not in self.memo]
        if todo:
            for i, p in zip(todo, self.runner.probabilities(windows[todo]), strict=True):
                self.memo[keys[i]] = float(p)
        return np.array([self.memo[k] for k in keys])


def _clip_features(runner: ModelRunner, clips: list[Clip]) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Clean features and the speech mask (the app's VAD, from the same audio) of each clip."""
    cfg = runner.meta.features
    out = []
    for c in clips:
        x = read_audio(c.path, cfg.sample_rate)
        out.append((c.label, compute_features(x, cfg), frame_speech_mask(x, cfg)))
    return out


def _flag_rates(runner: ModelRunner, scorer: _MemoScorer, data: list[tuple[int, np.ndarray, np.ndarray]],
                threshold: float) -> tuple[float, float, float]:
    """(real clips with a segment, fake clips with a segment, share of real speech windows flagged)."""
    meta = runner.meta
    cfg = DetectorConfig(window_frames=meta.window_frames, hop_frames=meta.hop_frames, threshold=threshold,
                         smooth_windows=SMOOTH_WINDOWS, min_windows=MIN_WINDOWS)
    hits = {0: [], 1: []}
    real_windows = flagged_windows = 0
    for label, feats, speech in data:
        det = Detector(meta.features, cfg, scorer)
        points = det.push(feats, speech).points
        det.finish()
        hits[label].append(bool(det.segments))
        if label == 0:
            speech = [p for p in points if p.probability is not None]
            real_windows += len(speech)
            flagged_windows += sum(p.state.value == "likely_synthetic" for p in speech)
    return float(np.mean(hits[0] or [0])), float(np.mean(hits[1] or [0])), flagged_windows / max(real_windows, 1)


def rates_at(runner: ModelRunner, clips: list[Clip], threshold: float) -> dict:
    """Flag rates of the live detector at ``threshold`` on other clips (for the model card)."""
    real_rate, fake_rate, window_rate = _flag_rates(runner, _MemoScorer(runner), _clip_features(runner, clips), threshold)
    return {"real_clips_with_segment": round(real_rate, 4), "fake_clips_with_segment": round(fake_rate, 4),
            "real_windows_flagged": round(window_rate, 4)}


def choose(runner: ModelRunner, val_clips: list[Clip], target: float = TARGET_REAL_CLIPS_FLAGGED) -> dict:
    data = _clip_features(runner, val_clips)
    scorer = _MemoScorer(runner)
    chosen = None
    for t in GRID:
        real_rate, fake_rate, window_rate = _flag_rates(runner, scorer, data, float(t))
        if real_rate <= target:
            chosen = {"threshold": float(t), "smooth_windows": SMOOTH_WINDOWS, "min_windows": MIN_WINDOWS,
                      "val_real_clips_with_segment": round(real_rate, 4), "val_fake_clips_with_segment": round(fake_rate, 4),
                      "val_real_windows_flagged": round(window_rate, 4)}
            break
    if chosen is None:
        chosen = {"threshold": float(GRID[-1]), "smooth_windows": SMOOTH_WINDOWS, "min_windows": MIN_WINDOWS}
    chosen["chosen_on"] = (f"validation split (held-out speakers), clean audio: lowest threshold with <= {target:.0%} of real clips "
                           f"getting any flagged segment ({sum(1 for c in val_clips if c.label == 0)} real, "
                           f"{sum(1 for c in val_clips if c.label == 1)} fake clips)")
    return chosen


def write_detector_block(model_path: Path, block: dict) -> None:
    """Add the block to the model's metadata (the weights and their checksum are untouched)."""
    meta_path = metadata_path_for(model_path)
    data = json.loads(meta_path.read_text(encoding="utf-8"))
    data["detector"] = block
    meta_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", default="models/deepfake_live.tflite")
    ap.add_argument("--target", type=float, default=TARGET_REAL_CLIPS_FLAGGED)
    args = ap.parse_args(argv)
    runner = ModelRunner(Path(args.model))
    splits = assign_splits(read_manifests(default_manifests()))
    block = choose(runner, splits["val"], args.target)
    write_detector_block(Path(args.model), block)
    print(json.dumps(block, indent=1))
    print(f"test (unseen generators): {json.dumps(rates_at(runner, splits['test'], block['threshold']))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
