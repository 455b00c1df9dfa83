"""Re-creations of REAL shared clips: same speaker and words as real, only the vocoder differs."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ..common import SR, Clip, Engine, to_16k

MAX_SOURCE_S = 12.0  # longer real clips are cut (from the start) before resynthesis


@dataclass(frozen=True)
class RealSource:
    path: str  # relative to the shared folder
    corpus: str
    speaker: str
    license: str


def spread_sources(manifest: Path, seed: int) -> list[RealSource]:
    """Real clips ordered so any prefix is spread over corpora, then speakers (seeded round-robin)."""
    with open(manifest, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"] == "real"]
    if not rows:
        return []
    rng = np.random.default_rng(seed)
    by_corpus: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in sorted(rows, key=lambda r: r["path"]):
        by_corpus[r["corpus"]][r["speaker"]].append(r)
    queues = {}
    for corpus, speakers in sorted(by_corpus.items()):
        for clips in speakers.values():
            rng.shuffle(clips)
        names = sorted(speakers)
        rng.shuffle(names)
        order: list[dict] = []
        depth = max(len(c) for c in speakers.values())
        for d in range(depth):  # speaker round-robin inside the corpus
            order.extend(speakers[s][d] for s in names if d < len(speakers[s]))
        queues[corpus] = order
    out: list[RealSource] = []
    corpora = sorted(queues)
    rng.shuffle(corpora)
    for d in range(max(len(q) for q in queues.values())):  # corpus round-robin
        out.extend(RealSource(queues[c][d]["path"], c, queues[c][d]["speaker"], queues[c][d]["license"])
                   for c in corpora if d < len(queues[c]))
    return out


def training_sources(sources: Sequence[RealSource], shared_root: Path) -> list[RealSource]:
    """Only clips whose speaker the training split holds: a resynthesised validation or test speaker would train
    the model to call that very voice fake."""
    from deepfake_live.training.data import Clip as DataClip
    from deepfake_live.training.data import split_of

    def split(src: RealSource) -> str:
        clip = DataClip(path=str(shared_root / src.path), label=0, system="real", corpus=src.corpus, speaker=src.speaker,
                        orig_sr=SR, duration_s=0.0, license=src.license, source_repo="", manifest="")
        return split_of(clip)

    return [s for s in sources if split(s) == "train"]


class ResynthEngine(Engine):
    """Base for vocoders that re-create a real clip: same speaker and words, only the vocoder differs."""

    resynthesis = True

    def __init__(self, shared_root: Path, sources: Sequence[RealSource]) -> None:
        self.shared_root = shared_root
        self.sources = list(sources)
        self._next = 0

    def missing(self) -> str | None:
        return None if self.sources else f"no real clips found in {self.shared_root / 'manifest.csv'}"

    def next_source(self) -> tuple[RealSource, np.ndarray]:
        """The next real clip in spread order (wrapping around), mono 16 kHz, cut to MAX_SOURCE_S."""
        src = self.sources[self._next % len(self.sources)]
        self._next += 1
        audio, sr = sf.read(str(self.shared_root / src.path), dtype="float64", always_2d=False)
        audio = audio.mean(axis=1) if audio.ndim > 1 else audio
        if sr != SR:
            audio = to_16k(audio, sr).astype(np.float64)
        return src, np.ascontiguousarray(audio[: int(MAX_SOURCE_S * SR)])

    def vocode(self, x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        raise NotImplementedError

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        src, x = self.next_source()
        y, _settings = self.vocode(x, rng)
        lic = f"derived from a real clip ({src.license})"
        return Clip(y.astype(np.float32), SR, src.speaker, src.path, lic, tag=Path(src.path).stem[:60], voice=src.speaker)
