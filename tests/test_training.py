"""The training pipeline end to end on tiny synthetic data: train -> TFLite -> metadata -> LiteRT runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deepfake_live.dsp.features import FeatureConfig, compute_features
from deepfake_live.speech_activity import frame_speech_mask
from deepfake_live.training import channels
from deepfake_live.training.data import Clip, assign_splits, family_of, group_of, is_reserved, read_manifests, split_of
from deepfake_live.training.sampler import BatchSampler, ClipFeatures, WindowAugment, clip_weights, random_eq, valid_starts

SR = 16000


def _voice(rng: np.random.Generator, fake: bool, seconds: float = 2.5) -> np.ndarray:
    """Harmonic 'voice' with syllable-like envelope; 'fakes' have perfectly steady pitch and a buzzy top band."""
    t = np.arange(int(seconds * SR)) / SR
    f0 = rng.uniform(100, 220) * (1 + (0 if fake else 0.05 * np.sin(2 * np.pi * rng.uniform(2, 5) * t)))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = sum(np.sin(k * phase) / k for k in range(1, 30))
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    x = x * env + rng.normal(0, 0.02 if fake else 0.1, t.size)
    if fake:
        x = x + 0.3 * np.sign(np.sin(2 * np.pi * 6000 * t))
    return (0.2 * x / np.abs(x).max()).astype(np.float32)


def _clips(n: int, cfg: FeatureConfig, window: int) -> list[ClipFeatures]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        fake = i % 2 == 1
        clip = Clip(path=f"/synthetic/{i}.flac", label=int(fake), system="synthbuzz" if fake else "real", corpus=f"corp{i % 3}",
                    speaker=f"s{i}", orig_sr=SR, duration_s=2.5, license="test", source_repo="test", manifest="test",
                    family="classic" if fake else "real")
        variants, starts = [], []
        x = _voice(rng, fake)
        for y in (x, channels.random_chain(x, rng, strength=0.5)[0]):
            f = compute_features(y, cfg)
            variants.append(f.astype(np.float16))
            starts.append(valid_starts(frame_speech_mask(y, cfg), f.shape[0], window))
        out.append(ClipFeatures(clip, variants, starts))
    return out


def test_family_and_split_rules():
    assert family_of("espnet_tacotron2_griffinlim") == "classic"
    assert family_of("diff_hiervc") == "diffusion"
    assert family_of("hifigan_v1") == "gan"
    assert family_of("maskgct_vc") == "codec_lm"
    assert family_of("freevc") == "vits_vc"
    assert family_of("encodec") == "codec" and family_of("matcha_tts") == "diffusion" and family_of("uniaudio2") == "codec_lm"
    lj = Clip("/y.flac", 0, "real", "ljspeech", "LJ", SR, 1.0, "", "", "")
    assert split_of(lj) == "train"
    # locally generated engines always train, under every seed
    piper = Clip("/z.flac", 1, "piper_vits", "generated_piper", "piper_joe", 22050, 1.0, "", "", "")
    assert {split_of(piper, seed) for seed in range(20)} == {"train"}
    # a public generator goes to one split whole: every clip, every voice, every label of its group
    for seed in range(5):
        hifi = {split_of(Clip(f"/h{i}.flac", 1, s, "c", f"spk{i}", SR, 1.0, "", "", ""), seed)
                for i in range(20) for s in ("hifigan_v1", "tacotron2_hifigan", "hifigan_ablation")}
        assert len(hifi) == 1
    assert group_of("tacotron2_hifigan") == group_of("hifigan_v2") and group_of("cotatron_vc") == group_of("assem_vc")
    # generator groups spread over all three splits; some real corpora are test-only
    spread = {split_of(Clip("/w.flac", 1, f"system{i}", "k", "v", SR, 1.0, "", "", "")) for i in range(40)}
    assert spread == {"train", "val", "test"}
    assert split_of(Clip("/m.flac", 0, "real", "mls_pt", "pt1", SR, 1.0, "", "", "")) == "test"
    # neither committed genuine list trains, whatever manifest brings it: list A holds corpora of the independent evaluation
    for corpus in ("widen_meeting", "widen_speech_broadcast", "probe_phone"):
        held = {split_of(Clip(f"/g{i}.flac", 0, "real", corpus, f"org/repo:s{i}", SR, 1.0, "", "", ""), seed)
                for i in range(30) for seed in range(3)}
        assert held == {"test"}, corpus
    assert {split_of(Clip(f"/g{i}.flac", 0, "real", "meeting", f"org/repo:s{i}", SR, 1.0, "", "", "")) for i in range(30)} == {
        "train", "val", "test"}


def test_reserved_generators_never_load(tmp_path: Path):
    assert is_reserved("gpt_sovits_v2") and is_reserved("XTTS-v2") and is_reserved("styletts2") and is_reserved("cosyvoice")
    assert not is_reserved("diff_hiervc") and not is_reserved("mspeechtokenizer_vc") and not is_reserved("kokoro_82m")
    for name in ("a", "b"):
        (tmp_path / f"{name}.flac").write_bytes(b"")
    (tmp_path / "m.csv").write_text("path,label,system,corpus,speaker\na.flac,fake,f5_tts,x,s1\nb.flac,fake,matcha_tts,x,s2\n"
                                    "gone.flac,real,,y,s3\n")
    said: list[str] = []
    clips = read_manifests([tmp_path / "m.csv"], log=said.append)
    assert [c.system for c in clips] == ["matcha_tts"]
    assert any("reserved" in s and "f5_tts" in s for s in said) and any("missing" in s for s in said)
    assert set(assign_splits(clips)) == {"train", "val", "test"}


def test_exact_copies_of_a_clips_audio_load_once(tmp_path: Path):
    """Demo pages repeat recordings under other names: a copy (even encoded differently) is left out and said; a clip of
    the same length with other samples, and the same audio under the other label, stay."""
    import soundfile as sf

    rng = np.random.default_rng(3)
    a, b = (np.round(rng.normal(0, 3000, 32000)).astype(np.int16) for _ in range(2))  # 16-bit samples: written as they are
    sf.write(tmp_path / "a.flac", a, SR, subtype="PCM_16")
    sf.write(tmp_path / "a_copy.wav", a, SR, subtype="PCM_16")  # the same samples in another container
    sf.write(tmp_path / "b.flac", b, SR, subtype="PCM_16")
    sf.write(tmp_path / "a_fake.flac", a, SR, subtype="PCM_16")
    for name in ("f1", "f2"):  # quiet float files that differ: not copies (read as int16 both were all zeros)
        sf.write(tmp_path / f"{name}.wav", rng.normal(0, 0.01, 32000).astype(np.float32), SR, subtype="FLOAT")
    (tmp_path / "m.csv").write_text("path,label,system,corpus,speaker,duration_s\na.flac,real,,vctk,p1,2.0\n"
                                    "a_copy.wav,real,,vctk,p1,2.0\nb.flac,real,,vctk,p2,2.0\na_fake.flac,fake,matcha_tts,x,s,2.0\n"
                                    "f1.wav,real,,toy,p3,2.0\nf2.wav,real,,toy,p4,2.0\n")
    said: list[str] = []
    clips = read_manifests([tmp_path / "m.csv"], log=said.append)
    assert [Path(c.path).name for c in clips] == ["a.flac", "b.flac", "a_fake.flac", "f1.wav", "f2.wav"]
    assert any("repeats an earlier clip" in s and "vctk" in s for s in said)


def test_sampler_is_balanced():
    cfg = FeatureConfig()
    data = _clips(6, cfg, 96)
    w = clip_weights([d.clip for d in data])
    assert np.isclose(w[[0, 2, 4]].sum(), 1.0) and np.isclose(w[[1, 3, 5]].sum(), 1.0)
    x, y = BatchSampler(data, 96, batch=8).next_batch()
    assert x.shape == (8, 96, 64, 1) and y.sum() == 4


def test_resynth_share_sets_the_copy_synthesis_mass_among_fakes():
    from deepfake_live.training.data import PAIRED_RESYNTH_CORPORA
    from deepfake_live.training.generate.engines import GriffinLimEngine, HifiGanEngine, WorldEngine

    assert PAIRED_RESYNTH_CORPORA == {e.corpus for e in (WorldEngine, GriffinLimEngine, HifiGanEngine)}

    def clip(i: int, label: int, system: str, corpus: str, family: str) -> Clip:
        return Clip(f"/c/{i}.flac", label, system, corpus, f"s{i}", SR, 3.0, "", "", "", family=family)

    clips = [clip(0, 0, "real", "vctk", "real"), clip(1, 0, "real", "ljspeech", "real")]
    clips += [clip(2 + i, 1, "piper_vits", "generated_piper", "vits_vc") for i in range(5)]
    clips += [clip(10 + i, 1, "hifigan_resynth", "generated_hifigan", "gan") for i in range(3)]
    clips += [clip(20 + i, 1, "world_vocoder", "generated_world", "classic") for i in range(2)]
    paired = np.array([c.corpus in PAIRED_RESYNTH_CORPORA for c in clips])
    base = clip_weights(clips)
    assert np.isclose(base[paired].sum(), 2 / 3)  # three families of equal mass, two of them copy-syntheses
    for share in (0.1, 0.25, 0.9):
        w = clip_weights(clips, share)
        assert np.isclose(w[paired].sum(), share) and np.isclose(w[2:].sum(), 1.0)
        np.testing.assert_allclose(w[:2], base[:2])  # real clips untouched
        np.testing.assert_allclose(w[10:13] / w[10:15].sum(), base[10:13] / base[10:15].sum())  # inner split kept
    no_pairs = [c for c in clips if c.corpus not in PAIRED_RESYNTH_CORPORA]
    np.testing.assert_allclose(clip_weights(no_pairs, 0.25), clip_weights(no_pairs))  # nothing to rebalance
    assert "25% of fake windows" in WindowAugment(resynth_share=0.25).describe()[0]


def test_random_eq_is_a_bounded_smooth_colouring_applied_to_some_windows():
    rng = np.random.default_rng(0)
    curves = np.stack([random_eq(128, rng, 6.0) for _ in range(200)])
    assert curves.shape == (200, 128) and curves.dtype == np.float32
    assert np.abs(curves).max() <= 6.0 and np.abs(curves).max() > 3.0
    assert np.abs(np.diff(curves, axis=1)).max() < 6.0 * 5 / 127 * 2  # piecewise linear over 6 points: no band-to-band jumps
    assert curves.std(axis=0).min() > 1.0  # every band is moved, differently from draw to draw
    assert not random_eq(64, rng, 0.0).any()
    # features that are all zero come out as the added curve itself (masks fill with the window mean, 0 here)
    flat = [ClipFeatures(Clip(f"/{y}.flac", y, "real" if y == 0 else "melgan", "c", f"s{y}", SR, 2.0, "", "", ""),
                         [np.zeros((200, 64), np.float16)], [np.arange(50)]) for y in (0, 1)]
    x_off, _ = BatchSampler(flat, 96, batch=64).next_batch()
    assert not x_off.any()
    x_on, _ = BatchSampler(flat, 96, batch=64, augment=WindowAugment(eq_db=6.0)).next_batch()
    coloured = np.abs(x_on).reshape(64, -1).max(axis=1) > 0
    assert 16 <= coloured.sum() <= 48  # about half the windows
    assert not BatchSampler(flat, 96, batch=64, augment=WindowAugment(eq_db=6.0), spec_augment=False).next_batch()[0].any()


def test_train_export_and_run(tmp_path: Path):
    pytest.importorskip("tensorflow")
    import keras

    from deepfake_live.model.metadata import Calibration
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training.evaluate import clip_probability
    from deepfake_live.training.export import latency_ms, to_tflite
    from deepfake_live.training.model import build_cnn, build_mfcc_baseline
    from deepfake_live.training.train import fixed_windows, make_metadata, train_keras

    keras.utils.set_random_seed(0)
    cfg = FeatureConfig()
    window, hop = 96, 20
    data = _clips(8, cfg, window)
    val = fixed_windows(data, window, per_variant=1)
    for build in (build_cnn, build_mfcc_baseline):
        model = build(window, cfg.n_bands)
        model, hist = train_keras(model, data, val, epochs=1, steps=2, batch=16, label="test")
        assert len(hist) == 2 and np.isfinite(hist[0]["loss"]) and "swa_epochs" in hist[1]
        for quant in ((False, True) if build is build_cnn else (False,)):
            path = to_tflite(model, tmp_path / f"{model.name}_{quant}.tflite", quantize=quant)
            make_metadata(path, "test", window, hop, cfg, Calibration(1.0, 0.0), 0.5, {"note": "synthetic test"})
            runner = ModelRunner(path)
            p = runner.probabilities(val[0][:5, ..., 0])
            assert p.shape == (5,) and np.all((p >= 0) & (p <= 1))
            # TFLite agrees with Keras (float32 exactly, dynamic range approximately)
            z = model.predict(val[0][:5], verbose=0).reshape(-1)
            assert np.allclose(runner.to_logits(runner.raw_scores(val[0][:5, ..., 0])), z, atol=0.05 if quant else 1e-3)
            f0 = data[0].variants[0].astype(np.float32)
            assert 0.0 <= clip_probability(f0, cfg, window, hop, runner.probabilities, voiced=np.ones(len(f0), bool)) <= 1.0
            assert latency_ms(path, window, cfg.n_bands, runs=5)["median_ms"] > 0


def test_shortcut_audit_separates_only_what_statistics_show():
    from deepfake_live.training.metrics import eer
    from deepfake_live.training.shortcut_audit import clip_statistics, fit_logistic

    rng = np.random.default_rng(0)
    voiced = np.ones(200, dtype=bool)
    # class 1 has 6 dB more energy in the top bands: a pure spectral-envelope shortcut the audit must expose
    tilt = np.r_[np.zeros(48), np.full(16, 6.0)]
    feats = [rng.normal(-50, 5, (200, 64)) + (tilt if k % 2 else 0) + rng.normal(0, 10) for k in range(40)]
    x = np.array([clip_statistics(f, voiced) for f in feats])
    y = np.arange(40) % 2
    assert x.shape == (40, 3 * 64)
    xs = (x - x.mean(0)) / (x.std(0) + 1e-6)
    w, b = fit_logistic(xs, y.astype(float))
    z = xs @ w + b
    assert eer(z[y == 0], z[y == 1]) < 0.05  # level differences (the random offset) are removed, the tilt is found


def test_cnn_ignores_gain():
    pytest.importorskip("tensorflow")
    import keras

    from deepfake_live.training.model import build_cnn

    keras.utils.set_random_seed(0)
    model = build_cnn(96, 64)
    x = np.random.default_rng(1).normal(-50, 8, (2, 96, 64, 1)).astype(np.float32)
    assert np.allclose(model.predict(x, verbose=0), model.predict(x - 17.0, verbose=0), atol=1e-4)  # -17 dB gain


def assert_litert_matches_keras(model, x: np.ndarray, path: Path) -> None:
    """Export ``model`` (float), load it as the app does and check it gives the Keras logits on ``x``."""
    from deepfake_live.model.metadata import Calibration
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training.export import to_tflite
    from deepfake_live.training.train import make_metadata

    to_tflite(model, path, quantize=False)
    make_metadata(path, "test", x.shape[1], 20, FeatureConfig(), Calibration(1.0, 0.0), 0.5, {"note": "synthetic test"})
    runner = ModelRunner(path)
    assert np.allclose(runner.to_logits(runner.raw_scores(x[..., 0])), model.predict(x, verbose=0).reshape(-1), atol=1e-3)


def test_band_normalised_cnn_ignores_a_fixed_channel_colouring_in_litert(tmp_path: Path):
    """--input-norm band: a constant per band (a microphone's or codec's response in dB) changes nothing, in Keras and in
    the exported file; the shipped input normalisation ignores only a constant over all bands."""
    pytest.importorskip("tensorflow")
    import keras

    from deepfake_live.training.model import build_cnn

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(2).normal(-50, 8, (2, 96, 64, 1)).astype(np.float32)
    colour = np.linspace(-12.0, 6.0, 64, dtype=np.float32).reshape(1, 1, 64, 1)  # a tilted response, -12 to +6 dB
    band = build_cnn(96, 64, input_norm="band")
    assert np.allclose(band.predict(x, verbose=0), band.predict(x + colour, verbose=0), atol=1e-4)
    window = build_cnn(96, 64)
    assert not np.allclose(window.predict(x, verbose=0), window.predict(x + colour, verbose=0), atol=1e-3)
    assert_litert_matches_keras(band, x, tmp_path / "band.tflite")
    with pytest.raises(ValueError, match="unknown input normalisation"):
        build_cnn(96, 64, input_norm="utterance")


def test_cnn_pools_only_after_the_first_blocks():
    pytest.importorskip("tensorflow")
    from deepfake_live.training.model import build_cnn

    shipped = build_cnn(96, 64)
    deeper = build_cnn(96, 64, widths=(8, 16, 32, 64, 128), pools=3)  # one more block at the last resolution
    assert [layer.name for layer in shipped.layers if "pool" in layer.name] == ["pool0", "pool1", "pool2"]
    assert shipped.get_layer("relu3").output.shape[1:] == (12, 8, 64)
    assert deeper.get_layer("relu4").output.shape[1:] == (12, 8, 128)
    assert deeper.count_params() > shipped.count_params()


def test_mean_and_std_pooling_runs_in_litert(tmp_path: Path):
    pytest.importorskip("tensorflow")
    import keras

    from deepfake_live.training.model import build_cnn

    keras.utils.set_random_seed(0)
    model = build_cnn(96, 64, pooling="meanstd")
    assert model.get_layer("time_mean_std").output.shape[1:] == (8, 128)  # 64 channels' means, then their deviations
    x = np.random.default_rng(4).normal(-50, 8, (3, 96, 64, 1)).astype(np.float32)
    steady = np.repeat(x[:, :1], 96, axis=1)  # one frame repeated: no variation over time
    assert np.isfinite(model.predict(steady, verbose=0)).all()  # the deviation's square root stays finite at zero
    assert_litert_matches_keras(model, x, tmp_path / "meanstd.tflite")
    with pytest.raises(ValueError, match="unknown pooling"):
        build_cnn(96, 64, pooling="max")


def test_oc_softmax_head_and_loss():
    pytest.importorskip("tensorflow")
    import keras

    from deepfake_live.training.model import build_cnn, oc_softmax_loss

    keras.utils.set_random_seed(0)
    model = build_cnn(96, 64, head="ocsoftmax")
    z = model.predict(np.random.default_rng(2).normal(-50, 8, (3, 96, 64, 1)).astype(np.float32), verbose=0)
    assert z.shape == (3, 1) and np.all(np.abs(z) <= 20.0 + 1e-4)  # -scale * cosine
    loss = oc_softmax_loss(scale=20.0, m_real=0.9, m_fake=0.2)
    cos = np.array([[0.95], [0.1]], dtype=np.float32)
    want = np.mean([np.log1p(np.exp(20.0 * (0.9 - 0.95))), np.log1p(np.exp(20.0 * (0.1 - 0.2)))])
    got = float(loss(np.array([0.0, 1.0], dtype=np.float32), -20.0 * cos))
    assert got == pytest.approx(want, rel=1e-4)


def test_genuine_focus_loss_weights_real_windows_by_their_fake_probability():
    pytest.importorskip("tensorflow")
    import keras

    from deepfake_live.training.model import genuine_focus_loss

    z = np.array([[2.0], [-1.0], [0.5], [-3.0]], dtype=np.float32)
    y = np.array([0.0, 0.0, 1.0, 0.0], dtype=np.float32)
    target = y * 0.95 + 0.025
    per = np.maximum(z[:, 0], 0) - z[:, 0] * target + np.log1p(np.exp(-np.abs(z[:, 0])))
    focus = (1.0 / (1.0 + np.exp(-z[:, 0]))) * (1.0 - y)
    want = np.mean(per * (y + focus * 3.0 / focus.sum()))  # three real windows: the weights average 1 over them
    assert float(genuine_focus_loss(1.0)(y, z)) == pytest.approx(want, rel=1e-5)
    shipped = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.05)
    assert float(genuine_focus_loss(0.0)(y, z)) == pytest.approx(float(shipped(y.reshape(-1, 1), z)), rel=1e-5)


@pytest.mark.parametrize("args, message", [(["--genuine-focus", "-1"], "must be >= 0"),
                                           (["--genuine-focus", "1", "--head", "ocsoftmax"], "does not combine"),
                                           (["--train-groups-share", "0"], r"must be in \(0, 1\]"),
                                           (["--train-genuine-share", "1.5"], r"--train-genuine-share must be in \(0, 1\]")])
def test_training_study_options_that_cannot_work_are_a_one_line_error(args: list[str], message: str):
    from deepfake_live.training.train import main

    with pytest.raises(SystemExit, match=message):
        main(["--out", "unused", *args])


def test_ensemble_is_the_mean_member_logit_in_one_tflite_file(tmp_path: Path):
    pytest.importorskip("tensorflow")
    import keras

    from deepfake_live.model.metadata import Calibration
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training.export import to_tflite
    from deepfake_live.training.model import build_cnn, build_ensemble
    from deepfake_live.training.train import make_metadata

    keras.utils.set_random_seed(0)
    members = [build_cnn(96, 64, name=f"cnn_member{i}") for i in range(3)]
    x = np.random.default_rng(3).normal(-50, 8, (4, 96, 64, 1)).astype(np.float32)
    each = np.stack([m.predict(x, verbose=0).reshape(-1) for m in members])
    assert np.ptp(each, axis=0).max() > 1e-3  # differently initialised members, so the mean is not trivially one of them
    ensemble = build_ensemble(members)
    assert np.allclose(ensemble.predict(x, verbose=0).reshape(-1), each.mean(axis=0), atol=1e-5)
    path = to_tflite(ensemble, tmp_path / "ensemble.tflite", quantize=False)
    make_metadata(path, "test", 96, 20, FeatureConfig(), Calibration(1.0, 0.0), 0.5, {"note": "synthetic test"})
    runner = ModelRunner(path)
    assert np.allclose(runner.to_logits(runner.raw_scores(x[..., 0])), each.mean(axis=0), atol=1e-3)


def test_train_members_reports_the_ensemble_beside_each_member():
    pytest.importorskip("tensorflow")
    import keras

    from deepfake_live.training import metrics
    from deepfake_live.training.model import build_cnn
    from deepfake_live.training.train import fixed_windows, member_name, train_members

    keras.utils.set_random_seed(0)
    cfg = FeatureConfig()
    data = _clips(8, cfg, 96)
    val = fixed_windows(data, 96, per_variant=1)

    def build(name: str):
        return build_cnn(96, cfg.n_bands, name=name)

    ensemble, hist = train_members(build(member_name(0, 2)), build, 2, data, val, epochs=1, steps=2, seed=0, label="cnn",
                                   augment=WindowAugment(eq_db=6.0, max_band_mask=24))  # the measured options train too
    assert set(hist) == {"cnn[0]", "cnn[1]", "cnn[ensemble]"}
    z = ensemble.predict(val[0], verbose=0).reshape(-1)
    assert hist["cnn[ensemble]"][0]["val_window_eer"] == round(metrics.eer(z[val[1] == 0], z[val[1] == 1]), 4)


def test_sharpness_aware_step_descends_with_the_gradient_of_the_nearby_worst_point():
    pytest.importorskip("tensorflow")
    import keras
    import tensorflow as tf

    from deepfake_live.training.train import sam_step

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(1).normal(size=(16, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    loss = keras.losses.BinaryCrossentropy(from_logits=True)

    def model_and_grad(weights=None):
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
        if weights is not None:
            m.set_weights(weights)
        with tf.GradientTape() as tape:
            value = loss(y, m(x, training=True))
        return m, [np.asarray(g) for g in tape.gradient(value, m.trainable_variables)], float(value)

    model, g0, l0 = model_and_grad()
    w0 = [np.asarray(w) for w in model.get_weights()]
    rho, lr = 0.1, 0.5
    norm = np.sqrt(sum(float((g ** 2).sum()) for g in g0))
    _, g_sharp, _ = model_and_grad([w + rho * g / norm for w, g in zip(w0, g0, strict=True)])  # the ascent point

    step = sam_step(model, keras.optimizers.SGD(lr), loss, rho)
    assert step(x, y) == pytest.approx(l0, rel=1e-5)  # reports the loss at the weights, not at the ascent point
    for w, before, g in zip(model.get_weights(), w0, g_sharp, strict=True):
        assert np.allclose(w, before - lr * g, atol=1e-5)  # back from the ascent point, then the sharp gradient's step
    assert not np.allclose(g_sharp[0], g0[0], atol=1e-4)  # a step that differs from plain SGD


def test_batchnorm_refresh_recomputes_statistics_for_averaged_weights():
    pytest.importorskip("tensorflow")
    import keras

    from deepfake_live.training.model import build_cnn
    from deepfake_live.training.train import refresh_batchnorm

    keras.utils.set_random_seed(0)
    model = build_cnn(96, 64)
    batches = [np.random.default_rng(k).normal(-50, 8, (8, 96, 64, 1)).astype(np.float32) for k in range(5)]

    class Replay:  # the sampler interface refresh_batchnorm uses
        def __init__(self) -> None:
            self.k = 0

        def next_batch(self):
            self.k += 1
            return batches[(self.k - 1) % len(batches)], None

    bn = model.get_layer("bn0")
    bn.moving_mean.assign(np.full(bn.moving_mean.shape, 7.0, dtype="float32"))  # stale statistics, as after SWA
    bn.moving_variance.assign(np.full(bn.moving_variance.shape, 9.0, dtype="float32"))
    refresh_batchnorm(model, Replay(), batches=5)
    conv0 = keras.Model(model.input, model.get_layer("conv0").output)
    acts = np.stack([conv0.predict(b, verbose=0).reshape(-1, 8) for b in batches])
    assert np.allclose(np.asarray(bn.moving_mean), acts.mean(axis=1).mean(axis=0), atol=1e-5)  # mean of per-batch means
    assert np.allclose(np.asarray(bn.moving_variance), acts.var(axis=1).mean(axis=0), rtol=0.02)
    assert bn.momentum == pytest.approx(0.99)  # the layer's own momentum is restored


def test_training_bad_input_is_one_line(tmp_path: Path, capsys):
    """A missing, malformed or empty manifest stops training with one line naming it, before any import or cache."""
    from deepfake_live.training.train import main

    cases = {
        "missing": (tmp_path / "nope.csv", "manifest not found"),
        "malformed": (tmp_path / "bad.csv", "not a manifest"),
        "bad_number": (tmp_path / "num.csv", "line 2"),
        "empty": (tmp_path / "empty.csv", "no readable clips"),
    }
    (tmp_path / "bad.csv").write_text("file,kind\na.wav,fake\n")
    (tmp_path / "num.csv").write_text("path,label,orig_sr\na.wav,fake,fast\n")
    (tmp_path / "empty.csv").write_text("path,label,system,corpus,speaker\n")
    for name, (manifest, words) in cases.items():
        with pytest.raises(SystemExit) as exc:
            main(["--manifest", str(manifest), "--out", str(tmp_path / "out")])
        msg = str(exc.value.code)
        assert words in msg and "\n" not in msg, name
        assert manifest.name in msg
    assert not (tmp_path / "out").exists()  # nothing written


def test_unreadable_clip_is_skipped_not_fatal(tmp_path: Path, capsys):
    from deepfake_live.training import cache

    bad = tmp_path / "broken.flac"
    bad.write_bytes(b"not audio at all")
    good = tmp_path / "tone.wav"
    import soundfile as sf

    sf.write(str(good), (0.1 * np.sin(np.arange(16000) / 5.0)).astype(np.float32), SR)
    cfg = FeatureConfig()
    clips = [Clip(str(p), 0, "real", "c", "s", SR, 1.0, "", "", "") for p in (bad, good)]
    cache.build(clips, ["clean"], cfg, cache_dir=tmp_path / "cache", workers=1)
    assert "cannot read" in capsys.readouterr().out
    where = tmp_path / "cache"
    assert not cache.available(clips[0], ["clean"], cfg, where) and cache.available(clips[1], ["clean"], cfg, where)


def test_noncommercial_data_never_loads():
    from deepfake_live.training.data import is_noncommercial

    assert is_noncommercial("CC BY-NC-SA 4.0") and is_noncommercial("MIT weights trained on a corpus for non-commercial use")
    assert not is_noncommercial("CC-BY-4.0")
    assert not is_noncommercial("repo CC0-1.0; prompts CC-BY-4.0 (LRS3 prompts not listed: CC-BY-NC-ND)")


def test_crossval_and_window_study_use_the_training_commands_front_end():
    """Cross-validation and the window study must measure the recipe that ships: their CLI defaults follow the training command's."""
    from deepfake_live.training import crossval, train, window_study

    args = crossval.build_parser().parse_args([])
    assert (args.window, args.bands) == (train.WINDOW, train.BANDS)  # the training command's own defaults
    study = window_study.build_parser().parse_args([])
    assert study.bands == train.BANDS and str(train.WINDOW) in study.windows.split(",")


