"""pool_study: the pools and their figures on hand-made window logits (the study itself needs the data)."""

from __future__ import annotations

import numpy as np
import pytest

from deepfake_live.analysis import clip_score
from deepfake_live.training.pool_study import POOLS, pool_table


def test_the_mean_pool_is_the_apps_clip_score():
    z = np.array([-2.0, 0.5, 3.0, 1.0])
    p = 1.0 / (1.0 + np.exp(-z))
    assert 1.0 / (1.0 + np.exp(-POOLS["mean"](z))) == pytest.approx(clip_score(p))
    assert POOLS["upper_half"](z) == pytest.approx(2.0)  # mean of 1.0 and 3.0
    assert POOLS["upper_quarter"](z) == pytest.approx(3.0)
    assert POOLS["median"](z) == pytest.approx(0.75)
    assert min(z) <= POOLS["log_mean_exp"](z) <= max(z)


def test_fakes_with_evidence_in_part_of_their_windows_favour_an_upper_pool():
    rng = np.random.default_rng(0)
    genuine = [rng.normal(-1.0, 1.0, 20) for _ in range(200)]
    fakes = [np.concatenate([rng.normal(-1.0, 1.0, 10), rng.normal(1.5, 1.0, 10)]) for _ in range(200)]
    labels = np.array([0] * 200 + [1] * 200)
    table = pool_table(labels, {"clean": genuine + fakes})
    assert table["upper_half"]["mean_detected"] > table["median"]["mean_detected"]
    assert 0.0 <= table["mean"]["mean_eer"] <= 0.5
    assert set(table["mean"]["by_condition"]) == {"clean"}
