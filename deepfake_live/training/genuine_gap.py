"""Does genuine speech of other kinds separate from fakes as well as validation's genuine speech does?

Pairs one set of fakes (validation's, from ``app_verdicts --split val --records``) with each genuine set in turn
(validation's own genuine clips, and any ``app_verdicts --manifest M --records`` run) and reports the EER, pooled over
the five evaluation conditions and per condition, with a 95% interval over genuine speakers (or clips) and fake systems.
If a genuine set scored higher as a whole (another language, another kind of recording), its EER would rise; if only a
few of its clips score high, the EER stays and the false alarms are a tail, which thresholds, not separation, decide.

    python -m deepfake_live.training.genuine_gap --records VAL_REC.json --genuine "list A=A_REC.json" --out gap.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from deepfake_live.training import metrics
from deepfake_live.training.channels import CONDITIONS

FIVE = list(CONDITIONS)


def separation(genuine: list[dict], fakes: list[dict], n_boot: int = 300) -> dict:
    """EER of ``fakes`` against ``genuine`` (app_verdicts records): pooled over the five conditions with its interval,
    each condition's own, and their mean. A genuine record's bootstrap unit is its ``unit`` (speaker) when the records
    come from a split, else its clip; a fake's is its system."""
    per = {}
    for cond in FIVE:
        g = np.array([r["score"] for r in genuine if r["condition"] == cond])
        f = np.array([r["score"] for r in fakes if r["condition"] == cond])
        if g.size and f.size:
            per[cond] = round(metrics.eer(g, f), 4)
    g = [r for r in genuine if r["condition"] in FIVE]
    f = [r for r in fakes if r["condition"] in FIVE]
    if not g or not f:
        raise SystemExit("genuine_gap: no genuine or no fake copies of the five conditions in these records")
    gs, fs = np.array([r["score"] for r in g]), np.array([r["score"] for r in f])
    gu = np.array([r.get("unit") or r["path"] for r in g])
    fu = np.array([r["system"] for r in f])
    lo, hi = metrics.eer_ci(gs, fs, gu, fu, n_boot=n_boot)
    return {"genuine_clips": len({r["path"] for r in genuine}), "pooled_eer": round(metrics.eer(gs, fs), 4),
            "pooled_eer_ci95": [round(lo, 4), round(hi, 4)], "per_condition_eer": per,
            "mean_condition_eer": round(float(np.mean(list(per.values()))), 4)}


def _read(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"genuine_gap: cannot read records {path}: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=Path, required=True, help="app_verdicts --records of a split: its fakes, and its genuine clips")
    ap.add_argument("--genuine", action="append", default=[], metavar="NAME=RECORDS",
                    help="another genuine set's app_verdicts --records (e.g. a --manifest run), paired with the same fakes")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    base = _read(args.records)
    fakes = [r for r in base if r["label"] == 1]
    sets = {"split genuine": [r for r in base if r["label"] == 0]}
    for item in args.genuine:
        name, sep, path = item.partition("=")
        if not sep:
            raise SystemExit(f"genuine_gap: --genuine wants NAME=RECORDS, got {item!r}")
        sets[name] = [r for r in _read(Path(path)) if r["label"] == 0]
    out = {name: separation(rs, fakes) for name, rs in sets.items()}
    for name, r in out.items():
        lo, hi = r["pooled_eer_ci95"]
        print(f"{name:16s} {r['genuine_clips']:4d} clips  pooled EER {100 * r['pooled_eer']:.1f}% ({100 * lo:.1f}-{100 * hi:.1f})  "
              f"mean per condition {100 * r['mean_condition_eer']:.1f}%: "
              + " / ".join(f"{100 * v:.1f}" for v in r["per_condition_eer"].values()))
    if args.out:
        args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