def test_validation_fakes_move_to_training_by_whole_group():
    """The data-scaling study moves a validation group's every fake into training; real clips and other groups stay."""
    from deepfake_live.training.train import move_val_fakes_to_train

    def clip(path: str, label: int, system: str) -> Clip:
        return Clip(path, label, system, "c", f"spk_{path}", SR, 1.0, "", "", "")

    val = [clip("/r1", 0, "real"), clip("/h1", 1, "hifigan_v1"), clip("/h2", 1, "tacotron2_hifigan"), clip("/w1", 1, "waveglow")]
    splits = {"train": [clip("/t1", 1, "melgan")], "val": val, "test": []}
    moved = move_val_fakes_to_train(splits, {"hifigan"})
    assert [c.path for c in moved["train"]] == ["/t1", "/h1", "/h2"]
    assert [c.path for c in moved["val"]] == ["/r1", "/w1"]
    everything = move_val_fakes_to_train(splits, {"all"})
    assert [c.path for c in everything["val"]] == ["/r1"] and len(everything["train"]) == 4
    assert move_val_fakes_to_train(splits, set()) is splits


def test_training_can_keep_a_share_of_its_generator_groups_whole():
    """The data-scaling study trains on some generator groups: each kept or dropped whole, real clips and the evaluation
    splits untouched, another draw per seed, all of them at share 1."""
    from deepfake_live.training.train import thin_train_groups

    fakes = [Clip(f"/f{i}_{s}", 1, s, "c", f"v{i}", SR, 1.0, "", "", "")
             for i in range(3) for s in ("hifigan_v1", "tacotron2_hifigan", "melgan", "waveglow", "vits", "bark", "dac", "mimi")]
    real = [Clip(f"/r{i}", 0, "real", "c", f"s{i}", SR, 1.0, "", "", "") for i in range(5)]
    splits = {"train": fakes + real, "val": real[:1], "test": real[1:2]}
    groups = {group_of(c.system) for c in fakes}
    kept_by_seed = []
    for seed in range(4):
        half = thin_train_groups(splits, 0.5, seed)
        kept = {group_of(c.system) for c in half["train"] if c.label}
        assert len(kept) == round(len(groups) / 2)
        assert [c for c in half["train"] if c.label] == [c for c in fakes if group_of(c.system) in kept]  # whole groups
        assert [c for c in half["train"] if not c.label] == real and half["val"] is splits["val"] and half["test"] is splits["test"]
        kept_by_seed.append(kept)
    assert len({frozenset(k) for k in kept_by_seed}) > 1
    assert len({group_of(c.system) for c in thin_train_groups(splits, 0.01, 0)["train"] if c.label}) == 1
    assert thin_train_groups(splits, 1.0, 0) is splits


