"""Leave-one-generator-family-out cross-validation (the honest 'unseen generator' figure).

For each family, a fresh model trains on the training split without that family's
fakes (and without the held-out systems), then the family's fakes from every split
are scored against held-out-speaker real clips (val + test), clean and telephone.
Folds train for fewer epochs than the shipped model to fit the time budget, so the
figures are, if anything, pessimistic.

    python -m deepfake_live.training.crossval --out models/crossval.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from deepfake_live.dsp.features import FeatureConfig
from deepfake_live.training import cache, metrics
from deepfake_live.training.data import FAMILIES, Clip, assign_splits, default_manifests, read_manifests

CV_CONDITIONS = ["clean", "telephone_8k_mulaw"]


def keras_clip_logits(model, feats: list[np.ndarray], cfg: FeatureConfig, window: int, hop: int,
                      voiced: list[np.ndarray]) -> np.ndarray:
    """Mean window logit over voiced windows per clip (the app's aggregation), with the Keras model."""
    from deepfake_live.training.evaluate import clip_probabilities

    def scorer(w: np.ndarray) -> np.ndarray:
        z = model.predict(w[..., None], batch_size=512, verbose=0).reshape(-1)
        return 1.0 / (1.0 + np.exp(-z))

    p = clip_probabilities(feats, cfg, window, hop, scorer, voiced=voiced)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def run_crossval(clips: list[Clip], splits: dict[str, list[Clip]], cfg: FeatureConfig, out_json: Path, epochs: int = 10, steps: int = 150,
                 seed: int = 0, *, window: int, hop: int, with_baseline: bool = True, families: list[str] | None = None,
                 head: str = "bce", members: int = 1, arch: dict | None = None) -> dict:
    import keras

    from deepfake_live.training.evaluate import _clean, bootstrap_units, condition_data
    from deepfake_live.training.model import build_cnn, build_mfcc_baseline, training_loss
    from deepfake_live.training.train import AUG_VARIANTS, load_data, log, member_name, train_keras, train_members

    real_eval = [c for c in splits.get("val", []) + splits.get("test", []) if c.label == 0]
    train_all = load_data(splits["train"], AUG_VARIANTS, cfg, window)
    result: dict = {"protocol": __doc__.strip().split("\n\n")[1], "epochs_per_fold": epochs, "steps_per_epoch": steps, "head": head,
                    "cnn_members": members, "cnn_architecture": arch or "shipped", "folds": {}}
    names = ["cnn", "mfcc_baseline"] if with_baseline else ["cnn"]

    def build(name: str):
        return build_cnn(window, cfg.n_bands, head=head, name=name, **(arch or {}))

    fams = families or [f for f in FAMILIES if any(c.family == f for c in clips)]
    for fam in fams:
        fakes = [c for c in clips if c.label == 1 and c.family == fam]
        train = [d for d in train_all if d.clip.family != fam]
        if not fakes or not any(d.clip.label for d in train):
            continue
        eval_clips = real_eval + fakes
        lab = np.array([c.label for c in eval_clips])
        units = bootstrap_units(eval_clips)
        fold: dict = {"n_fake": len(fakes), "systems": sorted({c.system for c in fakes}), "n_real": len(real_eval)}
        for name in names:
            keras.utils.set_random_seed(seed)
            if name == "cnn":  # the shipped recipe: `members` independently seeded CNNs, mean logit
                model, _ = train_members(build(member_name(0, members)), build, members, train, None, epochs, steps, seed,
                                         f"cv[{fam}] cnn", loss=training_loss(head))
            else:
                model = build_mfcc_baseline(window, cfg.n_bands)
                train_keras(model, train, None, max(2, (epochs * members) // 2), steps, seed=seed, label=f"cv[{fam}] {name}")
            fold[name] = {}
            for cond in CV_CONDITIONS:
                data = condition_data(eval_clips, cond, cfg)
                z = keras_clip_logits(model, [f for f, _ in data], cfg, window, hop, voiced=[m for _, m in data])
                per_sys = {s: metrics.eer(z[lab == 0], z[[i for i, c in enumerate(eval_clips) if c.label and c.system == s]])
                           for s in fold["systems"]}
                fold[name][cond] = {"eer": metrics.eer(z[lab == 0], z[lab == 1]),
                                    "eer_ci95": metrics.eer_ci(z[lab == 0], z[lab == 1], units[lab == 0], units[lab == 1]),
                                    "min_dcf": metrics.min_dcf(z[lab == 0], z[lab == 1]), "per_system_eer": per_sys}
            log(f"cv[{fam}] {name}: " + ", ".join(f"{c} EER {fold[name][c]['eer']:.3f}" for c in CV_CONDITIONS))
        result["folds"][fam] = fold
        out_json.write_text(json.dumps(_clean(result), indent=1) + "\n", encoding="utf-8")
    for name in names:
        for cond in CV_CONDITIONS:
            vals = [f[name][cond]["eer"] for f in result["folds"].values() if name in f]
            result.setdefault("mean_eer", {}).setdefault(name, {})[cond] = float(np.mean(vals)) if vals else None
    out_json.write_text(json.dumps(_clean(result), indent=1) + "\n", encoding="utf-8")
    log(f"cross-validation mean EER: {result.get('mean_eer')}")
    return result


def build_parser() -> argparse.ArgumentParser:
    """The CLI's options; window and bands default to the training command's, so folds measure the shipped recipe."""
    ap = argparse.ArgumentParser(description="Leave-one-generator-family-out cross-validation.")
    ap.add_argument("--out", default="models/crossval.json")
    ap.add_argument("--manifest", action="append", default=None)
    ap.add_argument("--epochs", type=int, default=10, help="CNN epochs per fold and member (the baseline trains half the CNN total)")
    ap.add_argument("--members", type=int, default=1, help="seeded CNNs averaged per fold, as `train --members`")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--families", default=None, help="comma-separated subset")
    ap.add_argument("--no-baseline", action="store_true")
    from deepfake_live.training.train import BANDS, WINDOW, add_architecture_arguments

    ap.add_argument("--window", type=int, default=WINDOW, help="frames per window (default: the shipped model's)")
    ap.add_argument("--bands", type=int, default=BANDS, help="linear frequency bands (default: the shipped model's)")

    add_architecture_arguments(ap)
    return ap


def main(argv: list[str] | None = None) -> int:
    from deepfake_live.training.train import AUG_VARIANTS, HOP, architecture, setup_tensorflow

    args = build_parser().parse_args(argv)
    setup_tensorflow()
    cfg = FeatureConfig(n_bands=args.bands)  # the training command's front end, so folds measure the shipped recipe
    clips = read_manifests([Path(m) for m in args.manifest] if args.manifest else default_manifests())
    splits = assign_splits(clips, args.seed)

    cache.build(splits["train"], AUG_VARIANTS, cfg)  # evaluation conditions are cached per fold as they are needed
    t = time.time()
    run_crossval(clips, splits, cfg, Path(args.out), args.epochs, args.steps, args.seed, window=args.window, hop=HOP,
                 with_baseline=not args.no_baseline,
                 families=args.families.split(",") if args.families else None, head=args.head, members=args.members,
                 arch=architecture(args))
    print(f"crossval took {(time.time() - t) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
