"""Validate the channel self-check on the channel copies the training pipeline makes.

Takes real clips from ``shared/data/speech/real/*``, applies every evaluation condition
of ``training/channels.py`` (``apply_condition``), runs the same estimator the product
runs on a file (``channel_watch.assess_audio``: tracker summary + ``ConditionPolicy``) and prints a confusion
table of true vs estimated condition, the telephone-vs-wideband accuracy, and how
often the threshold used is at least the true condition's (never more lenient).

    python benchmarks/channel_confusion.py [--per-corpus 6] [--seconds 10] [--markdown]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deepfake_live.audio.files import read_audio  # noqa: E402
from deepfake_live.channel_policy import OUTSIDE, TELEPHONE, ConditionPolicy  # noqa: E402
from deepfake_live.channel_watch import assess_audio  # noqa: E402
from deepfake_live.pipeline import load_model  # noqa: E402
from deepfake_live.training.channels import CONDITIONS, apply_condition  # noqa: E402

DEFAULT_REAL = ROOT.parent / "shared" / "data" / "speech" / "real"


def pick_clips(folder: Path, per_corpus: int) -> list[Path]:
    """A few clips from every corpus folder, spread over each folder's sorted list."""
    clips: list[Path] = []
    for corpus in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = sorted(corpus.glob("*.flac")) + sorted(corpus.glob("*.wav"))
        if files:
            idx = np.linspace(0, len(files) - 1, min(per_corpus, len(files))).round().astype(int)
            clips += [files[i] for i in sorted(set(idx))]
    return clips


def markdown_table(labels: list[str], cols: list[str], counts: Counter) -> str:
    lines = ["| true \\ estimated | " + " | ".join(cols) + " | correct |", "|---" * (len(cols) + 2) + "|"]
    for t in labels:
        row = [counts[(t, c)] for c in cols]
        total = sum(row)
        lines.append(f"| {t} | " + " | ".join(str(v) for v in row) + f" | {counts[(t, t)] / max(total, 1):.0%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=Path, default=DEFAULT_REAL, help="folder of corpus folders of real clips")
    ap.add_argument("--per-corpus", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=10.0, help="use at most this much of each clip")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the model card)")
    args = ap.parse_args(argv)
    if not args.real.is_dir():
        print(f"channel_confusion: {args.real}: folder not found", file=sys.stderr)
        return 2
    model = load_model()
    policy = ConditionPolicy.from_model(model.meta, model.detector_cfg)
    cfg = model.feature_cfg
    clips = pick_clips(args.real, args.per_corpus)
    counts: Counter = Counter()
    band_ok = band_n = strict_ok = 0
    reasons: Counter = Counter()
    for n, path in enumerate(clips):
        x = read_audio(path, cfg.sample_rate)[: int(args.seconds * cfg.sample_rate)]
        for cond in CONDITIONS:
            a = assess_audio(apply_condition(x, cond, seed=n), cfg, policy)
            counts[(cond, a.condition)] += 1
            if a.reason:
                for r in a.reason.split("; "):
                    reasons[(cond, r.split(" ")[0] + " " + r.split(" ")[1])] += 1
            band_n += 1
            band_ok += (a.estimate.band == "narrowband") == (cond == TELEPHONE)
            true_thr = policy.clip_thresholds.get(cond, policy.base_clip)
            strict_ok += a.clip_threshold >= true_thr - 1e-9
    labels = list(CONDITIONS)
    cols = labels + [OUTSIDE]
    print(f"{len(clips)} real clips x {len(labels)} conditions (first {args.seconds:g} s of each), "
          f"from {args.real}")
    if args.markdown:
        print(markdown_table(labels, cols, counts))
    else:
        width = max(len(c) for c in cols) + 1
        print("true \\ estimated".ljust(22) + "".join(c[:width].rjust(width) for c in cols) + "  correct")
        for t in labels:
            row = [counts[(t, c)] for c in cols]
            print(t.ljust(22) + "".join(str(v).rjust(width) for v in row) + f"  {counts[(t, t)] / max(sum(row), 1):6.1%}")
    print(f"telephone vs wideband (narrowband detected iff telephone): {band_ok}/{band_n} = {band_ok / band_n:.1%}")
    print(f"threshold used >= the true condition's threshold: {strict_ok}/{band_n} = {strict_ok / band_n:.1%}")
    if reasons:
        print("less-reliable reasons (true condition: reason x count): "
              + ", ".join(f"{c}: {r}... x{n}" for (c, r), n in sorted(reasons.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