def test_training_can_keep_a_share_of_its_genuine_speakers_whole():
    """The genuine side of the data-scaling study: each real speaker kept or dropped with all their clips, fakes and the
    evaluation splits untouched, another draw per seed, all of them at share 1."""
    from deepfake_live.training.train import thin_train_speakers

    speakers = (("vctk", "p1"), ("vctk", "p2"), ("libri", "p1"), ("libri", "7"), ("lj", "lj"), ("mls", "m"))
    real = [Clip(f"/r{i}_{s}", 0, "real", corpus, s, SR, 1.0, "", "", "") for i in range(3) for corpus, s in speakers]
    fakes = [Clip(f"/f{i}", 1, "vits", "c", "v", SR, 1.0, "", "", "") for i in range(4)]
    splits = {"train": real + fakes, "val": fakes[:1], "test": real[:1]}
    kept_by_seed = []
    for seed in range(4):
        half = thin_train_speakers(splits, 0.5, seed)
        kept = {(c.corpus, c.speaker) for c in half["train"] if not c.label}
        assert len(kept) == 3  # of six speakers; ("vctk", "p1") and ("libri", "p1") are two
        assert [c for c in half["train"] if not c.label] == [c for c in real if (c.corpus, c.speaker) in kept]  # whole speakers
        assert [c for c in half["train"] if c.label] == fakes and half["val"] is splits["val"] and half["test"] is splits["test"]
        kept_by_seed.append(kept)
    assert len({frozenset(k) for k in kept_by_seed}) > 1
    assert len({(c.corpus, c.speaker) for c in thin_train_speakers(splits, 0.01, 0)["train"] if not c.label}) == 1
    assert thin_train_speakers(splits, 1.0, 0) is splits


