"""The local fake-speech generator writes valid 16 kHz clips and a manifest the loaders can read."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deepfake_live.training import generate as gen

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng binary not installed")


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_espeak_and_flite_clips(tmp_path: Path) -> None:
    # A tiny budget gives exactly one clip per engine; flite is skipped (with a note) when absent.
    rows = gen.generate(tmp_path, {"espeak_ng": 0.5, "flite": 0.5}, seed=7, shared_root=tmp_path / "no_shared", log=lambda _: None)
    expected = {"espeak_ng"} | ({"flite"} if shutil.which("flite") else set())
    assert sorted(r["system"] for r in rows) == sorted(expected)

    header, written = _rows(tmp_path / "manifest.csv")
    assert header == gen.COLUMNS
    assert written == rows
    for row in written:
        assert row["label"] == "fake"
        assert row["corpus"] == f"generated_{'espeak_ng' if row['system'] == 'espeak_ng' else 'flite'}"
        assert row["source_repo"] == gen.SOURCE_REPO
        assert row["speaker"] and row["license"] and "sentences" in row["source_path"]
        assert int(row["orig_sr"]) >= 8000
        info = sf.info(str(tmp_path / row["path"]))
        assert (info.samplerate, info.channels, info.format) == (16000, 1, "FLAC")
        audio, _ = sf.read(str(tmp_path / row["path"]), dtype="float32")
        assert abs(audio.size / 16000 - float(row["duration_s"])) < 1e-3
        assert 0.5 < audio.size / 16000 < 30
        assert float(np.sqrt(np.mean(audio**2))) > 1e-3  # speech, not silence
        assert float(np.max(np.abs(audio))) <= 0.99


def test_same_seed_same_clips(tmp_path: Path) -> None:
    # Deterministic for the non-neural engines: same seed, same audio.
    a = gen.generate(tmp_path / "a", {"espeak_ng": 0.5}, seed=3, shared_root=tmp_path, log=lambda _: None)
    b = gen.generate(tmp_path / "b", {"espeak_ng": 0.5}, seed=3, shared_root=tmp_path, log=lambda _: None)
    assert a == b
    x, _ = sf.read(str(tmp_path / "a" / a[0]["path"]))
    y, _ = sf.read(str(tmp_path / "b" / b[0]["path"]))
    assert np.array_equal(x, y)


def test_finish_pads_and_limits() -> None:
    rng = np.random.default_rng(0)
    speech = np.concatenate([np.zeros(8000), 0.5 * np.sin(np.arange(16000) * 0.1), np.zeros(8000)]).astype(np.float32)
    out = gen.finish(speech, rng, trim=True, set_level=True)
    assert 16000 <= out.size <= 16000 + 2 * int(gen.MAX_PAD_S * gen.SR) + 3 * 160
    assert float(np.max(np.abs(out))) <= 0.98


def test_plan_splits_minutes() -> None:
    budget = gen.plan(40, None)
    assert set(budget) == set(gen.ENGINE_SHARES)
    assert sum(budget.values()) == pytest.approx(2400)
    assert gen.plan(10, ["flite"]) == {"flite": pytest.approx(600 * gen.ENGINE_SHARES["flite"])}
    with pytest.raises(ValueError):
        gen.plan(10, ["nope"])
    assert "hifigan_resynth" not in budget  # opt-in: a default run rebuilds the shipped model's data
    opt_in = gen.plan(gen.DEFAULT_MINUTES, ["hifigan_resynth"])
    assert opt_in == {"hifigan_resynth": pytest.approx(60 * gen.OPT_IN_MINUTES["hifigan_resynth"])}


def test_espeak_ipa_mapped_to_kokoro_symbols() -> None:
    # espeak writes diphthongs and affricates as two symbols tied by a zero-width joiner.
    assert gen.espeak_to_kokoro("həlˈo\u200dʊ\n") == "həlˈO"
    assert gen.espeak_to_kokoro("d\u200dʒˈʌd\u200dʒ t\u200dʃˈɜːt\u200dʃ b\u200dˈɔ\u200dɪ") == "ʤˈʌʤ ʧˈɜɹʧ bˈY"
    assert gen.espeak_to_kokoro("pˈe\u200dɪ ɐ kˈɑːɹ") == "pˈA ə kˈɑɹ"


def test_real_sources_spread_over_corpora(tmp_path: Path) -> None:
    lines = [",".join(gen.COLUMNS)]
    for corpus, n_spk, n_clips in (("big", 5, 20), ("small", 1, 2), ("mid", 2, 6)):
        for i in range(n_clips):
            lines.append(f"real/{corpus}/{i}.flac,real,,{corpus},{corpus}_s{i % n_spk},16000,3.0,repo,src,CC-BY-4.0")
    lines.append("fake/x/0.flac,fake,tts,big,big_s0,16000,3.0,repo,src,CC-BY-4.0")
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    order = gen.spread_sources(tmp_path / "manifest.csv", seed=1)
    assert len(order) == 28 and all(not s.path.startswith("fake/") for s in order)
    assert {s.corpus for s in order[:3]} == {"big", "small", "mid"}  # every corpus early on
    assert len({s.speaker for s in order if s.corpus == "big"}) == 5
    assert len({s.speaker for s in order[:12] if s.corpus == "big"}) == 5  # speakers before repeats
    assert order == gen.spread_sources(tmp_path / "manifest.csv", seed=1)
