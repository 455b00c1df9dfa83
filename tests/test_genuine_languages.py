"""benchmarks/genuine_languages.py: genuine scores by language, from hand-made records and a manifest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import genuine_languages as gl  # noqa: E402


def test_language_comes_from_corpus_or_speaker_label_and_is_never_guessed():
    assert gl.language_of("vctk", "p225") == "en"
    assert gl.language_of("mls_pt", "12249") == "pt"
    assert gl.language_of("mls", "audios:mls_polish_8758_8338_000023_gt") == "pl"
    assert gl.language_of("mls", "13211") is None  # an MLS clip whose label does not say which language
    assert gl.language_of("mspeechtokenizer_demo", "zh_1") == "zh"
    assert gl.language_of("tedx", "") is None


def test_auc_counts_pairs_and_ties():
    assert gl.auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert gl.auc(np.array([1.0]), np.array([1.0])) == 0.5
    assert gl.auc(np.array([1.0, 3.0]), np.array([2.0])) == 0.5


def test_report_flags_and_shift(tmp_path: Path, capsys):
    manifest = tmp_path / "manifest.csv"
    lines = ["path,label,system,corpus,speaker"]
    records = []
    for i in range(6):
        for lang, corpus, speaker, score in (("en", "vctk", f"p{i}", 0.1 + 0.01 * i),
                                             ("fr", "mls", f"audios:mls_french_{i}_1_0_gt", 0.51 + 0.05 * i)):
            path = f"real/{lang}{i}.flac"
            lines.append(f"{path},real,,{corpus},{speaker}")
            records.append({"path": str(tmp_path / path), "label": 0, "unit": speaker, "condition": "clean",
                            "score": score, "threshold": 0.7})
    records.append({"path": str(tmp_path / "fake.flac"), "label": 1, "unit": "sys", "condition": "clean", "score": 1.0,
                    "threshold": 0.7})
    manifest.write_text("\n".join(lines) + "\n")
    (tmp_path / "rec.json").write_text(json.dumps(records))
    assert gl.main([str(tmp_path / "rec.json"), "--manifest", str(manifest)]) == 0
    out = capsys.readouterr().out
    assert "| en | 6 | 6 | 0.0% | 0.0% | 0.125 |" in out
    assert "| fr | 6 | 6 | 33.3% | 83.3% | 0.635 |" in out  # 0.71, 0.76 flagged; 0.56-0.66 within 0.15
    assert "AUC non-English vs English genuine copies: 1.000" in out


def test_missing_manifest_is_one_line(tmp_path: Path):
    with pytest.raises(SystemExit, match="manifest not found"):
        gl.main([str(tmp_path / "rec.json"), "--manifest", str(tmp_path / "none.csv")])
