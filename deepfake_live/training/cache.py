"""Precomputed, cached features: augmentation and STFT run once, epochs only slice arrays.

Each clip gets ``n_variants`` channel variants (variant 0: edges/band-limit/gain only;
the others: a random full channel chain), each stored as float16 dB features plus the
VAD mask, under ``data_cache/features/``. Seeds derive from the clip path, so the cache
is reproducible and shared between runs.
"""

from __future__ import annotations

import hashlib
import json
import os
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from deepfake_live.audio.files import read_audio
from deepfake_live.dsp.features import FeatureConfig, compute_features
from deepfake_live.speech_activity import SPEECH_THRESHOLD, frame_speech_probability
from deepfake_live.training import channels
from deepfake_live.training.data import Clip

CACHE_VERSION = 7  # 3: Silero speech probability per frame; 4: length caps; 5: speech from the clean clip, mapped;
# 6: the speech start/hold rule (SPEECH_THRESHOLD, SPEECH_HOLD), the numpy Silero, MP3/AAC aligned and AAC really applied;
# 7: codecs through PyAV (newer libopus), AMR-NB instead of GSM
# Cached audio is capped: training draws random 1.4 s windows, so 10 s of a clip is plenty, and clip-level
# figures are taken on the first 20 s (a few demo clips run to 60 s). Halves the cache's cost on 2 cores.
MAX_TRAIN_SECONDS = 10.0
# Training chains of a call or a room, by variant name without its number: they keep the clip's length and timing,
# so the clean clip's speech mask fits them as it is.
KEEP_TIMING_CHAINS = {"phone": channels.phone_chain, "nbcall": channels.narrowband_call_chain, "room": channels.room_chain,
                      "voip": channels.opus_call_chain}
TRAINING_PREFIXES = ("aug", "edges", "codec", *KEEP_TIMING_CHAINS)  # variant names of training clips (capped at MAX_TRAIN_SECONDS)
MAX_EVAL_SECONDS = 20.0
DEFAULT_CACHE = Path("data_cache/features")


