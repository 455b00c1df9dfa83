"""Clip files and ``manifest.csv``: the shared manifest's columns plus engine, voice and language.

The manifest is rewritten (atomically) after every clip, so an interrupted run still leaves a valid
manifest of exactly the clips that exist.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf

from .common import SR, Clip, Engine, finish

BASE_COLUMNS = ["path", "label", "system", "corpus", "speaker", "orig_sr", "duration_s", "source_repo", "source_path", "license"]
EXTRA_COLUMNS = ["engine", "voice", "language"]  # readers use DictReader, so extra columns are harmless
COLUMNS = BASE_COLUMNS + EXTRA_COLUMNS
SOURCE_REPO = "deepfake-live (generated locally)"


def write_clip(out_dir: Path, engine: Engine, clip: Clip, index: int, rng: np.random.Generator) -> dict[str, str]:
    """Finish, save as 16-bit FLAC and return the manifest row."""
    tts = not engine.resynthesis
    audio = finish(clip.audio, rng, trim=tts, set_level=tts)
    name = f"{engine.system}_{index:04d}" + (f"__{clip.tag}" if clip.tag else "") + ".flac"
    rel = Path(engine.system) / name
    (out_dir / rel.parent).mkdir(parents=True, exist_ok=True)
    sf.write(str(out_dir / rel), audio, SR, format="FLAC", subtype="PCM_16")
    return {
        "path": rel.as_posix(), "label": "fake", "system": engine.system, "corpus": engine.corpus,
        "speaker": clip.speaker, "orig_sr": str(clip.orig_sr), "duration_s": f"{audio.size / SR:.3f}",
        "source_repo": SOURCE_REPO, "source_path": clip.source_path, "license": clip.license,
        "engine": engine.system, "voice": clip.voice or clip.speaker, "language": clip.language,
    }


def complete_row(row: dict[str, str]) -> dict[str, str]:
    """A row in COLUMNS order; rows written before the extra columns existed get engine=system, voice=speaker."""
    defaults = {"engine": row.get("system", ""), "voice": row.get("speaker", ""), "language": ""}
    return {c: row.get(c) or defaults.get(c, "") for c in COLUMNS}


def read_manifest(out_dir: Path) -> list[dict[str, str]]:
    """Rows of ``out_dir/manifest.csv`` whose audio file exists (empty when there is none)."""
    path = out_dir / "manifest.csv"
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as fh:
        return [complete_row(r) for r in csv.DictReader(fh) if (out_dir / r["path"]).is_file()]


def write_manifest(out_dir: Path, rows: Sequence[dict[str, str]]) -> Path:
    """Write ``manifest.csv`` via a temporary file and a rename: readers never see half a file."""
    path = out_dir / "manifest.csv"
    tmp = path.with_name(f".manifest.{os.getpid()}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)
    return path
