"""What the app says about calls it was not validated on: other Opus bitrates, lost packets, HD voice.

The Opus check and the Opus threshold were chosen on libopus at 12 kbit/s over a perfect network. Real calls run
8-32 kbit/s or more, lose packets (the receiver's decoder conceals each gap with audio it extrapolates, machine-made
by definition) and may be G.722 HD voice. This passes held-out clips (speakers and generators never trained on) through
each such copy, analyses it exactly as ``deepfake-live analyze`` does (``analysis.analyze_file``
with the channel policy, the shipped Opus check and the telephone-band model, on a temporary WAV) and prints, per
copy: how the check read it (clean / Opus-like / no reading), which condition's threshold the app used, how many
copies it marked "verdict less reliable", and the shares of genuine and of fake clips flagged "likely synthetic".
Clean copies are the reference. Validation by default; ``--split test`` reports, it decides nothing.

    python benchmarks/call_channels.py [--per-label 120] [--copies clean,opus_8k,opus_12k,...] [--seconds 12]
    python benchmarks/call_channels.py --copies clean,opus_16k,opus_16k_loss5,opus_16k_loss10b,opus_16k_loss20b,g722

Copy names: ``clean``; ``opus_<kbps>k`` (PyAV's libopus, VoIP mode); ``opus_<kbps>k_loss<pct>`` with independent
losses, ``..._loss<pct>b`` with bursts of 2.5 packets on average (20 ms packets, libopus's own concealment,
``training.lossy_network``); ``g722`` (64 kbit/s HD voice, FFmpeg's encoder: it keeps the band up to 8 kHz) and
``g722_band`` (the same between the 50-7000 Hz send and receive filters of a G.722 terminal,
``channels.hd_voice_g722``: the app's stress condition ``hd_voice_g722``).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deepfake_live.analysis import analyze_file  # noqa: E402
from deepfake_live.audio.files import read_audio  # noqa: E402
from deepfake_live.pipeline import load_model  # noqa: E402
from deepfake_live.training import channels  # noqa: E402
from deepfake_live.training.lossy_network import opus_over_lossy_network  # noqa: E402

DEFAULT_COPIES = "clean,opus_8k,opus_12k,opus_16k,opus_24k,opus_32k"
COPY_NAME = re.compile(r"^(clean|g722|g722_band|opus_(\d+)k(?:_loss(\d+)(b?))?)$")
BURST = 2.5  # mean lost packets per burst for a "...b" copy

SYNTHETIC = "likely synthetic"


def split_clips(per_label: int, split: str = "val", seed: int = 0) -> list:
    from deepfake_live.training.codec_probe import balanced_clips
    from deepfake_live.training.train import default_splits

    return balanced_clips(default_splits(seed)[split], 2 * per_label, seed)


def copy_of(x: np.ndarray, name: str, rng: np.random.Generator) -> np.ndarray:
    """The named channel copy of ``x`` (see the module docstring)."""
    m = COPY_NAME.match(name)
    if m is None:
        raise ValueError(f"unknown copy: {name}")
    if name == "clean":
        return x
    if name == "g722":
        return channels.codec(x, "g722")
    if name == "g722_band":
        return channels.hd_voice_g722(x)
    kbps, loss, burst = int(m.group(2)), m.group(3), m.group(4)
    if loss is None:
        return channels.codec(x, "opus", kbps)
    return opus_over_lossy_network(x, kbps, int(loss) / 100.0, rng, mean_burst=BURST if burst else 1.0)[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-label", type=int, default=120, help="genuine and fake clips, each")
    ap.add_argument("--split", choices=["val", "test"], default="val", help="held-out clips to use (default: validation)")
    ap.add_argument("--copies", default=DEFAULT_COPIES, help="comma-separated channel copies (module docstring)")
    ap.add_argument("--seconds", type=float, default=12.0, help="use at most this much of each clip")
    args = ap.parse_args(argv)
    copies = [c.strip() for c in args.copies.split(",") if c.strip()]
    bad = [c for c in copies if not COPY_NAME.match(c)]
    if bad:
        print(f"call_channels: unknown copy {bad[0]!r} (names: module docstring)", file=sys.stderr)
        return 2
    if not channels.codecs_available():
        print("call_channels: PyAV is not installed (pip install -e '.[train]')", file=sys.stderr)
        return 2
    try:
        clips = split_clips(args.per_label, args.split)
    except (OSError, ValueError) as exc:
        print(f"call_channels: no {args.split} data: {exc}", file=sys.stderr)
        return 2
    if not clips:
        print(f"call_channels: no {args.split} clips (build the data first: README, Training)", file=sys.stderr)
        return 2
    model = load_model()
    policy = model.policy()  # the specialists too: a telephone-band reading is scored by the telephone-band model, as in analyze
    sr = model.feature_cfg.sample_rate
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
                y = copy_of(x, name, np.random.default_rng(n))  # losses seeded by the clip: reruns and other models see the same
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
    print(f"{totals[0]} genuine and {totals[1]} fake {args.split} clips (first {args.seconds:g} s), analysed as `analyze` does")
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
