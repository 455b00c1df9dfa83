"""Clips from one or more manifests, generator families, and generator/speaker splits.

Fakes split by generator (whole generator groups go to train, validation or test), real clips by
speaker (hash of the speaker id, or of the corpus when unknown) with some corpora test-only; never
by clip, so that no generator or voice leaks between training and the figures reported.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# The shared data set lies beside the checkout: <parent>/shared/data/speech
SHARED_ROOT = Path(__file__).resolve().parents[3] / "shared" / "data"
SHARED_MANIFEST = SHARED_ROOT / "speech" / "manifest.csv"
EXTRA_MANIFEST = Path("data_cache/extra/manifest.csv")  # built from ../shared/data/extra (see missing_data_hint)
GENERATED_MANIFEST = Path("data_cache/generated/manifest.csv")
# Genuine speech of kinds the other sets lack, listed in the project; the extra set's builder makes it (opt-in, README "Training")
GENUINE_EXTRA_SOURCES = Path(__file__).resolve().parent / "lists" / "genuine_extra_sources.csv"
# Genuine speech kept as a probe of false alarms on speech no split holds (app_verdicts --manifest): never trains
GENUINE_PROBE_SOURCES = Path(__file__).resolve().parent / "lists" / "genuine_probe_sources.csv"
# Corpora of the generator's copy-syntheses of real clips (WORLD, Griffin-Lim, HiFi-GAN): fakes whose genuine twin
# is in the data, differing only in the vocoder (``train --resynth-share`` can give them a fixed share of fake windows).
PAIRED_RESYNTH_CORPORA = frozenset({"generated_world", "generated_griffinlim", "generated_hifigan"})

# Ordered keyword rules: the first keyword found in the system name decides its family.
# Families group generators by how they make the waveform, for leave-one-family-out validation.
FAMILY_RULES: list[tuple[str, str]] = [
    ("griffinlim", "classic"), ("griffin", "classic"), ("world", "classic"), ("espeak", "classic"),
    ("flite", "classic"), ("festival", "classic"), ("formant", "classic"), ("lpcnet", "classic"),
    # neural codecs and discrete-unit resynthesis of real speech
    ("encodec", "codec"), ("dac", "codec"), ("mimi", "codec"), ("xcodec", "codec"), ("sq_codec", "codec"),
    ("speechtokenizer", "codec"), ("bigcodec", "codec"), ("tf_codec", "codec"), ("llm_codec", "codec"),
    ("higgs", "codec"), ("codec_resynth", "codec"), ("uniaudio2_codec", "codec"), ("speech_resynth", "codec"), ("gslm", "codec"),
    # diffusion / flow-matching acoustic models, vocoders and voice conversion
    ("diff_hiervc", "diffusion"), ("diffwave", "diffusion"), ("diffvc", "diffusion"), ("dddm", "diffusion"),
    ("wavegrad", "diffusion"), ("priorgrad", "diffusion"), ("fregrad", "diffusion"), ("prodiff", "diffusion"),
    ("diffspeech", "diffusion"), ("grad_tts", "diffusion"), ("gradtts", "diffusion"), ("matcha", "diffusion"),
    ("pflow", "diffusion"), ("flashspeech", "diffusion"), ("ditto", "diffusion"), ("e1tts", "diffusion"), ("e3tts", "diffusion"),
    ("ardit", "diffusion"), ("simple_tts", "diffusion"), ("audiobox", "diffusion"), ("naturalspeech3", "diffusion"),
    ("wavenet", "ar_flow"), ("wavernn", "ar_flow"), ("waveglow", "ar_flow"), ("waveflow", "ar_flow"),
    ("clarinet", "ar_flow"), ("tacotron2_paperdemo", "ar_flow"),
    ("melgan", "gan"), ("hifigan", "gan"), ("univnet", "gan"), ("bigvgan", "gan"), ("parallel_wavegan", "gan"),
    ("vocos", "gan"), ("istftnet", "gan"), ("ganspeech", "gan"),
    ("maskgct", "codec_lm"), ("bark", "codec_lm"), ("tortoise", "codec_lm"), ("megatts", "codec_lm"), ("uniaudio", "codec_lm"),
    ("simplespeech", "codec_lm"), ("clam_tts", "codec_lm"), ("mobilespeech", "codec_lm"), ("chattts", "codec_lm"),
    ("qwen", "codec_lm"), ("mimo", "codec_lm"), ("koel", "codec_lm"), ("t5_tts", "codec_lm"),
    ("hierspeech", "vits_vc"), ("hiervst", "vits_vc"), ("freevc", "vits_vc"), ("vqmivc", "vits_vc"),
    ("autovc", "vits_vc"), ("ppg", "vits_vc"), ("voicemixer", "vits_vc"), ("piper", "vits_vc"), ("vits", "vits_vc"),
    ("kokoro", "vits_vc"), ("hibari", "vits_vc"), ("quickvc", "vits_vc"), ("lvc_vc", "vits_vc"), ("adain_vc", "vits_vc"),
    ("again_vc", "vits_vc"),
    ("blow", "vits_vc"), ("nvc_net", "vits_vc"), ("fragmentvc", "vits_vc"), ("assem", "vits_vc"), ("cotatron", "vits_vc"),
    ("mellotron_vc", "vits_vc"), ("knn_vc", "vits_vc"), ("phoneme_hallucinator", "vits_vc"), ("starganv2", "vits_vc"),
    ("melo", "vits_vc"), ("tts", "acoustic"), ("speech", "acoustic"), ("tacotron", "acoustic"), ("mellotron", "acoustic"),
    ("styler", "acoustic"), ("promptstyle", "acoustic"), ("instructtts", "acoustic"),
]
FAMILIES = ["classic", "codec", "diffusion", "ar_flow", "gan", "codec_lm", "vits_vc", "acoustic"]

# Generator families reserved for the project's independent evaluation: never trained on, whatever a
# manifest says (matched against whole parts of the system name, see is_reserved).
RESERVED_FAMILIES = (
    "gptsovits", "indextts", "fireredtts", "xtts", "f5tts", "e2tts", "cosyvoice", "voicecraft", "openvoice", "fishspeech",
    "rvc", "seedvc", "valle", "naturalspeech1", "naturalspeech2", "whisperspeech", "metavoice", "vibevoice", "vevo",
    "styletts", "yourtts", "fastdiff",
)

# Systems that are the same generator under several labels (a vocoder family, a paper's variants) share
# one split unit, so a "held-out" system is never a relabelled copy of a trained one.
GENERATOR_GROUPS: list[tuple[str, str]] = [
    ("hifigan", "hifigan"), ("bigvgan", "bigvgan"), ("melgan", "melgan"), ("maskgct", "maskgct"), ("hierspeech", "hierspeech"),
    ("hiervc", "hierspeech"), ("hiervst", "hierspeech"), ("diffvc", "diffvc"), ("megatts", "megatts"), ("bark", "bark"),
    ("speechtokenizer", "speechtokenizer"), ("uniaudio", "uniaudio"), ("simplespeech", "simplespeech"), ("flashspeech", "flashspeech"),
    ("prodiff", "prodiff"), ("grad_tts", "gradtts"), ("gradtts", "gradtts"), ("assem", "assem"), ("cotatron", "assem"),
    ("mellotron", "mellotron"), ("speech_resynth", "speech_resynth"), ("gslm", "speech_resynth"), ("mobilespeech", "mobilespeech"),
    ("fastspeech", "fastspeech"), ("tacotron2_", "tacotron2"), ("waveglow", "waveglow"), ("wavenet", "wavenet"),
    ("wavernn", "wavernn"), ("transformertts", "transformertts"), ("forwardtacotron", "forwardtacotron"), ("autovc", "autovc"),
    ("e1tts", "e1tts"), ("ardit", "e1tts"), ("bigcodec", "bigcodec"), ("tf_codec", "bigcodec"), ("llm_codec", "bigcodec"),
    ("vs_tts", "vs_tts"), ("instructtts", "vs_tts"), ("promptstyle", "vs_tts"), ("fregrad", "fregrad"), ("priorgrad", "fregrad"),
    ("wavegrad", "fregrad"), ("vocos", "vocos"), ("istftnet", "vocos"), ("matcha", "matcha"), ("generspeech", "generspeech"),
    ("styler", "generspeech"), ("meta_stylespeech", "generspeech"), ("fg_transformertts", "generspeech"),
    ("speedyspeech", "speedyspeech"), ("tacotron2_melgan", "speedyspeech"), ("koel", "koel"), ("t5_tts", "koel"),
    ("portaspeech", "portaspeech"), ("bvae", "portaspeech"), ("lvc_vc", "lvc_vc"), ("adain_vc", "lvc_vc"), ("nvc_net", "lvc_vc"),
    ("blow", "lvc_vc"), ("again_vc", "again_vc"), ("fragmentvc", "again_vc"), ("ditto", "ditto"), ("e3tts", "ditto"),
    ("simple_tts", "ditto"), ("clam_tts", "clam_tts"), ("naturalspeech3", "naturalspeech3"), ("pflow", "flashspeech"),
    ("audiobox", "simplespeech"), ("encodec", "codec_baselines"), ("dac", "codec_baselines"), ("sq_codec", "codec_baselines"),
    ("mimi", "uniaudio2_codecs"), ("xcodec", "uniaudio2_codecs"), ("higgs", "uniaudio2_codecs"),
    ("qwen25", "uniaudio2_llms"), ("mimo", "uniaudio2_llms"), ("chattts", "simplespeech"),
]

# Real corpora kept whole for the test split ("unseen real corpora"): other languages, broadcast, far-field
# and assistant recordings that no model choice was made on.
TEST_REAL_CORPORA = frozenset({"mls_pt", "korean_speech", "tedx", "media_misc", "whisper_timestamped_tests", "voxconverse",
                               "picovoice_rhino_samples"})
# Real voices kept in training whatever their hash: LJSpeech is the voice of many fakes in every split.
ALWAYS_TRAIN_SPEAKERS = frozenset({"lj", "piper_joe"})
# Genuine speech of kinds the shared and extra sets lack (meetings, conversation, noisy rooms, other languages), listed in
# GENUINE_EXTRA_SOURCES under corpus names with this prefix. It was made to widen training (session 13, no gain) but holds
# recordings of corpora the project's independent evaluation uses (AMI, Common Voice, the JFK address), so like the probe
# list (GENUINE_PROBE_SOURCES, ``probe_*``) it is test-only wherever a manifest brings it: both lists judge, neither trains.
WIDEN_GENUINE_PREFIX = "widen_"
PROBE_GENUINE_PREFIX = "probe_"
HELD_OUT_GENUINE_PREFIXES = (WIDEN_GENUINE_PREFIX, PROBE_GENUINE_PREFIX)
SPLIT_FRACTIONS = (0.60, 0.20)  # real speakers: train, val; the rest is test
SYSTEM_FRACTIONS = (0.50, 0.20)  # fake generator groups: train, val; the rest is test (30+ unseen systems)


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


def _clip_of(row: dict, path: Path) -> Clip:
    p = Path(row["path"])
    if not p.is_absolute():
        p = path.parent / p
    label = 1 if row["label"].strip().lower() == "fake" else 0
    system = (row.get("system") or "").strip() or ("real" if label == 0 else "unknown")
    return Clip(
        path=str(p.resolve()), label=label, system=system if label else "real", corpus=(row.get("corpus") or "").strip(),
        speaker=(row.get("speaker") or "").strip(), orig_sr=int(float(row.get("orig_sr") or 16000)),
        duration_s=float(row.get("duration_s") or 0.0), license=(row.get("license") or "").strip(),
        source_repo=(row.get("source_repo") or "").strip(), manifest=str(path), family=family_of(system) if label else "real",
    )


def read_manifest(path: str | Path) -> list[Clip]:
    path = Path(path)
    clips = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not {"path", "label"} <= set(reader.fieldnames or []):
            raise ValueError(f"{path}: not a manifest (needs at least the columns path,label; found {reader.fieldnames})")
        for line, row in enumerate(reader, start=2):
            try:
                clips.append(_clip_of(row, path))
            except (ValueError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path} line {line}: {exc}") from None
    return clips


def is_reserved(system: str) -> bool:
    """True for generators of the families kept for independent evaluation.

    Compared on whole name parts, a version suffix allowed ("gpt_sovits_v2", "styletts2"; "diff_hiervc" is not RVC).
    """
    parts = [t for t in re.split(r"[^a-z0-9]+", system.lower()) if t]
    joined = {"".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}
    return any(j.startswith(r) and re.fullmatch(r"(v?\d+[a-z]?)?", j[len(r):]) for j in joined for r in RESERVED_FAMILIES)


def is_noncommercial(license_text: str) -> bool:
    """True when a clip's licence note says non-commercial (also of the data its generator learnt from): such
    audio never trains the shipped model."""
    t = re.sub(r"\([^)]*not listed[^)]*\)", "", license_text.lower())  # notes on what was left out do not count
    return "non-commercial" in t or "noncommercial" in t or re.search(r"\bby-nc\b|\bby-nc-", t) is not None


def group_of(system: str) -> str:
    """Split unit of a generator: systems that are one generator under several labels share it."""
    s = system.lower()
    for key, group in GENERATOR_GROUPS:
        if key in s:
            return group
    return s


def read_manifests(paths: list[str | Path], log=print) -> list[Clip]:
    """Clips of several manifests, each file once; missing files, reserved generators, non-commercial data and exact
    copies of another clip's audio are left out (and said)."""
    out: list[Clip] = []
    seen: set[str] = set()
    reserved: Counter[str] = Counter()
    noncommercial: Counter[str] = Counter()
    missing = 0
    for p in paths:
        for c in read_manifest(p):
            if is_noncommercial(c.license):
                noncommercial[c.system] += 1
                continue
            if c.label == 1 and is_reserved(c.system):
                reserved[c.system] += 1
                continue
            if c.path in seen:
                continue
            if not Path(c.path).is_file():
                missing += 1
                continue
            seen.add(c.path)
            out.append(c)
    if reserved:
        log(f"data: left out {sum(reserved.values())} clips of generators reserved for independent evaluation: {dict(reserved)}")
    if noncommercial:
        log(f"data: left out {sum(noncommercial.values())} clips whose licence (or their generator's training data) is "
            f"non-commercial: {dict(noncommercial)}")
    if missing:
        log(f"data: {missing} listed clips are missing on disk and were skipped")
    return drop_duplicate_audio(out, log)


