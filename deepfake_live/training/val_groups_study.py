"""Do more generators in training help on generators never seen? Asked on validation, by halves.

The validation generator groups are split in two halves. A model trained with one half's fakes added to
the training split (``train --train-on-val-groups``) is scored on the other half's fakes against all
validation real clips, and compared with a reference model (the shipped one) on the very same clips:
clip EER with the five channel conditions pooled, intervals and the paired difference by bootstrapping
speakers and systems. Fakes of the half a model trained on are never scored for it. A model given
without groups trained on none and is compared on the whole validation split (a recipe change asked on
validation); ``A.tflite+B.tflite`` scores the mean logit of several models (an ensemble).

The out-of-fold clip logits of both halves also give a cross-fitted Platt calibration, for a final fit
that trains on every validation fake (``--train-on-val-groups all --calibration-from``): its threshold
still comes from validation real clips, which no model trains on.

    python -m deepfake_live.training.val_groups_study --reference models/deepfake_live.tflite \\
        --fold data_cache/study/foldA/deepfake_live.tflite=hifigan,clam_tts,clarinet,generspeech \\
        --fold data_cache/study/foldB/deepfake_live.tflite=diffvc,mobilespeech,vs_tts,waveglow,quickvc \\
        --out models/val_groups_study.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from deepfake_live.training import cache, metrics
from deepfake_live.training.channels import CONDITIONS as _CONDITIONS
from deepfake_live.training.data import Clip, group_of

CONDITIONS = list(_CONDITIONS)


def validation_clips(seed: int = 0) -> list[Clip]:
    """The validation split exactly as the training command plans it (fakes capped per system)."""
    from deepfake_live.training.train import default_splits

    return default_splits(seed)["val"]


def clip_logits(model_path: Path, clips: list[Clip], conditions: list[str]) -> np.ndarray:
    """Uncalibrated clip logits (the app's mean window logit over speech), shape (conditions, clips)."""
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training.evaluate import clip_probabilities, condition_data, probability_logit, raw_scorer

    runner = ModelRunner(model_path)
    meta = runner.meta
    out = []
    for cond in conditions:
        data = condition_data(clips, cond, meta.features)
        p = clip_probabilities([f for f, _ in data], meta.features, meta.window_frames, meta.hop_frames, raw_scorer(runner),
                               voiced=[m for _, m in data])
        out.append(probability_logit(p))
    return np.stack(out)


def model_parts(model: Path) -> list[Path]:
    """``a.tflite+b.tflite``: the mean-logit ensemble of those files (as one exported ensemble scores)."""
    return [Path(p) for p in str(model).split("+")]


def paired_eer(cand: np.ndarray, ref: np.ndarray, labels: np.ndarray, units: np.ndarray, n_boot: int = 1000,
               seed: int = 0) -> dict:
    """Both models' EER on the same clips, with 95% intervals and the paired difference's interval.

    Two measures: ``pooled`` (all conditions' scores under one threshold) and ``condition_mean`` (the mean of
    each condition's own EER: the app sets a threshold per recognised channel, and the issue's targets are
    per condition). ``cand``/``ref``: (conditions, clips); ``units``: each clip's bootstrap unit (speaker or
    system), kept across conditions so one voice or one generator counts once however many conditions it is in.
    """
    labels = np.asarray(labels)
    members = [np.flatnonzero(units == u) for u in np.unique(units)]

    def measures(idx: np.ndarray) -> np.ndarray:
        y = labels[idx]
        out = []
        for m in (cand, ref):
            s = m[:, idx]
            pooled = metrics.eer(s[:, y == 0].reshape(-1), s[:, y == 1].reshape(-1))
            out += [pooled, float(np.mean([metrics.eer(row[y == 0], row[y == 1]) for row in s]))]
        return np.array(out)  # cand pooled, cand condition mean, ref pooled, ref condition mean

    point = measures(np.arange(labels.size))
    rng = np.random.default_rng(seed)
    boot = np.array([measures(np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))]))
                     for _ in range(n_boot)])
    q = [0.025, 0.975]
    out = {}
    for k, name in enumerate(("pooled", "condition_mean")):
        c, r = boot[:, k], boot[:, k + 2]
        out[name] = {"candidate_eer": float(point[k]), "reference_eer": float(point[k + 2]), "difference": float(point[k] - point[k + 2]),
                     "candidate_ci95": np.quantile(c, q).tolist(), "reference_ci95": np.quantile(r, q).tolist(),
                     "difference_ci95": np.quantile(c - r, q).tolist(), "share_of_resamples_candidate_better": float(np.mean(c < r))}
    return out


