"""Evaluate a shipped model (LiteRT, no tensorflow) on a manifest under channel conditions.

Clip score = the app's own aggregation (``analysis.clip_score``: sigmoid of the mean
window logit over speech windows), so the figures describe the verdicts people see.
Reports EER overall and per generator (each generator's fakes vs all real clips),
FPR per real corpus and miss rate at the shipped threshold, min DCF and ECE.

    python -m deepfake_live.training.evaluate MANIFEST [--model models/deepfake_live.tflite]
        [--conditions clean,telephone_8k_mulaw,...] [--out report.json] [--baseline other.tflite]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from deepfake_live.analysis import WindowScores, clip_score, score_features, verdict_for
from deepfake_live.detector import DetectorConfig
from deepfake_live.dsp.features import FeatureConfig
from deepfake_live.errors import DeepfakeLiveError
from deepfake_live.model.runner import ModelRunner
from deepfake_live.training import cache, metrics
from deepfake_live.training.channels import CONDITIONS
from deepfake_live.training.data import Clip, read_manifest

DEFAULT_CONDITIONS = list(CONDITIONS)


def raw_scorer(runner: ModelRunner):
    """Window scorer giving UNcalibrated probabilities (for fitting the calibration)."""
    def score(windows: np.ndarray) -> np.ndarray:
        z = runner.to_logits(runner.raw_scores(windows))
        return 1.0 / (1.0 + np.exp(-z))
    return score


def clip_probability(features: np.ndarray, feature_cfg: FeatureConfig, window_frames: int, hop_frames: int, scorer, *,
                     voiced: np.ndarray) -> float:
    """Clip-level P(fake) as the app computes it; clips with no speech window are scored on all windows.

    ``voiced``: the clip's speech mask (cache or ``speech_activity.frame_speech_mask``).
    """
    return float(clip_probabilities([features], feature_cfg, window_frames, hop_frames, scorer, voiced=[voiced])[0])


def scored_windows(features: np.ndarray, feature_cfg: FeatureConfig, cfg: DetectorConfig, scorer, voiced: np.ndarray) -> WindowScores:
    """The windows a clip score pools: its speech windows, or all of them when none holds speech."""
    ws = score_features(features, feature_cfg, cfg, scorer, voiced)
    return ws if ws.speech.any() else score_features(features, feature_cfg, cfg, scorer, voiced, min_voiced_fraction=0.0)


def clip_probabilities(features: list[np.ndarray], feature_cfg: FeatureConfig, window_frames: int, hop_frames: int, scorer, *,
                       voiced: list[np.ndarray], max_windows: int = 8192) -> np.ndarray:
    """``clip_probability`` for many clips, with the windows of several clips scored in one call.

    Batching matters for Keras, whose per-call overhead made clip-by-clip scoring the slowest part
    of cross-validation.
    """
    cfg = DetectorConfig(window_frames=window_frames, hop_frames=hop_frames)
    out = np.full(len(features), 0.5)
    pending: list[tuple[int, WindowScores, np.ndarray]] = []
    got: list[np.ndarray] = []

    def record(windows: np.ndarray) -> np.ndarray:  # collects the windows score_features picks, scores them later
        got.append(windows)
        return np.zeros(len(windows))

    def flush() -> None:
        if not pending:
            return
        probs = np.asarray(scorer(np.concatenate([w for _, _, w in pending])), dtype=np.float64).reshape(-1)
        k = 0
        for i, ws, w in pending:
            ws.probs[ws.speech] = probs[k : k + len(w)]
            k += len(w)
            s = clip_score(ws.probs, ws.speech)
            out[i] = 0.5 if s is None else float(s)
        pending.clear()

    for i, f in enumerate(features):
        got.clear()
        ws = scored_windows(f, feature_cfg, cfg, record, voiced[i])
        if got:
            pending.append((i, ws, got[-1]))
        if sum(len(w) for *_, w in pending) >= max_windows:
            flush()
    flush()
    return out


def bootstrap_units(clips: list[Clip]) -> np.ndarray:
    """Resampling unit of each clip for EER intervals: real clips by speaker, fakes by generator
    (clips of one voice or one system are not independent evidence)."""
    return np.array([c.group if c.label == 0 else f"sys:{c.system}" for c in clips])


def condition_features(clips: list[Clip], condition: str, feature_cfg: FeatureConfig, cache_dir: Path = cache.DEFAULT_CACHE,
                       workers: int = 2) -> list[np.ndarray]:
    return [f for f, _ in condition_data(clips, condition, feature_cfg, cache_dir, workers)]


def condition_data(clips: list[Clip], condition: str, feature_cfg: FeatureConfig, cache_dir: Path = cache.DEFAULT_CACHE,
                   workers: int = 2) -> list[tuple[np.ndarray, np.ndarray]]:
    """(features, speech mask) of each clip under one channel condition, from the cache (built if missing)."""
    cache.build(clips, [condition], feature_cfg, cache_dir, workers)
    out = []
    for c in clips:
        f, m = cache.load(c, condition, feature_cfg, cache_dir)
        out.append((f.astype(np.float32), m))
    return out


def probability_logit(p: np.ndarray) -> np.ndarray:
    """Log-odds of clip probabilities, clipped so 0 and 1 stay finite."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def verdict_shares(probs: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    """Share of real and of fake clips in each verdict the app shows at ``threshold`` (analysis.verdict_for)."""
    release = threshold - DetectorConfig().release_margin
    words = np.array([verdict_for(float(p), threshold, release) for p in probs])
    return {name: {w: float(np.mean(words[labels == lab] == w)) if np.any(labels == lab) else float("nan")
                   for w in ("likely genuine", "uncertain", "likely synthetic")} for lab, name in ((0, "real"), (1, "fake"))}


def score_report(clips: list[Clip], probs: np.ndarray, threshold: float, groups: dict[str, np.ndarray] | None = None) -> dict:
    """All figures for one (model, condition): clip probabilities -> metrics dict (EERs with 95% bootstrap intervals)."""
    labels = np.array([c.label for c in clips])
    z = probability_logit(probs)
    real = z[labels == 0]
    fake = z[labels == 1]
    zt = float(probability_logit(np.array([threshold]))[0])
    fpr, miss = metrics.rates_at(real, fake, zt)
    units = bootstrap_units(clips)
    out: dict = {
        "n_real": int(real.size), "n_fake": int(fake.size),
        "eer": metrics.eer(real, fake), "eer_ci95": metrics.eer_ci(real, fake, units[labels == 0], units[labels == 1]),
        "min_dcf": metrics.min_dcf(real, fake),
        "ece": metrics.ece(probs, labels), "fpr_at_threshold": fpr, "miss_at_threshold": miss,
        "detection_at_fpr": {f"{f:.0%}": metrics.detection_at_fpr(real, fake, f) for f in (0.01, 0.02, 0.05)},
        "verdict_shares": verdict_shares(probs, labels, threshold),
    }
    per_gen: dict[str, dict] = {}
    by_sys: dict[str, list[int]] = defaultdict(list)
    by_fam: dict[str, list[int]] = defaultdict(list)
    by_corp: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(clips):
        if c.label:
            by_sys[c.system].append(i)
            by_fam[c.family].append(i)
        else:
            by_corp[c.corpus].append(i)
    for s, idx in sorted(by_sys.items()):
        per_gen[s] = {"n": len(idx), "eer": metrics.eer(real, z[idx]), "miss_at_threshold": float(np.mean(z[idx] < zt))}
    out["per_generator"] = per_gen
    out["per_family"] = {f: {"n": len(idx), "eer": metrics.eer(real, z[idx])} for f, idx in sorted(by_fam.items())}
    out["per_real_corpus"] = {k: {"n": len(idx), "fpr_at_threshold": float(np.mean(z[idx] >= zt))} for k, idx in sorted(by_corp.items())}
    for name, mask in (groups or {}).items():
        m = np.asarray(mask, dtype=bool)
        r, f = z[m & (labels == 0)], z[m & (labels == 1)]
        out[f"eer_{name}"] = metrics.eer(r, f)
        out[f"eer_ci95_{name}"] = metrics.eer_ci(r, f, units[m & (labels == 0)], units[m & (labels == 1)])
        out[f"miss_{name}"] = float(np.mean(f < zt)) if f.size else float("nan")
    return out


def evaluate_clips(clips: list[Clip], runners: dict[str, ModelRunner], conditions: list[str], groups: dict[str, np.ndarray] | None = None,
                   cache_dir: Path = cache.DEFAULT_CACHE, workers: int = 2) -> tuple[dict, dict]:
    """Figures per condition per model, and the clip probabilities themselves."""
    first = next(iter(runners.values()))
    fcfg = first.meta.features
    report: dict = {}
    scores: dict = {}
    for cond in conditions:
        data = condition_data(clips, cond, fcfg, cache_dir, workers)
        feats, masks = [f for f, _ in data], [m for _, m in data]
        report[cond] = {}
        for name, r in runners.items():
            if r.meta.features != fcfg:
                raise ValueError(f"model {name} uses another feature config")
            probs = clip_probabilities(feats, fcfg, r.meta.window_frames, r.meta.hop_frames, r.probabilities, voiced=masks)
            scores[(cond, name)] = probs
            report[cond][name] = score_report(clips, probs, r.meta.threshold, groups)
        print(f"evaluate: {cond}: " + ", ".join(f"{n} EER {report[cond][n]['eer']:.3f}" for n in runners), flush=True)
    return report, scores


def _clean(o):
    """JSON-safe: NaN -> None, numpy scalars -> Python."""
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return None if not np.isfinite(o) else round(float(o), 5)
    if isinstance(o, np.integer):
        return int(o)
    return o


def run_evaluation(manifest_path: str | Path, model_path: str | Path | None = None, conditions: list[str] | None = None,
                   out_json: str | Path | None = None, baseline_path: str | Path | None = None,
                   cache_dir: Path = cache.DEFAULT_CACHE, workers: int = 2) -> dict:
    """Evaluate every clip of a manifest (label real/fake) under each condition; optionally write JSON."""
    clips = [c for c in read_manifest(manifest_path) if Path(c.path).is_file()]
    if not clips:
        raise DeepfakeLiveError(f"{manifest_path}: no listed clip exists (paths are relative to the manifest)")
    runners = {"model": ModelRunner(Path(model_path) if model_path else None)}
    if baseline_path:
        runners["baseline"] = ModelRunner(Path(baseline_path))
    conds = conditions or DEFAULT_CONDITIONS
    report, _ = evaluate_clips(clips, runners, conds, cache_dir=cache_dir, workers=workers)
    result = _clean({
        "manifest": str(manifest_path), "models": {k: str(r.path) for k, r in runners.items()},
        "thresholds": {k: r.meta.threshold for k, r in runners.items()}, "conditions": report,
    })
    if out_json:
        Path(out_json).parent.mkdir(parents=True, exist_ok=True)
        Path(out_json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="deepfake-live evaluate", description="Evaluate a model on a labelled manifest.")
    ap.add_argument("manifest")
    ap.add_argument("--model", default=None, help="model .tflite (default: the shipped one)")
    ap.add_argument("--baseline", default=None, help="a second model to report beside it")
    ap.add_argument("--conditions", default=",".join(DEFAULT_CONDITIONS))
    ap.add_argument("--out", default=None, help="write the JSON report here")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    conds = [c.strip() for c in args.conditions.split(",") if c.strip()]
    res = run_evaluation(args.manifest, args.model, conds, args.out, args.baseline, workers=args.workers)
    from deepfake_live.training.evaluate_text import report_text

    print(report_text(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
