"""Two app configurations on the same copies: flagged shares and their paired differences, with intervals.

Takes two ``app_verdicts --records`` files of one split (another model, another Opus check, ...), pairs the copies
(clip and condition), and prints per condition the shares of fakes and of genuine clips flagged under each, and the
difference B - A with a 95% interval from resampling whole generators (fakes) and speakers (genuine) together for
both configurations; then the same over all conditions pooled (the mean of the condition shares). Paired, so it
is much tighter than the two marginal intervals: this is the figure a rule such as "fakes flagged +2 points" should be read against.

Then, thresholds aside, each configuration's separation: the share of fakes scoring above the point 1.5% quantile of the
same genuine copies. The shipped threshold rule (a 95% upper bound of that quantile) lands on the second or third highest
of some 250 validation genuine clips, so the flagged shares above are decided by where two or three clips fall; this
line shows whether the scores themselves separate better (in-sample for both configurations alike).

``--rule-spread N`` adds how much of a flagged share is the threshold's own sampling error: the shipped rule is rerun on
N resamples of the genuine speakers (same size), each condition at its own threshold, and the 5-95% range of the fakes
flagged is printed per configuration. The paired intervals above hold thresholds fixed, so they leave this out.

    python -m deepfake_live.training.app_compare A_records.json B_records.json [--out compare.json] [--rule-spread 60]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from deepfake_live.training import metrics
from deepfake_live.training.channels import CONDITIONS
from deepfake_live.training.train import TARGET_FPR, THRESHOLD_CONFIDENCE  # the shipped threshold rule's two settings


def load_records(path: Path, tool: str = "app_compare") -> dict[tuple[str, str], dict]:
    """One records file keyed by (clip, condition); a file that is not one is a one-line error."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{tool}: cannot read {path}: {exc}") from None
    if not isinstance(records, list) or not records or not all("unit" in r and "score" in r for r in records):
        raise SystemExit(f"{tool}: {path}: not an app_verdicts --records file (with units)")
    return {(r["path"], r["condition"]): r for r in records}


MEAN = "mean of conditions"  # every copy of the card's conditions pooled: with the same clips in each, the mean of their shares


def compare(a: dict[tuple[str, str], dict], b: dict[tuple[str, str], dict]) -> dict:
    """Per condition and class, and over the card's conditions (``MEAN``; stress channels such as the noisy call are
    reported on their own, not averaged in): shares flagged under A and B, and B - A with its paired 95% interval (a
    clip's copies in every condition resampled together with its generator or speaker)."""
    keys = sorted(set(a) & set(b))
    if not keys:
        raise SystemExit("app_compare: the two files share no copy (different splits?)")
    out: dict = {"paired_copies": len(keys), "only_in_a": len(set(a) - set(b)), "only_in_b": len(set(b) - set(a)), "conditions": {}}
    conditions = sorted({k[1] for k in keys})
    for cond in [*conditions, MEAN]:
        by = {}
        for name, label in (("fakes", 1), ("genuine", 0)):
            ks = [k for k in keys if (k[1] == cond or (cond == MEAN and k[1] in CONDITIONS)) and a[k]["label"] == label]
            if not ks:
                continue
            hit_a = np.array([a[k]["score"] >= a[k]["threshold"] for k in ks], dtype=np.float64)
            hit_b = np.array([b[k]["score"] >= b[k]["threshold"] for k in ks], dtype=np.float64)
            units = np.array([a[k]["unit"] for k in ks])
            by[name] = {"n": len(ks), "a": float(hit_a.mean()), "b": float(hit_b.mean()),
                        "difference": float(hit_b.mean() - hit_a.mean()),
                        "difference_ci95": list(metrics.share_ci(hit_b - hit_a, units))}
        out["conditions"][cond] = by
    seps = {cond: {n: separation([r[k] for k in keys if k[1] == cond]) for n, r in (("a", a), ("b", b))} for cond in conditions}
    seps = {cond: v for cond, v in seps.items() if None not in v.values()}
    card = [v for cond, v in seps.items() if cond in CONDITIONS]
    if card:
        seps[MEAN] = {n: float(np.mean([v[n] for v in card])) for n in ("a", "b")}
    out["separation"] = {"genuine_fpr": TARGET_FPR,
                         "by_condition": {cond: {**v, "difference": v["b"] - v["a"]} for cond, v in seps.items()}}
    return out