def _audio_digest(path: str, frames: int = -1) -> str | None:
    """SHA-1 of the first ``frames`` decoded samples (-1: all) as float32, exact for integer and float files alike (a
    float file read as int16 is truncated to zeros); None when the file cannot be read (the feature cache reports it)."""
    import soundfile as sf

    try:
        samples, _ = sf.read(path, frames=frames, dtype="float32")
    except (OSError, RuntimeError, ValueError):
        return None
    return hashlib.sha1(samples.tobytes()).hexdigest()


def drop_duplicate_audio(clips: list[Clip], log=print) -> list[Clip]:
    """The clips with every exact copy of an earlier clip's audio left out (first listed kept).

    Demo pages repeat a recording under several names (one page's ground truth and each experiment's reference are one
    file): four validation speakers had 11 extra copies, and a copy counts twice in the genuine tail that sets the
    thresholds and in the speaker bootstrap. Only clips of one label and length can be copies, so only those are decoded.
    """
    import soundfile as sf

    by_length: dict[tuple[int, int], list[int]] = {}
    for i, c in enumerate(clips):
        try:
            frames = sf.info(c.path).frames  # the header only
        except (OSError, RuntimeError, ValueError):
            continue
        by_length.setdefault((c.label, frames), []).append(i)
    candidates: dict[tuple, list[int]] = {}  # then by the first second's samples: cheap, and only copies agree on all
    for key, idx in by_length.items():
        for i in idx if len(idx) > 1 else ():
            candidates.setdefault((key, _audio_digest(clips[i].path, 16000)), []).append(i)
    dropped: set[int] = set()
    systems: Counter[str] = Counter()
    for idx in candidates.values():
        if len(idx) < 2:
            continue
        first: dict[str, int] = {}
        for i in idx:
            digest = _audio_digest(clips[i].path)
            if digest is None:
                continue
            if digest in first:
                dropped.add(i)
                systems[clips[i].system if clips[i].label else clips[i].corpus] += 1
            else:
                first[digest] = i
    if dropped:
        log(f"data: left out {len(dropped)} clips whose audio repeats an earlier clip exactly: {dict(systems)}")
    return [c for i, c in enumerate(clips) if i not in dropped]


