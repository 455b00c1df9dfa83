"""Does the model read "not English" as "synthetic"? Genuine speech scored by language, from app_verdicts records.

Nearly all genuine training speech is English, while the fakes speak eight languages (Kokoro, SVOX Pico, Open JTalk, the
demo pages). A model can learn that shortcut, and a journalist checking a French or Polish recording would pay for it.
This reads the per-copy records of ``python -m deepfake_live.training.app_verdicts --records R.json`` (validation or
test; every channel copy as the app judged it) and reports, for the genuine clips whose language is known:
copies flagged "likely synthetic", copies at "uncertain" or above (score >= threshold - 0.15), the median score, and the
AUC of non-English against English genuine scores (0.5: no shift; 1.0: every non-English copy scores above every English
one), with a 95% interval from resampling speakers.

    python benchmarks/genuine_languages.py RECORDS.json [RECORDS2.json ...] [--manifest M ...]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deepfake_live.training.metrics import auc, two_sample_ci  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "speech" / "manifest.csv"
EXTRA = ROOT / "data_cache" / "extra" / "manifest.csv"
UNCERTAIN_BAND = 0.15  # the app's "uncertain" verdict: within this much below the threshold
ENGLISH_CORPORA = frozenset({"vctk", "librispeech", "librispeech_testclean", "libritts", "ljspeech", "tortoise_voices",
                             "FreeVC-demo_prompts", "melgan_unseen_speakers"})
CORPUS_LANGUAGE = {"mls_pt": "pt", "korean_speech": "ko"}
MLS_LANGUAGES = {"dutch": "nl", "english": "en", "french": "fr", "german": "de", "italian": "it", "polish": "pl",
                 "portuguese": "pt", "spanish": "es"}


def language_of(corpus: str, speaker: str) -> str | None:
    """The language of a genuine clip where its corpus or speaker label says it, else None (not guessed)."""
    if corpus in CORPUS_LANGUAGE:
        return CORPUS_LANGUAGE[corpus]
    if corpus in ENGLISH_CORPORA:
        return "en"
    if corpus == "mls" and (m := re.search(r"mls_([a-z]+)_", speaker)):
        return MLS_LANGUAGES.get(m.group(1))
    if corpus == "mspeechtokenizer_demo" and (m := re.fullmatch(r"([a-z]{2})_\d+", speaker)):
        return m.group(1)
    return None


def manifest_rows(paths: list[Path]) -> dict[str, dict[str, str]]:
    """Manifest rows by absolute clip path (records name clips by the path the data loader resolved)."""
    rows: dict[str, dict[str, str]] = {}
    for manifest in paths:
        if not manifest.is_file():
            raise SystemExit(f"genuine_languages: manifest not found: {manifest}")
        with open(manifest, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                rows[str((manifest.parent / row["path"]).resolve())] = row
    return rows


def report(records: list[dict], rows: dict[str, dict[str, str]]) -> list[str]:
    copies = []
    for r in records:
        row = rows.get(str(Path(r["path"]).resolve()))
        if r["label"] != 0 or row is None:
            continue
        lang = language_of(row["corpus"], row["speaker"])
        if lang is not None:
            copies.append({**r, "lang": lang})
    if not copies:
        return ["no genuine copy with a known language in these records"]
    lines = ["| language | clips | copies | flagged | uncertain or above | median score |", "|---|---|---|---|---|---|"]
    groups: dict[str, list[dict]] = defaultdict(list)
    for c in copies:
        groups[c["lang"]].append(c)
        if c["lang"] != "en":
            groups["all but English"].append(c)
    for lang in sorted(groups, key=lambda g: (g == "all but English", g != "en", g)):
        g = groups[lang]
        s = np.array([c["score"] for c in g])
        thr = np.array([c["threshold"] for c in g])
        lines.append(f"| {lang} | {len({c['path'] for c in g})} | {len(g)} | {np.mean(s >= thr):.1%} | "
                     f"{np.mean(s >= thr - UNCERTAIN_BAND):.1%} | {np.median(s):.3f} |")
    en = [c for c in copies if c["lang"] == "en"]
    other = [c for c in copies if c["lang"] != "en"]
    scores = [np.array([c["score"] for c in side]) for side in (other, en)]
    units = [np.array([c["unit"] for c in side]) for side in (other, en)]
    lo, hi = two_sample_ci(auc, *scores, *units)
    lines.append(f"\nAUC non-English vs English genuine copies: {auc(*scores):.3f} (95% CI {lo:.3f}-{hi:.3f}, speakers resampled)")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records", type=Path, nargs="+", help="app_verdicts --records files")
    ap.add_argument("--manifest", type=Path, action="append", help="manifests (default: shared + data_cache/extra)")
    args = ap.parse_args(argv)
    rows = manifest_rows(args.manifest or [SHARED, EXTRA])
    for path in args.records:
        try:
            records = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SystemExit(f"genuine_languages: cannot read records {path}: {exc}") from None
        print(f"## {path}")
        print("\n".join(report(records, rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
