"""What shorter analysis windows cost in accuracy (the latency/accuracy trade-off).

The live verdict can come no sooner than one window of speech, so the window length
is a product decision, made on the validation split like every other model choice (its
generators are unseen in training; test stays for the final check). For each candidate length,
a fresh copy of the shipped architecture on the shipped front end trains with the same seed,
data and number of steps; then validation clips are scored, clean and over the telephone channel:

- window EER: every window scored on its own, silence included (no VAD; what one early verdict is worth);
- clip EER: mean logit over all of a clip's windows (the app averages speech windows only).

    python -m deepfake_live.training.window_study --out models/window_study.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from deepfake_live.dsp.features import FeatureConfig
from deepfake_live.training import metrics
from deepfake_live.training.data import Clip, default_manifests, read_manifests

CONDITIONS = ["clean", "telephone_8k_mulaw"]
DEFAULT_WINDOWS = (72, 96, 120, 144)  # 144: the shipped window; longer ones would break the 1.5 s first-score budget


def window_logits(model, feats: list[np.ndarray], window: int, hop: int) -> list[np.ndarray]:
    """Logits of every window of every clip (clips shorter than a window are tiled to one)."""
    out = []
    for f in feats:
        if f.shape[0] < window:
            f = np.concatenate([f] * (window // max(f.shape[0], 1) + 1))[:window]
        w = np.stack([f[s : s + window] for s in range(0, f.shape[0] - window + 1, hop)])
        out.append(model.predict(w[..., None], batch_size=256, verbose=0).reshape(-1))
    return out


def study(clips: list[Clip], splits: dict[str, list[Clip]], cfg: FeatureConfig, windows: tuple[int, ...], epochs: int, steps: int,
          seed: int = 0) -> dict:
    import keras

    from deepfake_live.training.evaluate import condition_features
    from deepfake_live.training.model import build_cnn
    from deepfake_live.training.train import AUG_VARIANTS, load_data, log, train_keras

    eval_clips = splits["val"]
    lab = np.array([c.label for c in eval_clips])
    feats = {cond: condition_features(eval_clips, cond, cfg) for cond in CONDITIONS}
    result: dict = {"protocol": __doc__.strip().split("\n\n")[1], "epochs": epochs, "steps_per_epoch": steps,
                    "eval_set": f"{int((lab == 0).sum())} validation real clips vs {int(lab.sum())} fakes of unseen generators (val split)",
                    "frame_rate_hz": cfg.frame_rate, "windows": {}}
    for window in windows:
        keras.utils.set_random_seed(seed)
        train = load_data(splits["train"], AUG_VARIANTS, cfg, window)
        model = build_cnn(window, cfg.n_bands)
        t0 = time.time()
        train_keras(model, train, None, epochs, steps, seed=seed, label=f"window {window}")
        rec: dict = {"seconds": round(window * cfg.hop_length / cfg.sample_rate + (cfg.frame_length - cfg.hop_length) / cfg.sample_rate, 3),
                     "train_s": round(time.time() - t0, 1)}
        for cond in CONDITIONS:
            zs = window_logits(model, feats[cond], window, max(1, window // 5))
            zc = np.array([z.mean() for z in zs])
            zw = np.concatenate(zs)
            yw = np.concatenate([np.full(z.size, y) for z, y in zip(zs, lab, strict=True)])
            rec[cond] = {"window_eer": metrics.eer(zw[yw == 0], zw[yw == 1]), "clip_eer": metrics.eer(zc[lab == 0], zc[lab == 1])}
        log(f"window {window} frames ({rec['seconds']} s): {rec}")
        result["windows"][str(window)] = rec
    return result


def build_parser() -> argparse.ArgumentParser:
    """The study's options; bands default to the training command's, so every window is the shipped recipe but for its length."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="models/window_study.json")
    ap.add_argument("--windows", default=",".join(map(str, DEFAULT_WINDOWS)), help="window lengths in frames (10 ms each)")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    from deepfake_live.training.train import BANDS

    ap.add_argument("--bands", type=int, default=BANDS, help="linear frequency bands (default: the shipped model's)")
    return ap


def main(argv: list[str] | None = None) -> int:
    from deepfake_live.training.train import planned_splits, setup_tensorflow

    args = build_parser().parse_args(argv)
    setup_tensorflow()
    cfg = FeatureConfig(n_bands=args.bands)  # the training command's front end
    clips = read_manifests(default_manifests())
    splits = planned_splits(clips, args.seed)  # the training command's val set
    res = study(clips, splits, cfg, tuple(int(w) for w in args.windows.split(",")), args.epochs, args.steps, args.seed)
    Path(args.out).write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