def default_manifests(log=print) -> list[Path]:
    """The shared set, the extra set built from public mirrors and the locally generated set; says what is missing."""
    found = [p for p in (SHARED_MANIFEST, EXTRA_MANIFEST, GENERATED_MANIFEST) if p.is_file()]
    for line in missing_data_hint():
        log(line)
    return found


def missing_data_hint() -> list[str]:
    """One line per absent data set, naming the command that makes it."""
    lines = []
    if not SHARED_MANIFEST.is_file():
        lines.append(f"data: shared speech not found at {SHARED_MANIFEST} (the project's data folder beside the checkout)")
    if not EXTRA_MANIFEST.is_file():
        lines.append(f"data: extra set not built ({EXTRA_MANIFEST} missing): python3 {SHARED_ROOT / 'extra' / 'build.py'} "
                     f"--mirrors MIRRORS --out {EXTRA_MANIFEST.parent} --jobs 2 (58+ more generators; see its README)")
    if not GENERATED_MANIFEST.is_file():
        lines.append(f"data: local TTS set not generated ({GENERATED_MANIFEST} missing): "
                     f"python -m deepfake_live.training.generate --out {GENERATED_MANIFEST.parent}")
    return lines


def _bucket(group: str, seed: int) -> float:
    h = hashlib.sha1(f"{seed}:{group}".encode()).hexdigest()
    return int(h[:8], 16) / 0xFFFFFFFF