def separation(records: list[dict], fpr: float = TARGET_FPR) -> float | None:
    """Share of the fake copies scoring above the point ``1 - fpr`` quantile of the genuine copies' scores (None without
    both classes): how well the scores separate at the operating point, whatever threshold the rule then picks."""
    genuine = np.array([r["score"] for r in records if r["label"] == 0], dtype=np.float64)
    fakes = np.array([r["score"] for r in records if r["label"] == 1], dtype=np.float64)
    if not len(genuine) or not len(fakes):
        return None
    return float(np.mean(fakes > np.quantile(genuine, 1.0 - fpr)))


def rule_spread(records: list[dict], draws: int, seed: int = 0) -> tuple[float, float] | None:
    """5-95% range of the share of fake copies flagged when the shipped threshold rule (``train.calibrate``: a 95% upper
    bound of the 1.5% genuine quantile, speakers bootstrapped) is rerun on ``draws`` resamples of the genuine speakers
    (None without both classes)."""
    genuine = [r for r in records if r["label"] == 0]
    fakes = np.array([r["score"] for r in records if r["label"] == 1], dtype=np.float64)
    if not genuine or not len(fakes):
        return None
    thresholds = metrics.upper_quantile_redrawn([r["score"] for r in genuine], [r["unit"] for r in genuine],
                                                1.0 - TARGET_FPR, THRESHOLD_CONFIDENCE, draws, seed=seed)
    lo, hi = np.percentile([np.mean(fakes >= t) for t in thresholds], [5, 95])
    return float(lo), float(hi)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path, help="records of configuration A (the reference)")
    ap.add_argument("b", type=Path, help="records of configuration B (the candidate)")
    ap.add_argument("--out", type=Path, help="also write the comparison as JSON")
    ap.add_argument("--rule-spread", type=int, default=0, metavar="N",
                    help="rerun the threshold rule on N resamples of the genuine speakers: the flagged shares' own spread")
    args = ap.parse_args(argv)
    records = load_records(args.a), load_records(args.b)
    result = compare(*records)
    if args.rule_spread > 0:
        result["rule_spread"] = {
            cond: {name: rule_spread([r for k, r in recs.items() if k[1] == cond], args.rule_spread)
                   for name, recs in zip(("a", "b"), records, strict=True)}
            for cond in sorted({k[1] for k in records[0]})}
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{result['paired_copies']} paired copies ({result['only_in_a']} only in A, {result['only_in_b']} only in B)")
    for cond, by in result["conditions"].items():
        parts = []
        for name, r in by.items():
            lo, hi = (100 * v for v in r["difference_ci95"])
            parts.append(f"{name} {100 * r['a']:.1f}% -> {100 * r['b']:.1f}% ({100 * r['difference']:+.1f}, 95% CI {lo:+.1f} to {hi:+.1f})")
        print(f"{cond:20s} " + " | ".join(parts))
    sep = result["separation"]
    print(f"separation, thresholds aside: fakes above the point {100 * sep['genuine_fpr']:.1f}% genuine quantile")
    for cond, v in sep["by_condition"].items():
        print(f"{cond:20s} fakes {100 * v['a']:.1f}% -> {100 * v['b']:.1f}% ({100 * v['difference']:+.1f})")
    if "rule_spread" in result:
        print(f"threshold rule rerun on {args.rule_spread} resamples of the genuine speakers (own-condition thresholds): "
              "fakes flagged, 5-95%")
        for cond, v in result["rule_spread"].items():
            parts = [f"{name.upper()} {100 * r[0]:.1f}-{100 * r[1]:.1f}%" for name, r in v.items() if r is not None]
            print(f"{cond:20s} " + " | ".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
