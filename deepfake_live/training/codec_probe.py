"""Can the app tell clean audio from Opus 12k with a small CNN on its own features? A feasibility probe.

The app cannot tell the two apart (its channel estimator reads band edges, and Opus 12k keeps the band), so
clean audio is judged at the stricter Opus threshold and loses 7-12 points of detection (model card). This
trains a small CNN on 1.44 s windows of the validation split's clean and Opus copies (label = channel, not
real/fake) and measures how well it separates the **test split's** copies: per window and per clip (mean
logit over the speech windows), for genuine and fake speech alike, and how often the other conditions
(telephone, MP3, reverb+noise) would be read as Opus. Research only: nothing here runs in the app.

    python -m deepfake_live.training.codec_probe --out models/codec_probe.json   # ~5 min, feature cache warm
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from deepfake_live.model.metadata import load_metadata
from deepfake_live.training import metrics

CLEAN, OPUS = "clean", "opus_12k"
OTHERS = ("telephone_8k_mulaw", "mp3_32k", "reverb_noise_10db")
WINDOW = 144
SHIPPED_MODEL = Path("models/deepfake_live.tflite")


def splits(seed: int = 0) -> dict:
    from deepfake_live.training.data import default_manifests, read_manifests
    from deepfake_live.training.train import log, planned_splits

    return planned_splits(read_manifests(default_manifests(log), log), seed)


def windows(data: list, variant: int, per_clip: int, rng: np.random.Generator) -> np.ndarray:
    """Up to ``per_clip`` speech windows of one cached variant per clip, each minus its own mean (gain)."""
    out = []
    for d in data:
        f, st = d.variants[variant], d.starts[variant]
        for s in rng.choice(st, size=min(per_clip, st.size), replace=False):
            w = f[int(s) : int(s) + WINDOW].astype(np.float32)
            if w.shape[0] == WINDOW:
                out.append(w - w.mean())
    return np.stack(out)[..., None]


def build_probe(bands: int):
    import keras

    x = inp = keras.Input((WINDOW, bands, 1))
    for width in (8, 16, 32):
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPool2D(2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(1)(keras.layers.Dense(32, activation="relu")(x))
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.Adam(2e-3), keras.losses.BinaryCrossentropy(from_logits=True))
    return model


def clip_logits(model, data: list, variant: int) -> np.ndarray:
    """Mean window logit per clip over its speech windows (hop 20 frames), as the app would average it."""
    out = []
    for d in data:
        f, st = d.variants[variant], d.starts[variant]
        starts = st[:: max(1, st.size // 12)][:12] if st.size else np.array([0])
        xs = []
        for s in starts:
            w = f[int(s) : int(s) + WINDOW].astype(np.float32)
            if w.shape[0] < WINDOW:
                w = np.pad(w, ((0, WINDOW - w.shape[0]), (0, 0)), mode="edge")
            xs.append(w - w.mean())
        out.append(float(np.mean(model.predict(np.stack(xs)[..., None], verbose=0))))
    return np.array(out)


def run(seed: int = 0, epochs: int = 6, per_clip: int = 6) -> dict:
    import keras

    from deepfake_live.training import cache
    from deepfake_live.training.train import load_data

    keras.utils.set_random_seed(seed)
    cfg = load_metadata(SHIPPED_MODEL).features  # the cache the shipped model's studies use
    sp = splits(seed)
    variants = [CLEAN, OPUS, *OTHERS]
    val = [c for c in sp["val"] if cache.available(c, variants, cfg)]
    test = [c for c in sp["test"] if cache.available(c, variants, cfg)]
    val_d, test_d = load_data(val, variants, cfg, WINDOW), load_data(test, variants, cfg, WINDOW)
    rng = np.random.default_rng(seed)
    xc, xo = windows(val_d, 0, per_clip, rng), windows(val_d, 1, per_clip, rng)
    x = np.concatenate([xc, xo])
    y = np.concatenate([np.zeros(len(xc)), np.ones(len(xo))]).astype(np.float32)
    model = build_probe(cfg.n_bands)
    model.fit(x, y, batch_size=64, epochs=epochs, shuffle=True, verbose=0)
    result: dict = {"protocol": __doc__.strip().split("\n\n")[1], "train_windows": int(len(y)), "val_clips": len(val),
                    "test_clips": len(test), "epochs": epochs, "seed": seed}
    z = {name: clip_logits(model, test_d, k) for k, name in enumerate(variants)}
    labels = np.array([c.label for c in test])
    by = {}
    for who, sel in (("genuine", labels == 0), ("fake", labels == 1), ("all", np.ones_like(labels, dtype=bool))):
        by[who] = {"clip_eer_clean_vs_opus": metrics.eer(z[CLEAN][sel], z[OPUS][sel]),
                   "clean_read_as_opus": float(np.mean(z[CLEAN][sel] > 0)), "opus_read_as_clean": float(np.mean(z[OPUS][sel] <= 0)),
                   **{f"{o}_read_as_opus": float(np.mean(z[o][sel] > 0)) for o in OTHERS}}
    wc, wo = windows(test_d, 0, 3, np.random.default_rng(seed + 1)), windows(test_d, 1, 3, np.random.default_rng(seed + 1))
    result["test_window_eer"] = metrics.eer(model.predict(wc, verbose=0).ravel(), model.predict(wo, verbose=0).ravel())
    result["test_clips_by_label"] = by
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("models/codec_probe.json"))
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    result = run(args.seed, args.epochs)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"test window EER clean vs Opus 12k: {result['test_window_eer']:.1%}")
    for who, r in result["test_clips_by_label"].items():
        print(f"{who:8s} clip EER {r['clip_eer_clean_vs_opus']:.1%}; clean read as Opus {r['clean_read_as_opus']:.1%}, Opus read as "
              f"clean {r['opus_read_as_clean']:.1%}; " + ", ".join(f"{o} as Opus {r[f'{o}_read_as_opus']:.1%}" for o in OTHERS))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