def test_paired_eer_compares_two_models_on_the_same_clips():
    from deepfake_live.training.val_groups_study import _fold, paired_eer

    assert _fold("m.tflite") == (Path("m.tflite"), set())  # trained on no validation group: scored on all of them
    assert _fold("m.tflite=hifigan, diffvc") == (Path("m.tflite"), {"hifigan", "diffvc"})

    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 60)
    units = np.array([f"u{i % 20}" for i in range(120)])
    good = rng.normal(0, 1, (2, 120)) + 2.0 * labels  # separates the classes
    poor = rng.normal(0, 1, (2, 120)) + 0.3 * labels
    for r in paired_eer(good, poor, labels, units, n_boot=200).values():
        assert r["candidate_eer"] < r["reference_eer"] and r["difference_ci95"][1] < 0
        assert r["share_of_resamples_candidate_better"] > 0.95
    for same in paired_eer(poor, poor, labels, units, n_boot=50).values():
        assert same["difference"] == 0 and same["difference_ci95"] == [0.0, 0.0]
    # an offset between conditions hurts the pooled EER only: each condition keeps its own ranking
    shifted = good + np.array([[0.0], [3.0]])
    r = paired_eer(shifted, good, labels, units, n_boot=20)
    assert r["condition_mean"]["difference"] == 0 and r["pooled"]["difference"] > 0.05


