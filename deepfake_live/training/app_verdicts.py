"""What the app says on held-out clips: every channel copy thresholded the way ``analyze`` thresholds it.

The card's per-condition figures use each condition's own threshold, as if the app always knew the channel.
The app estimates the channel from the audio (``ChannelWatch``, the same object ``analyze`` and the live
engine use; here through ``channel_watch.assess_audio``) and, where conditions cannot be told apart (clean
and Opus 12k), takes the stricter threshold, unless the Opus check (``codec_check``, shipped beside the
model) reads the audio as clean; ``--no-opus-check`` gives the rates without it. Where the app routes a channel to a
specialist found beside the model (the telephone-band model), those copies take the specialist's score and threshold,
as ``analyze`` gives them; ``--no-specialist`` gives the main model's verdicts everywhere.
This scores each clip's copy in each evaluation condition (the cached copy, so the same audio as the card)
and counts verdicts at the threshold the app's own estimate of that copy picks: the rates a user gets.

    python -m deepfake_live.training.app_verdicts --model models/deepfake_live.tflite --out models/app_verdicts.json

``--stress`` also scores the stress channels, which are not among the card's five conditions (a noisy room heard through
an Opus call); the shipped figures include them.
``--records`` keeps each copy's score and channel estimate, so a change of the channel policy can be replayed on
them without scoring again; ``--exclude-groups`` leaves out the fakes of generator groups a candidate trained on.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np

from deepfake_live.training import cache, metrics
from deepfake_live.training.channels import CONDITIONS, STRESS_CONDITIONS

SHIPPED_MODEL = Path(__file__).resolve().parents[2] / "models" / "deepfake_live.tflite"
SHIPPED_OUT = SHIPPED_MODEL.parent / "app_verdicts.json"


def _shown(path: Path) -> str:
    """A path inside the checkout as the README writes it (models/...), so the shipped JSON names no machine path."""
    try:
        return str(path.resolve().relative_to(SHIPPED_MODEL.parents[1]))
    except ValueError:
        return str(path)


def rates(p: np.ndarray, thr: np.ndarray, labels: np.ndarray, units: np.ndarray | None = None) -> dict:
    """Shares of genuine and fake clips at or above their own thresholds; with ``units`` (each clip's speaker or
    generator, ``evaluate.bootstrap_units``) also their 95% intervals, whole speakers and generators resampled."""
    hit = p >= thr
    out: dict = {}
    for key, lab in (("genuine_flagged", 0), ("fakes_flagged", 1)):
        sel = labels == lab
        out[key] = float(hit[sel].mean()) if sel.any() else None  # a genuine-only manifest has no fakes to count
        if units is not None:
            out[f"{key}_ci95"] = list(metrics.share_ci(hit[sel], units[sel])) if sel.any() else None
    return out


def app_verdicts(model_path: Path, split: str = "test", seed: int = 0, opus_check: bool | Path = True,
                 exclude_groups: frozenset[str] = frozenset(), records: list[dict] | None = None,
                 specialists: bool = True, stress: bool = False, manifests: list[Path] | None = None) -> dict:
    """Rates per condition at each condition's own threshold and as the app decides; ``records`` (if given)
    receives one dict per scored copy: clip, label, condition, calibrated score, threshold used, channel estimate,
    and which model scored it. ``stress`` adds ``channels.STRESS_CONDITIONS`` (cached first where missing): channels
    without a calibrated threshold of their own, so only the app's decision is reported for them. ``manifests``: score
    every clip of these manifests instead of a split (e.g. genuine speech of kinds no split holds; cached first)."""
    from deepfake_live.audio.files import read_audio
    from deepfake_live.channel_policy import ConditionPolicy
    from deepfake_live.channel_watch import assess_audio
    from deepfake_live.codec_check import OpusCheck
    from deepfake_live.detector import DetectorConfig
    from deepfake_live.model.metadata import load_metadata
    from deepfake_live.pipeline import load_routes
    from deepfake_live.training.data import group_of, read_manifests
    from deepfake_live.training.evaluate import bootstrap_units
    from deepfake_live.training.train import default_splits, log, unknown_val_groups
    from deepfake_live.training.val_groups_study import clip_logits

    meta = load_metadata(model_path)
    cfg = meta.features
    routes = load_routes(model_path, meta) if specialists else {}
    policy = ConditionPolicy.from_model(meta, DetectorConfig(), routes=routes)  # live thresholds play no part here
    own = policy.clip_thresholds
    check = OpusCheck.load(cfg, opus_check if isinstance(opus_check, Path) else None) if opus_check else None
    planned = read_manifests(manifests, log) if manifests else default_splits(seed)[split]
    if manifests:
        cache.build(planned, list(CONDITIONS), cfg)
    unknown = unknown_val_groups(planned, set(exclude_groups))  # a typo would otherwise exclude nothing
    if unknown:
        raise SystemExit(f"app_verdicts: no fakes of these groups in the {split} split: {', '.join(sorted(unknown))}")
    clips = [c for c in planned
             if cache.available(c, CONDITIONS, cfg) and not (c.label and group_of(c.system) in exclude_groups)]
    conditions = list(CONDITIONS)
    if stress:
        conditions += list(STRESS_CONDITIONS)
        cache.build(clips, list(STRESS_CONDITIONS), cfg)
    labels = np.array([c.label for c in clips])
    units = bootstrap_units(clips)
    z = clip_logits(model_path, clips, conditions)
    p = np.vectorize(meta.calibration.apply)(z)
    routed_p = {r: np.vectorize(load_metadata(r.path).calibration.apply)(clip_logits(r.path, clips, conditions))
                for r in routes.values()}  # every copy scored; only those the app routes are read
    app_p = p.copy()  # the score each copy's verdict rests on
    used = np.zeros_like(p)
    picked: list[Counter] = [Counter() for _ in conditions]
    for j, c in enumerate(clips):
        try:
            x = read_audio(c.path, cfg.sample_rate)[: int(cache.MAX_EVAL_SECONDS * cfg.sample_rate)]
        except Exception as exc:  # the cache read it once; a file gone since is named, not a traceback
            raise SystemExit(f"app_verdicts: cannot read {c.path}: {exc}") from None
        for k, cond in enumerate(conditions):
            y, _ = cache.variant_audio(x, c.path, cond)
            assessment = assess_audio(y, cfg, policy, opus_check=check)
            used[k, j] = assessment.clip_threshold
            if assessment.route is not None:
                app_p[k, j] = routed_p[assessment.route][k, j]
            picked[k][assessment.threshold_condition] += 1
            if records is not None:
                records.append({"path": str(c.path), "system": c.system, "unit": str(units[j]), "label": int(c.label),
                                "condition": cond,
                                "score": float(app_p[k, j]), "threshold": float(assessment.clip_threshold),
                                "threshold_condition": assessment.threshold_condition,
                                "scored_by": assessment.to_dict()["scored_by"],
                                "estimate": asdict(assessment.estimate)})
        if (j + 1) % 100 == 0:
            log(f"app_verdicts: {j + 1}/{len(clips)} clips")
    out: dict = {"protocol": __doc__.strip().split("\n\n")[0:2], "model": _shown(model_path),
                 "split": [_shown(m) for m in manifests] if manifests else split,
                 "excluded_fake_groups": sorted(exclude_groups),
                 "opus_check": check.runner.path.name if check is not None else None,
                 "specialists": {c: r.to_dict() for c, r in routes.items()},
                 "real_clips": int((labels == 0).sum()), "fake_clips": int(labels.sum()), "conditions": {}}
    for k, cond in enumerate(conditions):
        out["conditions"][cond] = {
            "own_threshold": own.get(cond),
            "at_own_threshold": rates(p[k], np.full(len(clips), own[cond]), labels, units) if cond in own else None,
            "as_the_app_decides": rates(app_p[k], used[k], labels, units), "threshold_condition_used": dict(picked[k].most_common())}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=SHIPPED_MODEL)
    ap.add_argument("--split", choices=["val", "test"], default="test")
    ap.add_argument("--out", type=Path, help=f"default models/{SHIPPED_OUT.name}, for the shipped model only")
    ap.add_argument("--no-opus-check", action="store_true",
                    help="judge clean-or-Opus audio at the Opus threshold (the app before the check)")
    ap.add_argument("--opus-check", type=Path, help="another Opus check file than the one shipped beside the model")
    ap.add_argument("--exclude-groups", default="", metavar="G1,G2",
                    help="leave out the fakes of these generator groups (ones the model trained on)")
    ap.add_argument("--no-specialist", action="store_true",
                    help="score every copy with the main model, even where the app routes it to a specialist beside it")
    ap.add_argument("--stress", action="store_true",
                    help=f"also score the stress channels {', '.join(STRESS_CONDITIONS)} (no threshold of their own)")
    ap.add_argument("--records", type=Path, help="also write each scored copy (score, threshold, channel estimate) here")
    ap.add_argument("--manifest", type=Path, action="append",
                    help="score the clips of this manifest instead of --split (e.g. a genuine set that no split holds)")
    args = ap.parse_args(argv)
    if not args.model.is_file():
        raise SystemExit(f"app_verdicts: model not found: {args.model}")
    if args.out is None:  # a candidate's figures must not overwrite the shipped app's
        if args.model.resolve() != SHIPPED_MODEL.resolve():
            raise SystemExit(f"app_verdicts: give --out for {args.model} ({SHIPPED_OUT} holds the shipped model's figures)")
        args.out = SHIPPED_OUT
    records: list[dict] | None = [] if args.records else None
    if args.opus_check and not args.opus_check.is_file():
        raise SystemExit(f"app_verdicts: Opus check not found: {args.opus_check}")
    result = app_verdicts(args.model, args.split, opus_check=False if args.no_opus_check else (args.opus_check or True),
                          exclude_groups=frozenset(g.strip() for g in args.exclude_groups.split(",") if g.strip()),
                          records=records, specialists=not args.no_specialist, stress=args.stress, manifests=args.manifest)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.records:
        args.records.parent.mkdir(parents=True, exist_ok=True)
        args.records.write_text(json.dumps(records) + "\n", encoding="utf-8")
    scored = ", ".join(result["split"]) if isinstance(result["split"], list) else result["split"]
    print(f"{scored}: {result['real_clips']} genuine, {result['fake_clips']} fake clips")
    def pct(v: float | None) -> str:
        return "-" if v is None else f"{100 * v:.1f}%"

    def ci(r: dict, key: str) -> str:
        return "" if r[f"{key}_ci95"] is None else " (" + "-".join(f"{100 * v:.1f}" for v in r[f"{key}_ci95"]) + ")"

    for cond, r in result["conditions"].items():
        a, b = r["at_own_threshold"], r["as_the_app_decides"]
        own_text = "no own threshold" if a is None else \
            f"own threshold: fakes {pct(a['fakes_flagged'])} genuine {pct(a['genuine_flagged'])}"
        print(f"{cond:20s} {own_text} | "
              f"as the app decides: fakes {pct(b['fakes_flagged'])}{ci(b, 'fakes_flagged')} "
              f"genuine {pct(b['genuine_flagged'])}{ci(b, 'genuine_flagged')} "
              f"(thresholds used: {r['threshold_condition_used']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
