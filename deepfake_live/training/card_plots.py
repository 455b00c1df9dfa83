"""'What distinguishes fakes' plots for the model card (numpy + matplotlib + LiteRT; no tensorflow).

    python -m deepfake_live.training.card_plots --model models/deepfake_live.tflite --out models/card

Statistics come from raw (un-augmented) clips, at most ``--per-class`` per class, chosen with a fixed seed;
saliency from the shipped model on held-out clips.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from deepfake_live.audio.files import read_audio
from deepfake_live.dsp.features import FeatureConfig, compute_features
from deepfake_live.model.metadata import load_metadata
from deepfake_live.speech_activity import frame_speech_mask
from deepfake_live.training.data import assign_splits, default_manifests, read_manifests


def clip_stats(path: str, cfg: FeatureConfig) -> dict | None:
    x = read_audio(path, cfg.sample_rate)
    f = compute_features(x, cfg)
    m = frame_speech_mask(x, cfg)
    if m.sum() < 20:
        return None
    v = f[m].astype(np.float64)
    p = 10 ** (v / 10)
    ltas = 10 * np.log10(p.mean(axis=0) + 1e-10)
    centres = cfg.band_centres_hz()
    high = p[:, centres >= 6000].sum(axis=1) / p.sum(axis=1)
    flat = np.exp(np.mean(np.log(p + 1e-12), axis=1)) / (p.mean(axis=1) + 1e-12)
    return {"ltas": ltas - ltas.mean(), "high_db": float(10 * np.log10(np.median(high) + 1e-10)), "flatness": float(np.median(flat))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/deepfake_live.tflite")
    ap.add_argument("--out", default="models/card")
    ap.add_argument("--per-class", type=int, default=250)
    args = ap.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # the model's own front end (v2: 128 bands), so statistics and saliency describe what the model sees
    cfg = load_metadata(Path(args.model)).features if Path(args.model).is_file() else FeatureConfig()
    clips = read_manifests(default_manifests())
    rng = np.random.default_rng(0)
    chosen = []
    for lab in (0, 1):
        sel = [c for c in clips if c.label == lab]
        chosen += [sel[i] for i in rng.permutation(len(sel))[: args.per_class]]
    groups: dict[str, list[dict]] = defaultdict(list)
    for c in chosen:
        s = clip_stats(c.path, cfg)
        if s:
            groups["real" if c.label == 0 else c.family].append(s)
            if c.label:
                groups["fake (all)"].append(s)
    khz = cfg.band_centres_hz() / 1000
    summary = {}
    fig, ax = plt.subplots(figsize=(7, 4))
    for g, rows in sorted(groups.items()):
        ltas = np.mean([r["ltas"] for r in rows], axis=0)
        lw = 2.5 if g in ("real", "fake (all)") else 1
        ax.plot(khz, ltas, lw=lw, label=f"{g} ({len(rows)})", color="k" if g == "real" else ("r" if g == "fake (all)" else None))
        summary[g] = {"n": len(rows), "high_band_db_median": float(np.median([r["high_db"] for r in rows])),
                      "flatness_median": float(np.median([r["flatness"] for r in rows]))}
    ax.set_xlabel("kHz")
    ax.set_ylabel("dB (clip mean removed)")
    ax.set_title("Long-term average spectrum of voiced frames")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out / "ltas.png", dpi=80)
    plt.close(fig)
    names = sorted(groups)
    for key, fname, label in (("high_db", "high_band.png", "energy share above 6 kHz (dB, median per clip)"),
                              ("flatness", "flatness.png", "spectral flatness (median over voiced frames)")):
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.boxplot([[r[key] for r in groups[g]] for g in names], showfliers=False)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=30, fontsize=8)
        ax.set_ylabel(label, fontsize=8)
        fig.tight_layout()
        fig.savefig(out / fname, dpi=80)
        plt.close(fig)
    if Path(args.model).is_file():
        from deepfake_live.explain import explain_file, occlusion_saliency
        from deepfake_live.model.runner import ModelRunner

        runner = ModelRunner(Path(args.model))
        splits = assign_splits(clips)
        held = splits["test"]
        sal: dict[str, list[np.ndarray]] = defaultdict(list)
        for c in [held[i] for i in rng.permutation(len(held))[:80]]:
            f = compute_features(read_audio(c.path, cfg.sample_rate), cfg)
            if f.shape[0] >= runner.meta.window_frames:
                s = occlusion_saliency(f, runner, max_windows=4)
                used = s[: (f.shape[0] // runner.meta.window_frames) * runner.meta.window_frames][: 4 * runner.meta.window_frames]
                sal["real" if c.label == 0 else "fake"].append(used.mean(axis=0))
        fig, ax = plt.subplots(figsize=(7, 3.5))
        for g, rows in sal.items():
            ax.plot(khz, np.mean(rows, axis=0), label=f"{g} clips ({len(rows)})", color="k" if g == "real" else "r")
        ax.axhline(0, color="gray", lw=0.5)
        ax.set_xlabel("kHz")
        ax.set_ylabel("mean logit drop when occluded")
        ax.set_title("Occlusion saliency per band (>0: the band pushes towards 'fake')", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "saliency_bands.png", dpi=80)
        plt.close(fig)
        summary["saliency_bands"] = {g: np.mean(rows, axis=0).round(3).tolist() for g, rows in sal.items()}
        # Per-clip views only of the project's own demo clips: a spectrogram of a shared clip would be
        # audio-derived material, which must not be committed.
        demo = Path(__file__).resolve().parents[2] / "assets" / "demo"
        for name in ("espeak_6s", "piper_joe_8s"):
            explain_file(demo / f"{name}.flac", out / f"explain_{name.split('_')[0]}.png", runner)
    (out / "stats.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "saliency_bands"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