def _seed(*parts: object) -> int:
    return int(hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def _speech_samples(x: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Per-sample speech probability of ``x`` (each frame's value over its hop), from Silero on the clean clip."""
    p = frame_speech_probability(x, cfg)
    per_sample = np.repeat(p, cfg.hop_length)
    return np.pad(per_sample, (0, max(0, x.size - per_sample.size)), mode="edge")[: x.size] if per_sample.size else np.zeros(x.size)


def _frame_values(per_sample: np.ndarray, n_frames: int, cfg: FeatureConfig) -> np.ndarray:
    """Per-sample values read at each frame's centre."""
    if per_sample.size == 0:
        return np.zeros(n_frames, dtype=np.float16)
    centres = np.minimum(np.arange(n_frames) * cfg.hop_length + cfg.frame_length // 2, per_sample.size - 1)
    return per_sample[centres].astype(np.float16)


def variant_audio(x: np.ndarray, path: str, variant: str, speech: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Audio of one named variant, 'aug0'..'augN', 'edges0'..'edgesN' (aug0's mild chain, other
    draws), 'codec0'..'codecN', 'phone0'..'phoneN', 'nbcall0'..'nbcallN', 'room0'..'roomN' or 'voip0'..'voipN' (training) or an evaluation
    condition name, with the per-sample speech probability carried over from ``speech`` (the clean clip's), when given.

    The speech decision is made once, on the clean clip, and mapped through the channel: every variant of a
    clip is scored on the same speech, the figures compare channels rather than VAD behaviour (measured
    separately by the VAD benchmark), and one Silero pass per clip instead of one per variant keeps the
    cache affordable on 2 cores.
    """
    if variant.startswith(("aug", "edges", "codec")):
        rng = np.random.default_rng(_seed(CACHE_VERSION, path, variant))
        span: list[int] = []
        if variant.startswith("codec"):
            y, _ = channels.codec_chain(x, rng, span=span)
        else:
            mild = variant == "aug0" or variant.startswith("edges")
            y, _ = channels.random_chain(x, rng, strength=0.0 if mild else 1.0, span=span)
        if speech is None:
            return y, None
        a, b, pre = span
        mapped = np.zeros(y.size, dtype=np.float32)
        mapped[pre : pre + (b - a)] = speech[a:b]
        return y, mapped
    chain = KEEP_TIMING_CHAINS.get(variant.rstrip("0123456789"))
    if chain is not None:
        y, _ = chain(x, np.random.default_rng(_seed(CACHE_VERSION, path, variant)))
    else:
        y = channels.apply_condition(x, variant, seed=_seed("cond", Path(path).name, variant))
    return y, None if speech is None else speech[: y.size]


def _cache_file(cache_dir: Path, clip_path: str, variant: str, cfg: FeatureConfig) -> Path:
    h = hashlib.sha1(f"{CACHE_VERSION}|{clip_path}|{variant}|{json.dumps(cfg.to_dict(), sort_keys=True)}".encode()).hexdigest()[:20]
    return cache_dir / h[:2] / f"{h}.npz"


def _work(args: tuple[str, list[str], str, dict]) -> None:
    path, variants, cache_dir, cfg_d = args
    cfg = FeatureConfig.from_dict(cfg_d)
    todo = [v for v in variants if not _cache_file(Path(cache_dir), path, v, cfg).is_file()]
    if not todo:
        return
    try:
        x = read_audio(path, cfg.sample_rate)[: int(MAX_EVAL_SECONDS * cfg.sample_rate)]
        speech = _speech_samples(x, cfg)
    except Exception as exc:  # a vanished or unreadable file is skipped, not fatal
        print(f"cache: cannot read {path}: {exc}", flush=True)
        return
    for v in todo:
        cap = int((MAX_TRAIN_SECONDS if v.startswith(TRAINING_PREFIXES) else MAX_EVAL_SECONDS) * cfg.sample_rate)
        out = _cache_file(Path(cache_dir), path, v, cfg)
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            y, sp = variant_audio(x[:cap], path, v, speech[:cap])
        except Exception as exc:  # a failed codec run must not stop the whole cache
            print(f"cache: {path} {v}: {exc}", flush=True)
            y, sp = x[:cap], speech[:cap]
        f = compute_features(y, cfg)
        tmp = out.with_name(out.stem + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, f=f.astype(np.float16), p=_frame_values(sp, f.shape[0], cfg))
        tmp.replace(out)


def build(clips: list[Clip], variants: list[str], cfg: FeatureConfig, cache_dir: Path = DEFAULT_CACHE, workers: int = 2) -> None:
    """Compute every missing (clip, variant) feature file."""
    jobs = [(c.path, variants, str(cache_dir), cfg.to_dict()) for c in clips]
    if workers <= 1:
        for j in jobs:
            _work(j)
        return
    with get_context("fork").Pool(workers) as pool:
        for i, _ in enumerate(pool.imap_unordered(_work, jobs, chunksize=4)):
            if (i + 1) % 200 == 0:
                print(f"cache: {i + 1}/{len(jobs)} clips", flush=True)


def load(clip: Clip, variant: str, cfg: FeatureConfig, cache_dir: Path = DEFAULT_CACHE) -> tuple[np.ndarray, np.ndarray]:
    """(features float16 (frames, bands), speech mask bool (frames,))."""
    with np.load(_cache_file(cache_dir, clip.path, variant, cfg)) as z:
        return z["f"], z["p"].astype(np.float32) >= SPEECH_THRESHOLD


def available(clip: Clip, variants: list[str], cfg: FeatureConfig, cache_dir: Path = DEFAULT_CACHE) -> bool:
    return all(_cache_file(cache_dir, clip.path, v, cfg).is_file() for v in variants)
