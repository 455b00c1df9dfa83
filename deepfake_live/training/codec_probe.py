"""Train the app's Opus check: a small CNN that tells clean wideband audio from an Opus 12k call.

The app cannot tell the two apart from band edges (Opus 12k keeps the band), so clean audio was judged at the
stricter Opus threshold and lost 7-12 points of detection (model card). A first probe (git e3e1a7b: trained on
the validation split's copies, read on test) separated them at 1.3% clip EER. This trains the shipped check on
the **training split's** clean and Opus copies (label = channel, not real/fake), picks its decision offset on
the validation split with the app's own window schedule (``codec_check.recording_logit``: the lowest offset at
which at most 1% of validation Opus copies read clean), and reads the test split once: clean and Opus copies
read clean, and how often the other conditions would (telephone and MP3 never reach the check in the app: they
are recognised first).

Random noisy rooms are on both sides (shipped 2026-12-02, model card): the rooms alone count as "clean" and the same
rooms through Opus as "Opus", so that the check answers "Opus" for the codec and not for noise, and the app can tell
a noisy room from a noisy Opus call; validation and test also report the readings of those two channels.
``--clean-only`` trains the first shipped check (clean vs Opus only), which reads most noisy audio as Opus-like.

    python -m deepfake_live.training.codec_probe --export models/opus_check.tflite --out models/opus_check_report.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from deepfake_live.model.metadata import load_metadata
from deepfake_live.training import metrics

CLEAN, OPUS = "clean", "opus_12k"
NOISY, NOISY_OPUS = "noisy_room", "noisy_room_opus_12k"  # channels.CHECK_VARIANTS
OTHERS = ("telephone_8k_mulaw", "mp3_32k", "reverb_noise_10db")
WINDOW = 144
SHIPPED_MODEL = Path("models/deepfake_live.tflite")
MAX_OPUS_READ_CLEAN = 0.01  # validation Opus copies allowed to read clean at the chosen offset


def balanced_clips(clips: list, n: int, seed: int) -> list:
    """Up to n clips, half genuine and half fake (all of a class when it has fewer), drawn without regard to system or corpus."""
    rng = np.random.default_rng(seed)
    out = []
    for label in (0, 1):
        pool = [c for c in clips if c.label == label]
        idx = rng.choice(len(pool), size=min(n // 2, len(pool)), replace=False)
        out += [pool[i] for i in sorted(idx)]
    return out


def windows(data: list, variant: int, per_clip: int, rng: np.random.Generator) -> np.ndarray:
    """Up to ``per_clip`` speech windows (raw dB: the model subtracts each window's mean) of one variant per clip."""
    out = []
    for d in data:
        f, st = d.variants[variant], d.starts[variant]
        for s in rng.choice(st, size=min(per_clip, st.size), replace=False):
            w = f[int(s) : int(s) + WINDOW].astype(np.float32)
            if w.shape[0] == WINDOW:
                out.append(w)
    return np.stack(out)[..., None]


def training_windows(clips: list, variants: list[str], cfg, per_clip: int, rng: np.random.Generator,
                     chunk: int = 1200) -> tuple[np.ndarray, np.ndarray]:
    """Windows of every variant (label: passed Opus), reading ``chunk`` clips' features at a time: the features of all
    3,000 training clips in four variants do not fit in 24 GB. Up to ``chunk`` clips, the draws are the shipped check's."""
    from deepfake_live.training.train import load_data

    parts: list[list[np.ndarray]] = [[] for _ in variants]
    for i in range(0, len(clips), chunk):
        data = load_data(clips[i : i + chunk], variants, cfg, WINDOW)
        for k in range(len(variants)):
            parts[k].append(windows(data, k, per_clip, rng))
        del data
    ys = [np.full(sum(len(x) for x in parts[k]), float(v in (OPUS, NOISY_OPUS)), dtype=np.float32) for k, v in enumerate(variants)]
    return np.concatenate([x for part in parts for x in part]), np.concatenate(ys)


def build_check(bands: int):
    import keras

    from deepfake_live.training.model import WindowMeanSubtract

    inp = keras.Input((WINDOW, bands, 1))
    x = WindowMeanSubtract(name="mean_sub")(inp)
    for width in (8, 16, 32):
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPool2D(2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(1, name="opus_logit")(keras.layers.Dense(32, activation="relu")(x))
    model = keras.Model(inp, out, name="opus_check")
    model.compile(keras.optimizers.Adam(2e-3), keras.losses.BinaryCrossentropy(from_logits=True))
    return model


def write_check_metadata(path: Path, cfg, threshold: float, info: dict) -> None:
    from deepfake_live.model.metadata import Calibration, ModelMetadata, sha256_of, write_metadata

    meta = ModelMetadata(name="opus_check", version="1", model_file=path.name, sha256=sha256_of(path), sample_rate=cfg.sample_rate,
                         features=cfg, window_frames=WINDOW, hop_frames=100, input_shape=(1, WINDOW, cfg.n_bands, 1),
                         output_kind="logit", calibration=Calibration(), threshold=threshold,
                         training_data={"what": "clean vs Opus 12 kbit/s copies of training-split clips (label = channel)"},
                         extra=info)
    write_metadata(meta, path)


def readings(check, data: list, variant: int) -> np.ndarray:
    """Each clip's reading through the app's schedule (nan where too little speech was scored)."""
    from deepfake_live.codec_check import recording_logit

    out = [recording_logit(check, d.variants[variant].astype(np.float32)) for d in data]
    return np.array([np.nan if v is None else v for v in out])


def rates(z: dict[str, np.ndarray], sel: np.ndarray) -> dict:
    """Shares of copies that read clean (below 0), among those with a reading, and how many had none."""
    out = {}
    for name, v in z.items():
        v = v[sel]
        ok = ~np.isnan(v)
        out[name] = {"read_clean": float(np.mean(v[ok] < 0)) if ok.any() else None, "no_reading": float(np.mean(~ok))}
    return out


def run(export: Path, seed: int = 0, epochs: int = 6, per_clip: int = 6, n_train: int = 1200, noisy_rooms: bool = True) -> dict:
    import keras

    from deepfake_live.codec_check import OpusCheck
    from deepfake_live.training import cache
    from deepfake_live.training.export import latency_ms, to_tflite
    from deepfake_live.training.train import default_splits, load_data

    keras.utils.set_random_seed(seed)
    cfg = load_metadata(SHIPPED_MODEL).features  # the detector's front end: the check reads the same windows
    sp = default_splits(seed)
    train = balanced_clips(sp["train"], n_train, seed)
    extra = [NOISY, NOISY_OPUS] if noisy_rooms else []
    train_variants = [CLEAN, OPUS, *extra]
    cache.build(train, train_variants, cfg)
    variants = [CLEAN, OPUS, *OTHERS]
    val = [c for c in sp["val"] if cache.available(c, variants, cfg)]
    test = [c for c in sp["test"] if cache.available(c, variants, cfg)]
    if extra:
        cache.build(val + test, extra, cfg)
    x_train, y_train = training_windows(train, train_variants, cfg, per_clip, np.random.default_rng(seed))
    model = build_check(cfg.n_bands)
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, shuffle=True, verbose=0)
    export = Path(export)
    with tempfile.TemporaryDirectory() as tmp:  # offset 0 first: validation readings are raw logits
        raw_path = to_tflite(model, Path(tmp) / export.name)
        write_check_metadata(raw_path, cfg, 0.5, {"decision_offset_logit": 0.0})
        raw_check = OpusCheck.load(cfg, raw_path)
        assert raw_check is not None
        val_d = load_data(val, train_variants, cfg, WINDOW)
        val_z = {name: readings(raw_check, val_d, k) for k, name in enumerate(train_variants)}
        val_opus, val_clean = val_z[OPUS], val_z[CLEAN]
        offset = float(np.nanquantile(val_opus, MAX_OPUS_READ_CLEAN))
        export.parent.mkdir(parents=True, exist_ok=True)
        export.write_bytes(raw_path.read_bytes())
    threshold = float(1.0 / (1.0 + np.exp(-offset)))
    info = {"decision_offset_logit": offset, "chosen_on": f"validation: <= {MAX_OPUS_READ_CLEAN:.0%} of Opus copies read clean",
            "val_clean_read_clean": float(np.nanmean(val_clean < offset)), "train_clips": len(train),
            "train_windows": len(x_train), "train_variants": train_variants,
            "epochs": epochs, "seed": seed}
    write_check_metadata(export, cfg, threshold, info)
    check = OpusCheck.load(cfg, export)
    assert check is not None
    variants = [*variants, *extra]
    test_d = load_data(test, variants, cfg, WINDOW)
    z = {name: readings(check, test_d, k) for k, name in enumerate(variants)}
    labels = np.array([c.label for c in test])
    ok = ~np.isnan(z[CLEAN]) & ~np.isnan(z[OPUS])
    return {
        "protocol": __doc__.strip().split("\n\n")[1], "model": str(export), "size_bytes": export.stat().st_size,
        "latency_1thread": latency_ms(export, WINDOW, cfg.n_bands), **info,
        "validation": {"clips": len(val), "opus_read_clean": float(np.nanmean(val_opus < offset)),
                       "clean_read_clean": info["val_clean_read_clean"],
                       **{f"{v}_read_clean": float(np.nanmean(val_z[v] < offset)) for v in extra}},
        "test": {"clips": len(test), "clip_eer_clean_vs_opus": metrics.eer(z[CLEAN][ok], z[OPUS][ok]),
                 "genuine": rates(z, labels == 0), "fake": rates(z, labels == 1), "all": rates(z, np.ones_like(labels, dtype=bool))},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--export", type=Path, default=Path("models/opus_check.tflite"))
    ap.add_argument("--out", type=Path, default=Path("models/opus_check_report.json"))
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-clips", type=int, default=1200,
                    help="training-split clips to train on, half genuine and half fake while both last (0: all of them)")
    ap.add_argument("--clean-only", action="store_true",
                    help="train on clean and Opus copies only, without the noisy rooms (the check shipped before 2026-12-02)")
    args = ap.parse_args(argv)
    result = run(args.export, args.seed, args.epochs, n_train=args.train_clips or 10**9, noisy_rooms=not args.clean_only)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    t = result["test"]
    print(f"offset {result['decision_offset_logit']:.2f} (validation Opus read clean {result['validation']['opus_read_clean']:.1%}, "
          f"clean read clean {result['validation']['clean_read_clean']:.1%}"
          + "".join(f", {k.removesuffix('_read_clean')} read clean {v:.1%}" for k, v in result["validation"].items()
                    if k.startswith("noisy_room"))
          + "); "
          f"test clip EER clean vs Opus {t['clip_eer_clean_vs_opus']:.1%}")
    for who in ("genuine", "fake"):
        print(f"test {who:7s} " + ", ".join(f"{k} read clean {v['read_clean']:.1%} (no reading {v['no_reading']:.1%})"
                                           for k, v in t[who].items() if v["read_clean"] is not None))
    print(f"wrote {args.export} and {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
