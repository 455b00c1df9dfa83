"""Metric code on known score sets, channel conditions, evaluation on a small manifest, and explain_file."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deepfake_live.training import channels, metrics
from deepfake_live.training.data import Clip
from deepfake_live.training.evaluate import score_report

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "deepfake_live.tflite"
SHARED = ROOT.parent / "shared" / "data" / "speech"


def test_eer_known_sets():
    r = np.random.default_rng(0).normal(size=2000)
    assert metrics.eer(r, r + 100) == 0.0
    assert metrics.eer(r, r) == pytest.approx(0.5, abs=1e-9)
    assert metrics.eer(r, r + 1.0) == pytest.approx(0.3085, abs=0.02)  # Phi(-0.5)
    assert metrics.eer(r + 100, r) == pytest.approx(1.0)  # inverted scores
    assert np.isnan(metrics.eer([], r))


def test_dcf_rates_ece_platt():
    r = np.random.default_rng(1).normal(size=4000)
    assert metrics.min_dcf(r, r + 100) == 0.0
    assert metrics.min_dcf(r, r) == pytest.approx(1.0, abs=1e-6)
    fpr, miss = metrics.rates_at(np.array([0.0, 1.0, 2.0, 3.0]), np.array([2.0, 5.0]), 2.5)
    assert fpr == 0.25 and miss == 0.5
    assert metrics.ece(np.array([0.0, 1.0]), np.array([0, 1])) == 0.0
    assert metrics.ece(np.full(10, 0.9), np.zeros(10)) == pytest.approx(0.9)
    a, b = metrics.fit_platt(np.r_[r, r + 2.0], np.r_[np.zeros(4000), np.ones(4000)])
    assert a == pytest.approx(2.0, abs=0.15) and b == pytest.approx(-2.0, abs=0.2)  # true log-likelihood ratio 2s - 2
    # Scores far from zero on one side (as a codec condition gives): plain Newton from a = 1 diverged to a ~ 1e6
    far = 4.0 + 0.5 * r
    a, b = metrics.fit_platt(np.r_[far, far + 1.0], np.r_[np.zeros(4000), np.ones(4000)])
    assert a == pytest.approx(4.0, abs=0.3) and b == pytest.approx(-18.0, abs=1.5)  # true: (s - 4.5) / 0.25


def test_score_report_groups():
    clips = [Clip(f"/{i}", int(i >= 4), "gen" if i >= 4 else "real", "c", "s", 16000, 1.0, "", "", "", "gan" if i >= 4 else "real")
             for i in range(8)]
    probs = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8, 0.9, 0.95])
    rep = score_report(clips, probs, threshold=0.5)
    assert rep["eer"] == 0.0 and rep["fpr_at_threshold"] == 0.25 and rep["miss_at_threshold"] == 0.0
    assert rep["per_generator"]["gen"]["n"] == 4 and rep["per_real_corpus"]["c"]["fpr_at_threshold"] == 0.25
    # 1% of 4 real clips allows none above the threshold: it sits at the highest real score (0.6), all fakes are above
    assert rep["detection_at_fpr"]["1%"] == 1.0
    shares = rep["verdict_shares"]  # release = 0.5 - 0.15: real 0.1/0.2/0.3 genuine, 0.6 synthetic
    assert shares["real"] == {"likely genuine": 0.75, "uncertain": 0.0, "likely synthetic": 0.25}
    assert shares["fake"]["likely synthetic"] == 1.0


def test_detection_at_fpr_counts_allowed_false_alarms():
    real, fake = np.arange(100.0), np.array([98.5, 99.5, 50.0, 200.0])
    assert metrics.detection_at_fpr(real, fake, 0.0) == 0.5  # above 99
    assert metrics.detection_at_fpr(real, fake, 0.01) == 0.75  # above 98: one real clip (99) flagged
    assert np.isnan(metrics.detection_at_fpr(real, np.array([]), 0.01))


def test_channel_variants_carry_the_clean_speech_mask():
    """A training variant's speech mask is the clean clip's, shifted by the trimmed/padded edges."""
    from deepfake_live.training import cache

    rng = np.random.default_rng(3)
    t = np.arange(3 * 16000) / 16000
    x = np.zeros_like(t, dtype=np.float32)
    burst = (t > 1.0) & (t < 2.0)
    x[burst] = (0.3 * np.sin(2 * np.pi * 300 * t[burst])).astype(np.float32)
    x += rng.normal(0, 1e-4, x.size).astype(np.float32)
    speech = burst.astype(np.float32)  # stand-in for the VAD's per-sample probability
    for variant in ("aug0", "aug1"):
        y, mapped = cache.variant_audio(x, "/clip.flac", variant, speech)
        assert mapped.shape == y.shape
        env = np.convolve(np.abs(y), np.ones(160) / 160, mode="same")
        loud = env > 0.2 * env.max()  # where the tone went
        assert mapped[loud].mean() > 0.95 and mapped[~loud].mean() < 0.1
    y, mapped = cache.variant_audio(x, "/clip.flac", "telephone_8k_mulaw", speech)
    assert np.array_equal(mapped, speech)


@pytest.mark.parametrize("cond", list(channels.CONDITIONS))
def test_conditions_keep_length_and_level(cond):
    if cond in ("opus_12k", "mp3_32k") and not channels.codecs_available():
        pytest.skip("PyAV not installed")
    t = np.arange(16000) / 16000
    x = (0.3 * np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2).astype(np.float32)
    y = channels.apply_condition(x, cond, seed=1)
    assert y.shape == x.shape and y.dtype == np.float32
    assert 0.3 < channels.rms(y) / channels.rms(x) < 3.0
    assert np.array_equal(y, channels.apply_condition(x, cond, seed=1))  # deterministic


def test_telephone_removes_high_band():
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal(16000)).astype(np.float32)
    y = channels.telephone(x)
    spec = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(y.size, 1 / 16000)
    assert spec[f > 4500].sum() < 1e-3 * spec[(f > 500) & (f < 3000)].sum()


def _small_manifest(tmp_path: Path) -> Path:
    """Two real shared clips (or synthetic stand-ins) and two obviously synthetic buzz clips."""
    rows = []
    reals = sorted((SHARED / "real" / "librispeech").glob("*.flac"))[:2]
    for i in range(2):
        if i < len(reals):
            p = reals[i]
        else:
            p = tmp_path / f"real{i}.wav"
            sf.write(p, (0.1 * np.random.default_rng(i).standard_normal(32000)).astype(np.float32), 16000)
        rows.append([str(p), "real", "", "test_real", f"s{i}", 16000, 2.0, "", "", ""])
    t = np.arange(40000) / 16000
    for i in range(2):
        p = tmp_path / f"fake{i}.wav"
        x = 0.2 * np.sign(np.sin(2 * np.pi * (120 + 30 * i) * t)) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
        sf.write(p, x.astype(np.float32), 16000)
        rows.append([str(p), "fake", "buzz", "test_fake", "b", 16000, 2.5, "", "", ""])
    m = tmp_path / "manifest.csv"
    with open(m, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "label", "system", "corpus", "speaker", "orig_sr", "duration_s", "source_repo", "source_path", "license"])
        w.writerows(rows)
    return m


@pytest.mark.skipif(not MODEL.is_file(), reason="no shipped model")
def test_run_evaluation_small_manifest(tmp_path: Path):
    from deepfake_live.training.evaluate import run_evaluation

    out = tmp_path / "report.json"
    res = run_evaluation(_small_manifest(tmp_path), MODEL, ["clean", "telephone_8k_mulaw"], out, cache_dir=tmp_path / "cache", workers=1)
    assert out.is_file()
    for cond in ("clean", "telephone_8k_mulaw"):
        r = res["conditions"][cond]["model"]
        assert r["n_real"] == 2 and r["n_fake"] == 2
        assert 0.0 <= r["eer"] <= 1.0 and "buzz" in r["per_generator"]


@pytest.mark.skipif(not MODEL.is_file(), reason="no shipped model")
def test_explain_file_writes_png(tmp_path: Path):
    from deepfake_live.explain import _render_qt, explain_file

    m = _small_manifest(tmp_path)
    with open(m) as fh:
        path = list(csv.DictReader(fh))[0]["path"]
    png = tmp_path / "explain.png"
    exp = explain_file(path, png)
    assert png.is_file() and png.stat().st_size > 1000
    assert exp.saliency.shape == exp.features.shape and np.isfinite(exp.saliency).all()
    from deepfake_live.dsp.features import FeatureConfig

    qt_png = _render_qt(exp, FeatureConfig(), tmp_path / "qt.png", "qt fallback")
    assert qt_png.is_file() and qt_png.stat().st_size > 1000


def test_batched_clip_probabilities_match_clip_by_clip():
    from deepfake_live.dsp.features import FeatureConfig
    from deepfake_live.training.evaluate import clip_probabilities, clip_probability

    cfg = FeatureConfig()
    rng = np.random.default_rng(3)
    calls: list[int] = []

    def scorer(windows: np.ndarray) -> np.ndarray:  # depends on each window's content, so misrouted windows show
        calls.append(len(windows))
        return 1.0 / (1.0 + np.exp(-(windows.mean(axis=(1, 2)) + 40.0) / 5.0))

    voiced = [rng.normal(-40 + 4 * k, 8, (150 + 37 * k, cfg.n_bands)).astype(np.float32) for k in range(6)]
    feats = [*voiced, np.full((50, cfg.n_bands), -110.0, np.float32), np.full((300, cfg.n_bands), -110.0, np.float32)]
    masks = [f.max(axis=1) > -60.0 for f in feats]  # the speech decisions travel with the features, as from the cache
    one_by_one = np.array([clip_probability(f, cfg, 96, 20, scorer, voiced=m) for f, m in zip(feats, masks, strict=True)])
    calls.clear()
    batched = clip_probabilities(feats, cfg, 96, 20, scorer, voiced=masks, max_windows=20)
    assert np.allclose(batched, one_by_one) and len(set(np.round(one_by_one, 6))) > 4
    assert len(calls) < len(feats)  # several clips' windows per call


def test_eer_bootstrap_interval_respects_groups():
    rng = np.random.default_rng(4)
    real = rng.normal(size=60)
    assert metrics.eer_ci(real, real + 100) == (0.0, 0.0)
    lo, hi = metrics.eer_ci(real, real + 0.5)
    assert lo < metrics.eer(real, real + 0.5) < hi
    # 10 generators whose fakes each share one offset: fewer independent units, so a wider interval
    fake_groups = np.repeat(np.arange(10), 20)
    fake = rng.normal(size=200) + np.repeat(rng.normal(1.0, 1.5, 10), 20)
    lo_c, hi_c = metrics.eer_ci(real, fake)
    lo_g, hi_g = metrics.eer_ci(real, fake, fake_groups=fake_groups)
    assert hi_g - lo_g > 1.3 * (hi_c - lo_c)


def test_threshold_upper_quantile_covers_speaker_sampling_error():
    """The shipped threshold rule: an upper bound of the validation real-score quantile, speakers resampled."""
    rng = np.random.default_rng(7)
    # 40 speakers x 4 clips; each speaker shifts all of its clips together
    groups = np.repeat(np.arange(40), 4)
    scores = rng.normal(size=160) * 0.3 + np.repeat(rng.normal(size=40), 4)
    plain = float(np.quantile(scores, 0.985))
    upper = metrics.upper_quantile(scores, groups, 0.985, confidence=0.95)
    assert upper > plain
    assert upper <= scores.max()  # a bootstrap quantile never exceeds the largest observed score
    assert metrics.upper_quantile(scores, groups, 0.985, confidence=0.95) == upper  # seeded
    # 4 identical clips per speaker carry the information of 1: the clip-level bound is tighter than the speaker-level one
    per_clip = metrics.upper_quantile(scores, np.arange(160), 0.5, confidence=0.95)
    per_speaker = metrics.upper_quantile(scores, groups, 0.5, confidence=0.95)
    assert per_speaker > per_clip > float(np.quantile(scores, 0.5))


def test_evaluate_text_has_the_per_generator_table():
    from deepfake_live.training.evaluate import _clean
    from deepfake_live.training.evaluate_text import report_text

    clips = [Clip(f"/{i}", int(i >= 4), ("tts_a" if i < 6 else "tts_b") if i >= 4 else "real", "corpus_x", "s", 16000, 1.0,
                  "", "", "", "gan" if i >= 4 else "real") for i in range(8)]
    rep = _clean(score_report(clips, np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.2, 0.9, 0.95]), threshold=0.5))
    text = report_text({"conditions": {"clean": {"model": rep}}, "thresholds": {"model": 0.5}})
    lines = text.splitlines()
    assert lines[0].startswith("clean") and "real    4" in lines[0] and "fake    4" in lines[0] and "EER" in lines[0]
    row_a = next(line for line in lines if line.strip().startswith("tts_a"))
    row_b = next(line for line in lines if line.strip().startswith("tts_b"))
    assert row_a.split()[1] == "2" and row_a.split()[3] == "50.0%"  # 2 clips, one of them (0.2) missed at 0.5
    assert row_b.split()[1] == "2" and row_b.split()[3] == "0.0%"
    assert next(line for line in lines if line.strip().startswith("corpus_x")).split()[-1] == "25.0%"
    assert all("e-" not in line and "None" not in line for line in lines)  # one number format


def test_share_interval_resamples_whole_groups():
    """A share flagged by whole generators (all or none of each one's clips) is far less certain than the same
    share over independent clips; the interval must say so, and hold the point estimate."""
    hits = np.repeat([1, 0, 1, 0, 0, 1, 0, 0, 0, 1], 20).astype(bool)  # 10 generators of 20 clips, 4 caught
    groups = np.repeat(np.arange(10), 20)
    lo_g, hi_g = metrics.share_ci(hits, groups)
    lo_c, hi_c = metrics.share_ci(hits)
    assert lo_g <= hits.mean() <= hi_g and lo_c <= hits.mean() <= hi_c
    assert hi_g - lo_g > 2 * (hi_c - lo_c)
    assert np.isnan(metrics.share_ci(np.zeros(0, bool))[0])
    from deepfake_live.training.app_verdicts import rates

    r = rates(np.array([0.2, 0.9, 0.95, 0.1]), np.full(4, 0.5), np.array([0, 0, 1, 1]), np.array(["a", "b", "s", "t"]))
    assert r["genuine_flagged"] == 0.5 and r["genuine_flagged_ci95"][0] <= 0.5 <= r["genuine_flagged_ci95"][1]
    # a genuine-only set (app_verdicts --manifest): no fake share to report, not a NaN
    g = rates(np.array([0.2, 0.9, 0.4]), np.full(3, 0.5), np.zeros(3, int), np.array(["a", "b", "c"]))
    assert g["fakes_flagged"] is None and g["fakes_flagged_ci95"] is None and abs(g["genuine_flagged"] - 1 / 3) < 1e-9


def test_genuine_gap_tells_a_shifted_genuine_set_from_a_tail(tmp_path: Path):
    """``genuine_gap``: a genuine set that scores like the split's own separates as well (same EER); one whose body scores
    higher separates worse; one with only a few high clips keeps the EER (a tail, left to the thresholds). The command
    writes the figures and rejects a malformed --genuine."""
    import json

    from deepfake_live.training import genuine_gap

    rng = np.random.default_rng(0)

    def records(label: int, loc: float, n: int, prefix: str) -> list[dict]:
        return [{"path": f"{prefix}{i}", "unit": f"{prefix}spk{i % 10}", "system": f"sys{i % 7}", "label": label,
                 "condition": cond, "score": float(rng.normal(loc, 1.0))}
                for i in range(n) for cond in genuine_gap.FIVE]

    fakes = records(1, 1.0, 150, "f")
    same = genuine_gap.separation(records(0, 0.0, 150, "g"), fakes, n_boot=50)
    shifted = genuine_gap.separation(records(0, 0.8, 150, "s"), fakes, n_boot=50)
    tail = records(0, 0.0, 150, "t")
    for r in tail[:5 * 5]:  # the first 5 clips (all their conditions) score very high
        r["score"] += 6.0
    with_tail = genuine_gap.separation(tail, fakes, n_boot=50)
    assert shifted["pooled_eer"] > same["pooled_eer"] + 0.1  # about 0.31 against 0.46 expected
    assert abs(with_tail["pooled_eer"] - same["pooled_eer"]) < 0.05
    assert set(same["per_condition_eer"]) == set(genuine_gap.FIVE) and same["genuine_clips"] == 150
    lo, hi = same["pooled_eer_ci95"]
    assert lo <= same["pooled_eer"] <= hi

    val = tmp_path / "val.json"
    val.write_text(json.dumps(fakes + records(0, 0.0, 40, "v")))
    other = tmp_path / "other.json"
    other.write_text(json.dumps(records(0, 0.8, 40, "o")))
    out = tmp_path / "gap.json"
    assert genuine_gap.main(["--records", str(val), "--genuine", f"other={other}", "--out", str(out)]) == 0
    assert set(json.loads(out.read_text())) == {"split genuine", "other"}
    with pytest.raises(SystemExit, match="NAME=RECORDS"):
        genuine_gap.main(["--records", str(val), "--genuine", str(other)])
    with pytest.raises(SystemExit, match="cannot read records"):
        genuine_gap.main(["--records", str(tmp_path / "missing.json")])