def test_final_fit_on_all_validation_fakes_needs_a_cross_fitted_calibration(tmp_path: Path):
    from deepfake_live.training.train import main

    manifest = tmp_path / "m.csv"
    manifest.write_text("path,label,system,corpus,speaker\n/a.flac,real,real,c,s\n/b.flac,fake,x,c,s\n")
    with pytest.raises(SystemExit) as exc:
        main(["--manifest", str(manifest), "--out", str(tmp_path / "out"), "--train-on-val-groups", "all"])
    assert "--calibration-from" in str(exc.value.code)
    with pytest.raises(SystemExit) as exc:
        main(["--manifest", str(manifest), "--out", str(tmp_path / "out"), "--train-on-val-groups", "all",
              "--calibration-from", str(tmp_path / "none.json")])
    assert "no cross-fitted calibration" in str(exc.value.code) and "\n" not in str(exc.value.code)


def test_unknown_validation_group_is_one_line(tmp_path: Path):
    """A mistyped group would silently train the unchanged recipe under a study's name."""
    import soundfile as sf

    from deepfake_live.training.train import main

    for name in ("a", "b"):
        sf.write(str(tmp_path / f"{name}.wav"), (0.1 * np.sin(np.arange(16000) / 5.0)).astype(np.float32), SR)
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,label,system,corpus,speaker\na.wav,real,real,c,s\nb.wav,fake,x,c,s\n")
    with pytest.raises(SystemExit) as exc:
        main(["--manifest", str(manifest), "--out", str(tmp_path / "out"), "--train-on-val-groups", "hifigna"])
    assert "not validation generator groups: hifigna" in str(exc.value.code)