def study(reference: Path, folds: list[tuple[Path, set[str]]], seed: int = 0) -> dict:
    from deepfake_live.model.metadata import load_metadata
    from deepfake_live.training.evaluate import bootstrap_units
    from deepfake_live.training.train import unknown_val_groups

    features = load_metadata(reference).features
    val = [c for c in validation_clips(seed) if cache.available(c, CONDITIONS, features)]
    result: dict = {"protocol": __doc__.strip().split("\n\n")[0:2], "conditions": CONDITIONS, "reference": str(reference), "folds": []}
    scored: dict[Path, np.ndarray] = {}

    def logits(part: Path) -> np.ndarray:  # each model file (the reference too) scored once on every validation clip
        if part not in scored:
            scored[part] = clip_logits(part, val, CONDITIONS)
        return scored[part]

    ref_all = logits(reference)  # every fold compares on a subset of these clips

    oof_z, oof_y = [], []
    for model_path, trained_groups in folds:
        unknown = unknown_val_groups(val, trained_groups)
        if unknown:
            raise SystemExit(f"val_groups_study: not validation generator groups: {', '.join(sorted(unknown))}")
        keep = np.array([c.label == 0 or group_of(c.system) not in trained_groups for c in val])
        clips = [c for c, k in zip(val, keep, strict=True) if k]
        labels = np.array([c.label for c in clips])
        cand = np.mean([logits(part) for part in model_parts(model_path)], axis=0)[:, keep]
        ref = ref_all[:, keep]
        fold = {"model": str(model_path), "trained_on_val_groups": sorted(trained_groups),
                "scored_groups": sorted({group_of(c.system) for c in clips if c.label}),
                "real_clips": int((labels == 0).sum()), "fake_clips": int(labels.sum()),
                **paired_eer(cand, ref, labels, bootstrap_units(clips), seed=seed)}
        # the median genuine logit per condition: offsets between channels hurt one shared threshold, not each condition's own
        fold["by_condition"] = {cond: {"candidate_eer": metrics.eer(cand[k][labels == 0], cand[k][labels == 1]),
                                       "reference_eer": metrics.eer(ref[k][labels == 0], ref[k][labels == 1]),
                                       "candidate_genuine_median_logit": float(np.median(cand[k][labels == 0])),
                                       "reference_genuine_median_logit": float(np.median(ref[k][labels == 0]))}
                                for k, cond in enumerate(CONDITIONS)}
        result["folds"].append(fold)
        oof_z.append(cand.reshape(-1))
        oof_y.append(np.tile(labels, len(CONDITIONS)))
    if any(not groups for _, groups in folds):  # whole-split comparisons: no halves to average, nothing out of fold
        return result
    result["mean_over_folds"] = {m: {k: float(np.mean([f[m][k] for f in result["folds"]])) for k in ("candidate_eer", "reference_eer")}
                                 for m in ("pooled", "condition_mean")}
    a, b = metrics.fit_platt(np.concatenate(oof_z), np.concatenate(oof_y))
    result["crossfit_calibration"] = {"a": a, "b": b, "method": "Platt on out-of-fold clip logits of the fold models, "
                                      "five conditions pooled"}
    return result


def _fold(text: str) -> tuple[Path, set[str]]:
    """``MODEL=G1,G2``: trained on those validation groups' fakes; a bare ``MODEL``: on none (scored on all of them)."""
    path, _, groups = text.partition("=")
    if not path:
        raise argparse.ArgumentTypeError(f"expected MODEL or MODEL=GROUP1,GROUP2: {text}")
    return Path(path), {g.strip() for g in groups.split(",") if g.strip()}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=Path("models/deepfake_live.tflite"))
    ap.add_argument("--fold", type=_fold, action="append", required=True, metavar="MODEL[=G1,G2]",
                    help="a model trained with these validation groups' fakes (train --train-on-val-groups); a bare MODEL "
                         "trained on none and is compared on the whole validation split; A.tflite+B.tflite: their mean logit")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("models/val_groups_study.json"))
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for path in [args.reference] + [part for p, _ in args.fold for part in model_parts(p)]:
        if not path.is_file():
            raise SystemExit(f"val_groups_study: model not found: {path}")
    result = study(args.reference, args.fold, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for f in result["folds"]:
        trained = ",".join(f["trained_on_val_groups"]) or "no validation group"
        print(f"{f['model']} trained +{trained}: scored on {f['fake_clips']} fakes of {len(f['scored_groups'])} groups")
        for m in ("pooled", "condition_mean"):
            r = f[m]
            lo, hi = (100 * v for v in r["difference_ci95"])
            print(f"  {m}: EER {100 * r['candidate_eer']:.1f}% vs reference {100 * r['reference_eer']:.1f}% "
                  f"(difference {100 * r['difference']:+.1f}, 95% CI {lo:+.1f} to {hi:+.1f})")
    if "crossfit_calibration" in result:
        for m, r in result["mean_over_folds"].items():
            print(f"mean over folds, {m}: {100 * r['candidate_eer']:.1f}% vs {100 * r['reference_eer']:.1f}%")
        cal = result["crossfit_calibration"]
        print(f"cross-fitted calibration a={cal['a']:.3f} b={cal['b']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
