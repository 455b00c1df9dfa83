"""What the app says about Opus calls at bitrates other than the 12 kbit/s it was validated on.

The Opus check and the Opus threshold were chosen on libopus at 12 kbit/s. Real calls run 8-32 kbit/s or more.
This passes validation-split clips (held-out speakers, generators never trained on) through Opus at several
bitrates, analyses each copy exactly as ``deepfake-live analyze`` does (``analysis.analyze_file`` with the channel
policy and the shipped Opus check, on a temporary WAV) and prints, per bitrate: how the check read the copies
(clean / Opus-like / no reading), which condition's threshold the app used, how many copies it marked "verdict
less reliable", and the shares of genuine and of fake clips flagged "likely synthetic". Clean copies are the
reference. Validation only.

    python benchmarks/opus_bitrates.py [--per-label 120] [--bitrates 8,12,16,24,32] [--seconds 12]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deepfake_live.analysis import analyze_file  # noqa: E402
from deepfake_live.audio.files import read_audio  # noqa: E402
from deepfake_live.pipeline import load_model  # noqa: E402
from deepfake_live.training import channels  # noqa: E402

SYNTHETIC = "likely synthetic"


def validation_clips(per_label: int, seed: int = 0) -> list:
    from deepfake_live.training.codec_probe import balanced_clips
    from deepfake_live.training.train import default_splits

    return balanced_clips(default_splits(seed)["val"], 2 * per_label, seed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-label", type=int, default=120, help="genuine and fake validation clips, each")
    ap.add_argument("--bitrates", default="8,12,16,24,32", help="Opus bitrates in kbit/s")
    ap.add_argument("--seconds", type=float, default=12.0, help="use at most this much of each clip")
    args = ap.parse_args(argv)
    if not channels.codecs_available():
        print("opus_bitrates: PyAV is not installed (pip install -e '.[train]')", file=sys.stderr)
        return 2
    try:
        clips = validation_clips(args.per_label)
    except (OSError, ValueError) as exc:
        print(f"opus_bitrates: no validation data: {exc}", file=sys.stderr)
        return 2
    if not clips:
        print("opus_bitrates: no validation clips (build the data first: README, Training)", file=sys.stderr)
        return 2
    model = load_model()
    policy = model.policy()  # the specialists too: a telephone-band reading is scored by the telephone-band model, as in analyze
    sr = model.feature_cfg.sample_rate
    copies = ["clean"] + [f"opus_{b.strip()}k" for b in args.bitrates.split(",") if b.strip()]
    flagged = {c: Counter() for c in copies}
    totals = Counter(c.label for c in clips)
    reading = {c: Counter() for c in copies}
    used = {c: Counter() for c in copies}
    unreliable = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "copy.wav"
        for n, clip in enumerate(clips):
            x = read_audio(clip.path, sr)[: int(args.seconds * sr)]
            for name in copies:
                y = x if name == "clean" else channels.codec(x, "opus", float(name[5:-1]))
                sf.write(wav, y, sr, subtype="FLOAT")
                r = analyze_file(wav, model.feature_cfg, model.detector_cfg, model.runner.probabilities, policy=policy)
                ch = r.channel or {}
                check = ch.get("opus_check")
                reading[name]["no reading" if check is None else ("clean" if check < 0 else "Opus-like")] += 1
                used[name][ch.get("threshold_condition", "n/a")] += 1
                unreliable[name] += not ch.get("reliable", True)
                flagged[name][clip.label] += r.verdict == SYNTHETIC
            if (n + 1) % 40 == 0:
                print(f"  {n + 1}/{len(clips)} clips", file=sys.stderr, flush=True)
    print(f"{totals[0]} genuine and {totals[1]} fake validation clips (first {args.seconds:g} s), analysed as `analyze` does")
    print("| copy | Opus check: clean / Opus-like / no reading | threshold used | \"less reliable\" | genuine flagged | fakes flagged |")
    print("|---|---|---|---|---|---|")
    n = len(clips)
    for name in copies:
        rd = reading[name]
        thr = ", ".join(f"{k} {v / n:.0%}" for k, v in used[name].most_common())
        print(f"| {name} | {rd['clean'] / n:.0%} / {rd['Opus-like'] / n:.0%} / {rd['no reading'] / n:.0%} | {thr} | "
              f"{unreliable[name] / n:.1%} | "
              f"{flagged[name][0] / max(totals[0], 1):.1%} | {flagged[name][1] / max(totals[1], 1):.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
