"""The committed lists of genuine speech (false-alarm probes no model trains on): buildable by
the shared builder, and never a way in for data we must not use (non-commercial licences, reserved generator families,
synthetic clips, one voice dominating, clips we already have, a clip in both lists)."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest

from deepfake_live.training.data import (
    GENUINE_EXTRA_SOURCES,
    GENUINE_PROBE_SOURCES,
    PROBE_GENUINE_PREFIX,
    SHARED_ROOT,
    WIDEN_GENUINE_PREFIX,
    is_noncommercial,
    is_reserved,
)

BUILDER_COLUMNS = ["repo", "ref", "path_in_repo", "blob", "label", "system", "corpus", "speaker", "license"]


LISTS = {GENUINE_EXTRA_SOURCES: (WIDEN_GENUINE_PREFIX, 60, 40), GENUINE_PROBE_SOURCES: (PROBE_GENUINE_PREFIX, 50, 15)}


def _rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == BUILDER_COLUMNS  # build.py's format, so one builder serves both lists
        return list(reader)


@pytest.mark.parametrize("path", list(LISTS), ids=lambda p: p.stem)
def test_every_listed_clip_is_genuine_licensed_and_addressed_by_blob(path):
    prefix, least, per_repo = LISTS[path]
    rows = _rows(path)
    assert len(rows) >= least
    for r in rows:
        where = f"{r['repo']}:{r['path_in_repo']}"
        assert r["label"] == "real" and r["system"] == "real", where
        assert r["corpus"].startswith(prefix), where  # so data.split_of never trains on it
        assert re.fullmatch(r"[0-9a-f]{40}", r["ref"]) and re.fullmatch(r"[0-9a-f]{40}", r["blob"]), where
        assert r["license"].strip() and not is_noncommercial(r["license"]), where
        assert not is_reserved(r["repo"].replace("/", " ")), where
        assert r["speaker"].startswith(r["repo"] + ":"), where  # speaker ids cannot collide with another set's
    assert len({r["blob"] for r in rows}) == len(rows)
    assert max(Counter(r["speaker"] for r in rows).values()) <= 5
    assert max(Counter(r["repo"] for r in rows).values()) <= per_repo


def test_the_two_lists_share_no_repository():
    assert not {r["repo"] for r in _rows(GENUINE_EXTRA_SOURCES)} & {r["repo"] for r in _rows(GENUINE_PROBE_SOURCES)}


def test_no_repository_or_recording_of_the_shared_sets_is_listed_again():
    extra = SHARED_ROOT / "extra" / "sources.csv"
    speech = SHARED_ROOT / "speech" / "manifest.csv"
    if not (extra.is_file() and speech.is_file()):
        pytest.skip("needs ../shared beside the checkout")
    with open(extra, newline="", encoding="utf-8") as fh:
        listed = list(csv.DictReader(fh))
    with open(speech, newline="", encoding="utf-8") as fh:
        speech_repos = {r["source_repo"] for r in csv.DictReader(fh)}
    for path in LISTS:
        rows = _rows(path)
        assert not {r["repo"] for r in rows} & ({r["repo"] for r in listed} | speech_repos)
        assert not {r["blob"] for r in rows} & {r["blob"] for r in listed}