def _by_fraction(b: float, fractions: tuple[float, float]) -> str:
    if b < fractions[0]:
        return "train"
    return "val" if b < fractions[0] + fractions[1] else "test"


def split_of(clip: Clip, seed: int = 0) -> str:
    """'train', 'val' or 'test'.

    Fakes split by generator group, so validation and test fakes all come from generators never trained
    on (locally generated engines always train: they exist to widen training). Real clips split by
    speaker; a few whole corpora (other languages, broadcast, far-field) and the two committed genuine lists
    (``widen_*``, ``probe_*``) are test-only.
    """
    if clip.label == 1:
        if clip.corpus.startswith("generated"):
            return "train"
        return _by_fraction(_bucket(f"gen:{group_of(clip.system)}", seed), SYSTEM_FRACTIONS)
    if clip.corpus in TEST_REAL_CORPORA or clip.corpus.startswith(HELD_OUT_GENUINE_PREFIXES):
        return "test"
    if clip.speaker.strip().lower() in ALWAYS_TRAIN_SPEAKERS:
        return "train"
    return _by_fraction(_bucket(clip.group, seed), SPLIT_FRACTIONS)


def assign_splits(clips: list[Clip], seed: int = 0) -> dict[str, list[Clip]]:
    out: dict[str, list[Clip]] = {"train": [], "val": [], "test": []}
    for c in clips:
        out[split_of(c, seed)].append(c)
    return out


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
