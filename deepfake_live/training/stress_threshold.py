"""Give an already trained model a threshold for a stress channel it was calibrated without.

A model's thresholds come from calibration (``train.calibrate``); a stress channel added later (``channels.STRESS_CONDITIONS``,
e.g. the HD-voice call of session 12) would otherwise wait for a retraining. This scores the validation genuine clips
through that channel with the model, applies the model's own Platt parameters and sets the threshold by the same rule
(``train.genuine_thresholds``), then writes it into the model's metadata beside the others. Nothing else changes: no
weight, no other threshold, no calibration parameter.

    python -m deepfake_live.training.stress_threshold --model models/deepfake_live.tflite --condition hd_voice_g722
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from deepfake_live.errors import ModelError
from deepfake_live.training.channels import STRESS_CONDITIONS


def add_thresholds(model_path: Path, conditions: list[str], dry_run: bool = False, real: list | None = None,
                   cache_dir: Path | None = None) -> dict[str, float]:
    """The new thresholds (probabilities) by condition; written into the model's metadata unless ``dry_run``.
    ``real``: the genuine clips to set them on (default: the validation split's)."""
    from deepfake_live.model.metadata import load_metadata, write_metadata
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training import cache
    from deepfake_live.training.train import default_splits, genuine_thresholds

    meta = load_metadata(model_path)
    info = meta.extra.get("calibration_info")
    if not isinstance(info, dict) or not isinstance(info.get("per_condition_threshold"), dict):
        raise SystemExit(f"stress_threshold: {model_path} has no per-condition thresholds to add to")
    if real is None:
        real = [c for c in default_splits()["val"] if c.label == 0]
    if not real:
        raise SystemExit("stress_threshold: no validation genuine clips (build the data first: README, Training)")
    logits = genuine_thresholds(ModelRunner(model_path), real, tuple(conditions), meta.calibration,
                                cache_dir or cache.DEFAULT_CACHE)
    new = {cond: round(float(1.0 / (1.0 + np.exp(-z))), 5) for cond, z in logits.items()}
    if not dry_run:
        info["per_condition_threshold"].update(new)
        info["threshold_only_conditions"] = sorted({*info.get("threshold_only_conditions", []), *new})
        added = info.setdefault("thresholds_added_after_training", {})
        for cond in new:
            added[cond] = {"date": time.strftime("%Y-%m-%d"), "val_genuine_clips": len(real),
                           "rule": "train.genuine_thresholds with the model's own Platt parameters"}
        write_metadata(meta, model_path)
    return new


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path("models/deepfake_live.tflite"))
    ap.add_argument("--condition", action="append", choices=list(STRESS_CONDITIONS), required=True)
    ap.add_argument("--dry-run", action="store_true", help="print the thresholds, write nothing")
    args = ap.parse_args(argv)
    if not args.model.is_file():
        raise SystemExit(f"stress_threshold: model not found: {args.model}")
    try:
        added = add_thresholds(args.model, args.condition, args.dry_run)
    except (ModelError, OSError, ValueError) as exc:  # a corrupt model or metadata, unreadable data: one line, nothing written
        raise SystemExit(f"stress_threshold: {exc}") from None
    for cond, thr in added.items():
        print(f"{cond}: threshold {thr:.5f}" + (" (not written: --dry-run)" if args.dry_run else f" -> {args.model}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
