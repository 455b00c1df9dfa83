"""How should a clip's window scores be pooled? Asked on validation, without retraining.

Scores every speech window of each validation clip (all windows when none holds speech, as the app does) in each
channel condition with the shipped model, then pools the window logits per clip in several ways and reports, per
condition, the clip EER and the detection at the 1.5% point of the genuine clips' pooled scores. The app pools with
the mean (``analysis.clip_score``); the plain mean here reproduces the model's validation EERs. A pool that wins here
must still be judged through the app's threshold rule (a bootstrapped upper bound, models/STUDIES.md, "Clip score").

    python -m deepfake_live.training.pool_study --out data_cache/pool_study.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from deepfake_live.training import metrics

FALSE_ALARMS = 0.015


def _top(share: float) -> Callable[[np.ndarray], float]:
    return lambda z: float(np.mean(np.sort(z)[-max(1, int(z.size * share)) :]))


def _trimmed(z: np.ndarray) -> float:
    k = int(0.1 * z.size)
    return float(np.mean(np.sort(z)[k : z.size - k]))


POOLS: dict[str, Callable[[np.ndarray], float]] = {
    "mean": lambda z: float(np.mean(z)),
    "median": lambda z: float(np.median(z)),
    "trimmed_10": _trimmed,
    "upper_half": lambda z: float(np.mean(np.sort(z)[z.size // 2 :])),
    "upper_quarter": _top(0.25),
    "log_mean_exp": lambda z: float(np.log(np.mean(np.exp(z - z.max()))) + z.max()),
}


def window_logits(model: Path, split: str = "val", seed: int = 0) -> tuple[np.ndarray, dict[str, list[np.ndarray]]]:
    """Labels, and per condition each clip's speech-window logits (uncalibrated)."""
    from deepfake_live.detector import DetectorConfig
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training import cache
    from deepfake_live.training.channels import CONDITIONS
    from deepfake_live.training.evaluate import condition_data, raw_scorer, scored_windows
    from deepfake_live.training.train import default_splits

    runner = ModelRunner(model)
    cfg = runner.meta.features
    clips = [c for c in default_splits(seed)[split] if cache.available(c, list(CONDITIONS), cfg)]
    dcfg = DetectorConfig(window_frames=runner.meta.window_frames, hop_frames=runner.meta.hop_frames)
    scorer = raw_scorer(runner)
    out: dict[str, list[np.ndarray]] = {}
    for cond in CONDITIONS:
        out[cond] = []
        for f, m in condition_data(clips, cond, cfg):
            ws = scored_windows(f, cfg, dcfg, scorer, m)
            p = np.clip(ws.probs[ws.speech], 1e-6, 1 - 1e-6)
            out[cond].append(np.log(p / (1 - p)))
    return np.array([c.label for c in clips]), out


def pool_table(labels: np.ndarray, logits: dict[str, list[np.ndarray]]) -> dict:
    """Per pool and condition: clip EER and detection at the 1.5% genuine point; and their means over conditions."""
    table: dict = {}
    for name, pool in POOLS.items():
        by = {}
        for cond, zs in logits.items():
            s = np.array([pool(z) for z in zs])
            thr = np.quantile(s[labels == 0], 1.0 - FALSE_ALARMS)
            by[cond] = {"eer": metrics.eer(s[labels == 0], s[labels == 1]), "detected": float(np.mean(s[labels == 1] > thr))}
        table[name] = {"by_condition": by, "mean_eer": float(np.mean([v["eer"] for v in by.values()])),
                       "mean_detected": float(np.mean([v["detected"] for v in by.values()]))}
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path("models/deepfake_live.tflite"))
    ap.add_argument("--split", choices=["val", "test"], default="val")
    ap.add_argument("--out", type=Path, default=Path("data_cache/pool_study.json"))
    args = ap.parse_args(argv)
    if not args.model.is_file():
        raise SystemExit(f"pool_study: model not found: {args.model}")
    labels, logits = window_logits(args.model, args.split)
    table = pool_table(labels, logits)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"protocol": __doc__.strip().split("\n\n")[1], "split": args.split,
                                    "genuine": int((labels == 0).sum()), "fakes": int(labels.sum()), "pools": table}, indent=1) + "\n")
    for name, r in table.items():
        print(f"{name:14s} detected at {FALSE_ALARMS:.1%} genuine: mean {100 * r['mean_detected']:.1f}% | "
              f"EER mean {100 * r['mean_eer']:.1f}% | " + " / ".join(f"{100 * v['detected']:.1f}" for v in r["by_condition"].values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