def test_channel_specialists_train_on_their_channel_and_pick_epochs_on_its_copies():
    from deepfake_live.training.train import split_variants, window_val_variants

    shipped, phone = split_variants(["clean", "telephone_8k_mulaw"]), split_variants(["clean", "telephone_8k_mulaw"], 1, "phone")
    assert shipped["train"] == ["aug0", "aug1"] and window_val_variants() == ["aug0"]
    assert phone["train"] == ["phone0", "phone1", "codec0"] and window_val_variants("phone") == ["telephone_8k_mulaw"]
    assert phone["val"] == shipped["val"] and set(window_val_variants("phone")) <= set(phone["val"])  # cached already
    room = split_variants(["clean", "reverb_noise_10db"], 0, "room")
    assert room["train"] == ["room0", "room1"] and window_val_variants("room") == ["reverb_noise_10db"]
    assert set(window_val_variants("room")) <= set(room["val"])
    assert split_variants(["clean"], 0, "clean")["train"] == ["aug0", "edges1"] and window_val_variants("clean") == ["clean"]
    # train --train-channel phone writes the file the app looks for beside the detector
    from deepfake_live.pipeline import SPECIALIST_FILES
    from deepfake_live.training.train import SPECIALIST_STEMS, SPECIALIST_VAL

    assert f"{SPECIALIST_STEMS['phone']}.tflite" == SPECIALIST_FILES[SPECIALIST_VAL["phone"]]


