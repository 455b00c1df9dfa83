"""Command line: ``python -m deepfake_live.training.generate --out DIR [--minutes M] [--engines a,b]``."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from .fixtures import DEFAULT_SEED, make_fixtures
from .runner import generate

SHARED_ROOT = Path(__file__).resolve().parents[4] / "shared" / "data" / "speech"  # beside the checkout
# Minutes per engine in a default run; ``--minutes`` scales them all. Kokoro is the slowest per minute
# of audio (10 min took 533 s here) but it is the only multi-voice modern TTS available offline, and
# held-out Kokoro voices are the evaluation's only held-out-speaker test of a modern TTS: 3 -> 10 min.
# The engines from svox_pico on came later (3-5 min each): more languages, voices and TTS families.
ENGINE_MINUTES: dict[str, float] = {
    "piper_vits": 12, "kokoro_82m": 10, "espeak_ng": 5, "flite": 5, "festival": 3, "world_vocoder": 8, "griffinlim_resynth": 7,
    "svox_pico": 4, "fastspeech2_mbmelgan": 3, "tacotron2_mbmelgan": 3, "openjtalk_hts": 4, "kokoro_ja": 4, "kokoro_multi": 5,
}
ENGINE_SHARES: dict[str, float] = {k: v / sum(ENGINE_MINUTES.values()) for k, v in ENGINE_MINUTES.items()}
DEFAULT_MINUTES = float(sum(ENGINE_MINUTES.values()))
# Engines a default run leaves out, with their minutes at the default scale: the shipped model trained without them
# (HiFi-GAN copy-synthesis was measured as a candidate, see models/STUDIES.md), so the defaults still rebuild its data.
# Write them to their own folder and add its manifest to training with --manifest.
# hibari (hibari-tts: Kokoro af_heart distilled into a pulse-source decoder) came later: opt-in until a model is trained with it.
OPT_IN_MINUTES: dict[str, float] = {"hifigan_resynth": 20, "hibari": 4}


def plan(minutes: float, engines: Sequence[str] | None) -> dict[str, float]:
    """Seconds per engine: ``minutes`` split by ENGINE_SHARES (restricted to ``engines`` if given)."""
    names = list(engines) if engines else list(ENGINE_SHARES)
    unknown = [n for n in names if n not in ENGINE_SHARES and n not in OPT_IN_MINUTES]
    if unknown:
        raise ValueError(f"unknown engines {unknown}; choose from {list(ENGINE_SHARES) + list(OPT_IN_MINUTES)}")
    return {n: minutes * 60 * ENGINE_SHARES[n] if n in ENGINE_SHARES else 60 * OPT_IN_MINUTES[n] * minutes / DEFAULT_MINUTES
            for n in names}


def main(argv: Sequence[str] | None = None) -> int:
    from . import __doc__ as package_doc

    ap = argparse.ArgumentParser(prog="python -m deepfake_live.training.generate", description=(package_doc or "").splitlines()[0])
    ap.add_argument("--out", type=Path, help="output folder for clips + manifest.csv (e.g. data_cache/generated)")
    ap.add_argument("--minutes", type=float, default=DEFAULT_MINUTES,
                    help=f"total minutes over the chosen engines' shares (default {DEFAULT_MINUTES:g}: every engine its ENGINE_MINUTES)")
    ap.add_argument("--engines", help=f"comma-separated subset of {','.join(ENGINE_SHARES)} (default: all of them), or the opt-in "
                                      f"{','.join(OPT_IN_MINUTES)}")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--shared", type=Path, default=SHARED_ROOT, help="shared speech folder (real clips for resynthesis)")
    ap.add_argument("--fixtures", type=Path, help="also write the shipped demo clips into this folder (e.g. assets/demo)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the rows of other systems already in OUT/manifest.csv (run engines in separate calls)")
    args = ap.parse_args(argv)
    if args.out is None and args.fixtures is None:
        ap.error("give --out and/or --fixtures")
    t0 = time.monotonic()
    if args.fixtures is not None:
        make_fixtures(args.fixtures, args.seed)
    if args.out is not None:
        try:
            budget = plan(args.minutes, args.engines.split(",") if args.engines else None)
        except ValueError as exc:
            ap.error(str(exc))
        rows = generate(args.out, budget, args.seed, args.shared, keep_existing=args.keep)
        minutes = sum(float(r["duration_s"]) for r in rows) / 60
        print(f"wrote {len(rows)} clips ({minutes:.1f} min) and {args.out / 'manifest.csv'}")
    print(f"total time {time.monotonic() - t0:.0f} s")
    return 0
