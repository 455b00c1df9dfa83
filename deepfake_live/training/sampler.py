"""Balanced window batches from cached features (numpy only).

Half of every batch is real, half fake. Real clips are drawn with corpus mass
proportional to sqrt(clips in corpus); fakes with equal mass per generator family
and sqrt-mass per system inside a family: no corpus, voice or prolific generator
dominates, yet tiny groups are not replayed hundreds of times.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from deepfake_live.training.data import PAIRED_RESYNTH_CORPORA, Clip

MIN_VOICED = 0.5  # training windows must be at least half voiced frames
EQ_PROBABILITY = 0.5  # share of training windows given a random spectral tilt/ripple (when eq_db > 0)
BAND_MASK = 6  # the shipped recipe's widest SpecAugment band mask, in bands


def random_eq(n_bands: int, rng: np.random.Generator, max_db: float) -> np.ndarray:
    """A random smooth frequency response in dB, to add to log-power bands: a tilt of up to +/- max_db
    across the band and a ripple through 6 control points of up to +/- max_db / 2.

    Microphones, rooms and recording chains colour each corpus (and each generator's training data) in
    their own way; adding a filter's response on the log-power scale is what that filter does to the
    features, so a model trained with it cannot tell real from fake by a corpus's colouring alone.
    """
    x = np.linspace(-1.0, 1.0, n_bands)
    tilt = rng.uniform(-max_db, max_db) * x / 2.0
    ripple = np.interp(x, np.linspace(-1.0, 1.0, 6), rng.uniform(-max_db / 2.0, max_db / 2.0, 6))
    return (tilt + ripple).astype(np.float32)


@dataclass
class ClipFeatures:
    clip: Clip
    variants: list[np.ndarray]  # float16 (frames, bands) per channel variant
    starts: list[np.ndarray]  # valid window starts per variant


def valid_starts(mask: np.ndarray, n_frames: int, window: int, min_voiced: float = MIN_VOICED) -> np.ndarray:
    if n_frames < window:
        return np.zeros(1, dtype=np.int64)  # padded by the sampler
    c = np.concatenate([[0], np.cumsum(mask[:n_frames].astype(np.int64))])
    s = np.arange(n_frames - window + 1)
    frac = (c[s + window] - c[s]) / window
    good = s[frac >= min_voiced]
    return good if good.size else s


def clip_weights(clips: list[Clip], resynth_share: float = 0.0) -> np.ndarray:
    """Sampling probability of each clip within its class.

    ``resynth_share`` > 0 gives the copy-syntheses of real clips (``PAIRED_RESYNTH_CORPORA``) that share of the fake
    mass, split among them as usual, and the other fakes the rest (0: every fake by family and system alone)."""
    w = np.zeros(len(clips))
    real = [i for i, c in enumerate(clips) if c.label == 0]
    fake = [i for i, c in enumerate(clips) if c.label == 1]
    corp = Counter(clips[i].corpus for i in real)
    for i in real:
        n = corp[clips[i].corpus]
        w[i] = np.sqrt(n) / n
    if real:
        w[real] /= w[real].sum()
    sys_n = Counter(clips[i].system for i in fake)
    fam_systems: dict[str, set[str]] = {}
    for i in fake:
        fam_systems.setdefault(clips[i].family, set()).add(clips[i].system)
    fam_mass = {f: sum(np.sqrt(sys_n[s]) for s in ss) for f, ss in fam_systems.items()}
    for i in fake:
        c = clips[i]
        n = sys_n[c.system]
        w[i] = (1.0 / len(fam_systems)) * (np.sqrt(n) / fam_mass[c.family]) / n
    if fake:
        w[fake] /= w[fake].sum()
    paired = np.array([i for i in fake if clips[i].corpus in PAIRED_RESYNTH_CORPORA], dtype=int)
    if resynth_share > 0 and 0 < paired.size < len(fake):
        others = np.setdiff1d(np.array(fake), paired)
        w[paired] *= resynth_share / w[paired].sum()
        w[others] *= (1.0 - resynth_share) / w[others].sum()
    return w


@dataclass(frozen=True)
class WindowAugment:
    """How CNN training windows are drawn and augmented on the fly (the channel chains are cached per clip variant)."""

    eq_db: float = 0.0  # random spectral tilt/ripple of up to +/- eq_db on EQ_PROBABILITY of windows (0: off)
    max_band_mask: int = BAND_MASK  # SpecAugment band masks of 1..max_band_mask bands
    resynth_share: float = 0.0  # share of fake windows drawn from copy-syntheses of real clips (0: by family and system)

    def describe(self) -> list[str]:
        """The lines this adds to the recipe's augmentation list (none for the defaults)."""
        out = []
        if self.eq_db > 0:
            out.append(f"random spectral tilt/ripple up to +/- {self.eq_db:g} dB on {EQ_PROBABILITY:.0%} of CNN training windows")
        if self.max_band_mask != BAND_MASK:
            out.append(f"band masks up to {self.max_band_mask} bands")
        if self.resynth_share > 0:
            out.append(f"{self.resynth_share:.0%} of fake windows from copy-syntheses of real training clips "
                       "(WORLD, Griffin-Lim, HiFi-GAN)")
        return out


SHIPPED_AUGMENT = WindowAugment()


class BatchSampler:
    """Infinite generator of (x (B, frames, bands, 1) float32, y (B,)) balanced batches."""

    def __init__(self, data: list[ClipFeatures], window: int, batch: int = 64, seed: int = 0, spec_augment: bool = True,
                 augment: WindowAugment = SHIPPED_AUGMENT) -> None:
        self.data = data
        self.augment = augment
        self.window = window
        self.batch = batch
        self.rng = np.random.default_rng(seed)
        self.spec_augment = spec_augment
        clips = [d.clip for d in data]
        w = clip_weights(clips, augment.resynth_share)
        self.real = np.array([i for i, c in enumerate(clips) if c.label == 0])
        self.fake = np.array([i for i, c in enumerate(clips) if c.label == 1])
        self.p_real = w[self.real] / w[self.real].sum()
        self.p_fake = w[self.fake] / w[self.fake].sum()

    def window_of(self, d: ClipFeatures, rng: np.random.Generator) -> np.ndarray:
        v = int(rng.integers(len(d.variants)))
        f, st = d.variants[v], d.starts[v]
        s = int(st[rng.integers(st.size)])
        w = f[s : s + self.window].astype(np.float32)
        if w.shape[0] < self.window:
            reps = -(-self.window // max(w.shape[0], 1))
            w = np.concatenate([w] * reps)[: self.window]
        return w

    def _mask(self, w: np.ndarray) -> np.ndarray:
        rng = self.rng
        m = float(w.mean())
        if rng.random() < 0.3:
            b = int(rng.integers(1, self.augment.max_band_mask + 1))
            s = int(rng.integers(0, w.shape[1] - b))
            w[:, s : s + b] = m
        if rng.random() < 0.3:
            t = int(rng.integers(1, 11))
            s = int(rng.integers(0, w.shape[0] - t))
            w[s : s + t, :] = m
        return w

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        half = self.batch // 2
        idx = np.concatenate([
            self.rng.choice(self.real, half, p=self.p_real),
            self.rng.choice(self.fake, self.batch - half, p=self.p_fake),
        ])
        xs = []
        for i in idx:
            w = self.window_of(self.data[i], self.rng)
            if self.spec_augment and self.augment.eq_db > 0 and self.rng.random() < EQ_PROBABILITY:
                w += random_eq(w.shape[1], self.rng, self.augment.eq_db)
            xs.append(self._mask(w) if self.spec_augment else w)
        y = np.array([self.data[i].clip.label for i in idx], dtype=np.float32)
        return np.stack(xs)[..., None], y

    def __iter__(self):
        while True:
            yield self.next_batch()