def test_calibrate_sets_the_noisy_call_threshold_from_genuine_clips_alone(tmp_path: Path):
    """``train.calibrate``: the stress channel gets a threshold by the shipped rule from the genuine clips only, and takes
    no part in the single threshold (the highest of the card's conditions)."""
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training import channels
    from deepfake_live.training.data import Clip
    from deepfake_live.training.train import calibrate

    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    root = Path(__file__).resolve().parents[1]
    demo = sorted((root / "assets" / "demo").glob("*.flac"))
    demo = [p for p in demo if "tone" not in p.name]
    assert len(demo) >= 3
    clips = [Clip(str(p), int(i == 0), "demo", "demo", f"spk{i}", 16000, 6.0, "test", "", "") for i, p in enumerate(demo)]
    runner = ModelRunner(root / "models" / "deepfake_live.tflite")
    conditions = ["clean", "opus_12k"]
    fixed = {"a": 1.0, "b": 0.0}
    _, thr, info = calibrate(runner, clips, conditions, tmp_path, fixed)
    per = info["per_condition_threshold"]
    assert set(per) == {*conditions, *channels.STRESS_CONDITIONS} and info["threshold_only_conditions"] == list(channels.STRESS_CONDITIONS)
    assert all(0.0 < v < 1.0 for v in per.values())
    assert thr == pytest.approx(max(per[c] for c in conditions))  # the stress channel never sets the single threshold
    _, _, without = calibrate(runner, clips, conditions, tmp_path, fixed, threshold_only=())
    assert set(without["per_condition_threshold"]) == set(conditions)


def test_stress_threshold_adds_one_threshold_to_a_trained_model_and_changes_nothing_else(tmp_path: Path):
    """``stress_threshold``: a channel added after training gets its threshold by the calibration's rule, written into the
    model's metadata beside the others; the model still loads (checksum) and every other field is as it was."""
    import json
    import shutil

    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training import channels
    from deepfake_live.training.data import Clip
    from deepfake_live.training.stress_threshold import add_thresholds, main

    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    root = Path(__file__).resolve().parents[1]
    for name in ("deepfake_live.tflite", "deepfake_live.json"):
        shutil.copy(root / "models" / name, tmp_path / name)
    model = tmp_path / "deepfake_live.tflite"
    before = json.loads((tmp_path / "deepfake_live.json").read_text())
    demo = [p for p in sorted((root / "assets" / "demo").glob("*.flac")) if "tone" not in p.name]
    real = [Clip(str(p), 0, "real", "demo", f"spk{i}", 16000, 6.0, "test", "", "") for i, p in enumerate(demo)]
    dry = add_thresholds(model, ["hd_voice_g722"], dry_run=True, real=real, cache_dir=tmp_path / "cache")
    assert json.loads((tmp_path / "deepfake_live.json").read_text()) == before
    new = add_thresholds(model, ["hd_voice_g722"], real=real, cache_dir=tmp_path / "cache")
    assert new == dry and 0.0 < new["hd_voice_g722"] < 1.0
    info = ModelRunner(model).meta.extra["calibration_info"]
    assert info["per_condition_threshold"] == {**before["calibration_info"]["per_condition_threshold"], **new}
    assert "hd_voice_g722" in info["threshold_only_conditions"]
    after = json.loads((tmp_path / "deepfake_live.json").read_text())
    assert {k: v for k, v in after.items() if k != "calibration_info"} == {k: v for k, v in before.items() if k != "calibration_info"}
    with pytest.raises(SystemExit, match="model not found"):
        main(["--model", str(tmp_path / "none.tflite"), "--condition", "hd_voice_g722"])
    model.write_bytes(b"not a model")  # the checksum no longer matches: one line, the metadata left as it was
    with pytest.raises(SystemExit, match="stress_threshold: .*checksum mismatch"):
        main(["--model", str(model), "--condition", "hd_voice_g722"])
    assert json.loads((tmp_path / "deepfake_live.json").read_text()) == after


