"""Clips from one or more manifests, generator families, and speaker/generator splits.

Splits are by speaker (hash of the speaker id, or of the corpus when the speaker
is unknown) and by generator (some systems never enter training), never by clip,
so that no voice or generator leaks between training and the figures reported.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# The shared data set lies beside the checkout: <parent>/shared/data/speech
SHARED_MANIFEST = Path(__file__).resolve().parents[3] / "shared" / "data" / "speech" / "manifest.csv"
GENERATED_MANIFEST = Path("data_cache/generated/manifest.csv")

# Ordered keyword rules: the first keyword found in the system name decides its family.
FAMILY_RULES: list[tuple[str, str]] = [
    ("griffinlim", "classic"), ("griffin", "classic"), ("world", "classic"), ("espeak", "classic"),
    ("flite", "classic"), ("festival", "classic"), ("formant", "classic"),
    ("diff_hiervc", "diffusion"), ("diffwave", "diffusion"), ("diffvc", "diffusion"), ("dddm", "diffusion"),
    ("wavenet", "ar_flow"), ("wavernn", "ar_flow"), ("waveglow", "ar_flow"), ("waveflow", "ar_flow"),
    ("clarinet", "ar_flow"), ("tacotron2_paperdemo", "ar_flow"),
    ("melgan", "gan"), ("hifigan", "gan"), ("univnet", "gan"), ("bigvgan", "gan"),
    ("maskgct", "codec_lm"), ("bark", "codec_lm"), ("tortoise", "codec_lm"), ("megatts", "codec_lm"),
    ("hierspeech", "vits_vc"), ("hiervst", "vits_vc"), ("freevc", "vits_vc"), ("vqmivc", "vits_vc"),
    ("autovc", "vits_vc"), ("ppg", "vits_vc"), ("voicemixer", "vits_vc"), ("piper", "vits_vc"), ("vits", "vits_vc"),
    ("kokoro", "vits_vc"),
]
FAMILIES = ["classic", "ar_flow", "gan", "diffusion", "codec_lm", "vits_vc"]

# Generators kept out of training entirely (mostly modern ones): the "unseen generator" test.
HELD_OUT_SYSTEMS = frozenset({
    "bark", "freevc", "dddm_vc", "diffvc", "bigvgan", "megatts", "hierspeechpp_vc", "maskgct_vc", "maskgct_edit",
    "univnet", "waveflow", "forwardtacotron_wavernn", "transformertts_griffinlim", "hiervst",
})
# Voices kept in training whatever their hash: LJSpeech carries most old-vocoder fakes, and the locally
# generated Piper voice is its generator's only voice, so a speaker split can only put all of Piper in one
# split. In test it was an unseen generator counted as a "seen" one, and training lost its only VITS TTS.
ALWAYS_TRAIN_SPEAKERS = frozenset({"lj", "piper_joe"})
SPLIT_FRACTIONS = (0.60, 0.20)  # train, val; the rest is test


def family_of(system: str) -> str:
    s = system.lower()
    for key, fam in FAMILY_RULES:
        if key in s:
            return fam
    return "other"


@dataclass(frozen=True)
class Clip:
    path: str  # absolute
    label: int  # 1 = fake
    system: str
    corpus: str
    speaker: str
    orig_sr: int
    duration_s: float
    license: str
    source_repo: str
    manifest: str
    family: str = field(default="")

    @property
    def group(self) -> str:
        """Unit of the speaker split."""
        spk = self.speaker.strip().lower()
        return f"spk:{spk}" if spk else f"corpus:{self.corpus}"

    @property
    def key(self) -> str:
        return hashlib.sha1(self.path.encode()).hexdigest()[:16]


def read_manifest(path: str | Path) -> list[Clip]:
    path = Path(path)
    clips = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            p = Path(row["path"])
            if not p.is_absolute():
                p = path.parent / p
            label = 1 if row["label"].strip().lower() == "fake" else 0
            system = row.get("system", "").strip() or ("real" if label == 0 else "unknown")
            clips.append(Clip(
                path=str(p.resolve()), label=label, system=system if label else "real", corpus=row.get("corpus", "").strip(),
                speaker=row.get("speaker", "").strip(), orig_sr=int(float(row.get("orig_sr") or 16000)),
                duration_s=float(row.get("duration_s") or 0.0), license=row.get("license", "").strip(),
                source_repo=row.get("source_repo", "").strip(), manifest=str(path), family=family_of(system) if label else "real",
            ))
    return clips


def read_manifests(paths: list[str | Path]) -> list[Clip]:
    out: list[Clip] = []
    seen: set[str] = set()
    for p in paths:
        for c in read_manifest(p):
            if c.path not in seen and Path(c.path).is_file():
                seen.add(c.path)
                out.append(c)
    return out


def default_manifests() -> list[Path]:
    return [p for p in (SHARED_MANIFEST, GENERATED_MANIFEST) if p.is_file()]


def _bucket(group: str, seed: int) -> float:
    h = hashlib.sha1(f"{seed}:{group}".encode()).hexdigest()
    return int(h[:8], 16) / 0xFFFFFFFF


def split_of(clip: Clip, seed: int = 0, held_out: frozenset[str] = HELD_OUT_SYSTEMS) -> str:
    """'train', 'val', 'test' (held-out speakers) or 'unseen' (held-out generator)."""
    if clip.label == 1 and clip.system in held_out:
        return "unseen"
    spk = clip.speaker.strip().lower()
    if spk in ALWAYS_TRAIN_SPEAKERS:
        return "train"
    b = _bucket(clip.group, seed)
    if b < SPLIT_FRACTIONS[0]:
        return "train"
    if b < SPLIT_FRACTIONS[0] + SPLIT_FRACTIONS[1]:
        return "val"
    return "test"


def assign_splits(clips: list[Clip], seed: int = 0) -> dict[str, list[Clip]]:
    out: dict[str, list[Clip]] = defaultdict(list)
    for c in clips:
        out[split_of(c, seed)].append(c)
    return dict(out)


def summarise(clips: list[Clip]) -> dict:
    """Clips/minutes per label, per system, corpora and licences: for the model metadata and card."""
    by_label: dict[str, dict] = {}
    for lab, name in ((0, "real"), (1, "fake")):
        sel = [c for c in clips if c.label == lab]
        by_label[name] = {"clips": len(sel), "minutes": round(sum(c.duration_s for c in sel) / 60.0, 1)}
    systems = Counter(c.system for c in clips if c.label == 1)
    return {
        **by_label,
        "systems": dict(sorted(systems.items())),
        "families": dict(sorted(Counter(c.family for c in clips if c.label == 1).items())),
        "corpora": dict(sorted(Counter(c.corpus for c in clips).items())),
        "licenses": sorted({c.license for c in clips if c.license}),
        "source_repos": sorted({c.source_repo for c in clips if c.source_repo}),
    }
