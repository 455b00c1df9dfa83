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

CACHE_VERSION = 3  # 3: Silero speech probability per frame instead of the energy-VAD mask
DEFAULT_CACHE = Path("data_cache/features")


def _seed(*parts: object) -> int:
    return int(hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:8], 16)


def _featurise(y: np.ndarray, cfg: FeatureConfig) -> tuple[np.ndarray, np.ndarray]:
    """Features and the speech probability of each frame, both of the channel-processed audio."""
    f = compute_features(y, cfg)
    return f.astype(np.float16), frame_speech_probability(y, cfg).astype(np.float16)


def variant_audio(x: np.ndarray, path: str, variant: str) -> np.ndarray:
    """Audio of one named variant: 'aug0'..'augN' (training) or an evaluation condition name."""
    if variant.startswith("aug"):
        k = int(variant[3:])
        rng = np.random.default_rng(_seed(CACHE_VERSION, path, variant))
        y, _ = channels.random_chain(x, rng, strength=0.0 if k == 0 else 1.0)
        return y
    return channels.apply_condition(x, variant, seed=_seed("cond", Path(path).name, variant))


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
        x = read_audio(path, cfg.sample_rate)
    except Exception as exc:  # a vanished or unreadable file is skipped, not fatal
        print(f"cache: cannot read {path}: {exc}", flush=True)
        return
    for v in todo:
        out = _cache_file(Path(cache_dir), path, v, cfg)
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            f, m = _featurise(variant_audio(x, path, v), cfg)
        except Exception as exc:  # a failed codec run must not stop the whole cache
            print(f"cache: {path} {v}: {exc}", flush=True)
            f, m = _featurise(x, cfg)
        tmp = out.with_name(out.stem + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, f=f, p=m)
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
