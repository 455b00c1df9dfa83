"""Shortcut audit: can a linear model tell the classes apart from clip-level statistics alone?

If level, bandwidth, channel colouring or a dominant voice still separated real from fake
after augmentation, long-term per-band statistics would expose it: a logistic regression
on them would score well on held-out speakers. Near-chance EER here means the obvious
shortcuts are neutralised, so whatever the CNN learns has to come from finer structure.

Features per clip (training variants, voiced frames, clip mean dB removed): mean, standard
deviation and mean absolute frame-to-frame change of every band.

    python -m deepfake_live.training.shortcut_audit
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from deepfake_live.dsp.features import FeatureConfig
from deepfake_live.training import cache, metrics
from deepfake_live.training.data import Clip, assign_splits, default_manifests, read_manifests

VARIANTS = ["aug0", "aug1", "aug2", "aug3"]


def clip_statistics(features: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """(3 * n_bands,) long-term statistics of the voiced frames, level removed."""
    f = features.astype(np.float32)
    m = voiced[: f.shape[0]].astype(bool)
    if m.sum() < 10:
        m = np.ones(f.shape[0], dtype=bool)
    f = f[m] - f[m].mean()
    return np.concatenate([f.mean(0), f.std(0), np.abs(np.diff(f, axis=0)).mean(0)])


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, iters: int = 3000, lr: float = 0.5) -> tuple[np.ndarray, float]:
    """Plain L2 logistic regression by gradient descent on standardised inputs (no extra dependency)."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w -= lr * (x.T @ (p - y) / len(y) + l2 * w)
        b -= lr * float((p - y).mean())
    return w, b


def _design(clips: list[Clip], variants: list[str], cfg: FeatureConfig) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for c in clips:
        for v in variants:
            rows.append(clip_statistics(*cache.load(c, v, cfg)))
            labels.append(c.label)
    return np.array(rows), np.array(labels, dtype=np.float64)


def audit(splits: dict[str, list[Clip]], cfg: FeatureConfig) -> dict:
    x, y = _design(splits["train"], VARIANTS, cfg)
    mu, sd = x.mean(0), x.std(0) + 1e-6
    w, b = fit_logistic((x - mu) / sd, y)
    out = {"train_eer": metrics.eer(*_split((((x - mu) / sd) @ w + b), y))}
    for name in ("val", "test"):
        for label, variants in (("clean", ["aug0"]), ("augmented", VARIANTS[1:])):
            xe, ye = _design(splits[name], variants, cfg)
            out[f"{name}_{label}_eer"] = metrics.eer(*_split(((xe - mu) / sd) @ w + b, ye))
    return out


def _split(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return z[y == 0], z[y == 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    cfg = FeatureConfig()
    clips = read_manifests(default_manifests())
    cache.build(clips, VARIANTS, cfg)  # no-op when the training cache is warm
    clips = [c for c in clips if cache.available(c, VARIANTS, cfg)]
    res = audit(assign_splits(clips, args.seed), cfg)
    print(json.dumps({k: round(v, 4) for k, v in res.items()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