def _manifest_for_every_split(root: Path, per_split_real: int = 4, systems_per_split: int = 2) -> Path:
    """A manifest of synthetic clips whose speakers and generator systems land in each of the three splits."""
    from scipy.io import wavfile

    from deepfake_live.training.data import split_of

    def probe(label: int, name: str) -> str:
        return split_of(Clip(path="", label=label, system=name if label else "real", corpus="toy", speaker=name,
                             orig_sr=SR, duration_s=3.0, license="test", source_repo="test", manifest="test",
                             family="classic" if label else "real"))

    rows, rng = [], np.random.default_rng(3)
    for label, want, clips_each in ((0, per_split_real, 1), (1, systems_per_split, 2)):
        found: dict[str, list[str]] = {"train": [], "val": [], "test": []}
        k = 0
        while min(len(v) for v in found.values()) < want:
            name = f"{'toyspeaker' if label == 0 else 'toygen'}{k}"
            k += 1
            if len(found[probe(label, name)]) < want:
                found[probe(label, name)].append(name)
        for names in found.values():
            for name in names:
                for j in range(clips_each):
                    path = root / f"{name}_{j}.wav"
                    wavfile.write(path, SR, _voice(rng, fake=bool(label), seconds=3.0))
                    rows.append(f"{path},{'fake' if label else 'real'},{name if label else 'real'},toy,{name},{SR},3.0,test,,CC0")
    manifest = root / "manifest.csv"
    manifest.write_text("path,label,system,corpus,speaker,orig_sr,duration_s,source_repo,source_path,license\n"
                        + "\n".join(rows) + "\n")
    return manifest


@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")  # Keras on NumPy 2
def test_training_command_runs_end_to_end_on_a_few_clips(tmp_path: Path, monkeypatch):
    """The README's training command, cut to a few steps: cache, splits, training, export, calibration (the stress
    channel's threshold included), test evaluation and the live threshold, into a model the app loads."""
    pytest.importorskip("tensorflow")
    import json

    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training.channels import CONDITIONS, STRESS_CONDITIONS
    from deepfake_live.training.train import main

    manifest = _manifest_for_every_split(tmp_path)
    monkeypatch.chdir(tmp_path)  # the feature cache and work files go under data_cache/ here, not into the checkout
    out = tmp_path / "model"
    kept = tmp_path / "keras" / "cnn.keras"
    assert main(["--manifest", str(manifest), "--out", str(out), "--epochs", "1", "--steps", "3", "--members", "1",
                 "--skip-baseline", "--workers", "1", "--save-keras", str(kept)]) == 0
    runner = ModelRunner(out / "deepfake_live.tflite")
    thresholds = runner.meta.extra["calibration_info"]["per_condition_threshold"]
    assert set(thresholds) == set(CONDITIONS) | set(STRESS_CONDITIONS)
    report = json.loads((out / "validation.json").read_text())
    assert set(report["at_condition_threshold"]) == set(CONDITIONS)  # stress channels are thresholded, not evaluated
    assert report["n_eval_real"] == 4 and report["n_eval_fake"] == 4

    # Draws trained apart ship as one ensemble: two copies of the kept CNN make a two-member model that scores as it does.
    both = tmp_path / "both"
    assert main(["--manifest", str(manifest), "--out", str(both), "--skip-baseline", "--workers", "1",
                 "--members-from", str(kept), "--members-from", str(kept)]) == 0
    merged = ModelRunner(both / "deepfake_live.tflite")
    assert merged.meta.training_data["members_from"] == [str(kept), str(kept)]
    windows = np.random.default_rng(0).normal(-40.0, 15.0, (16, *runner.meta.input_shape[1:3])).astype(np.float32)
    assert np.corrcoef(runner.raw_scores(windows), merged.raw_scores(windows))[0, 1] > 0.99
    with pytest.raises(SystemExit, match="--members-from file not found"):
        main(["--manifest", str(manifest), "--out", str(tmp_path / "none"), "--members-from", str(tmp_path / "missing.keras")])
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a keras file")
    with pytest.raises(SystemExit, match="cannot load CNN members"):
        main(["--manifest", str(manifest), "--out", str(tmp_path / "none"), "--skip-baseline", "--workers", "1",
              "--members-from", str(broken)])


@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")  # Keras on NumPy 2
def test_the_shipped_cnn_is_rebuilt_as_keras_members_that_score_as_it_does(tmp_path: Path):
    """``recover_keras`` reads the shipped TFLite file's two members back into Keras (int8 kernels times their scales,
    batch norm and the input scale folded as exported): the rebuilt ensemble scores real speech windows as the file does,
    and the saved ``.keras`` gives ``train --members-from`` its two members."""
    pytest.importorskip("tensorflow")
    import keras
    from conftest import DEMO, MODEL

    from deepfake_live.audio.files import read_audio
    from deepfake_live.dsp.features import compute_features
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training import recover_keras
    from deepfake_live.training.train import saved_members

    out = tmp_path / "v3.keras"
    assert recover_keras.main(["--model", str(MODEL), "--out", str(out)]) == 0
    runner = ModelRunner(MODEL)
    x = compute_features(read_audio(DEMO / "piper_joe_8s.flac", 16000), runner.meta.features)
    w = runner.meta.window_frames
    windows = np.stack([x[s : s + w] for s in range(0, x.shape[0] - w, 40)])
    rebuilt = keras.models.load_model(out, compile=False)
    assert [m.name for m in saved_members(rebuilt)] == ["cnn_member0", "cnn_member1"]
    got = rebuilt.predict(windows[..., None], verbose=0).reshape(-1)
    assert np.max(np.abs(got - runner.raw_scores(windows))) < 0.05
    with pytest.raises(SystemExit, match="model not found"):
        recover_keras.main(["--model", str(tmp_path / "none.tflite"), "--out", str(out)])
