"""The Opus check (``codec_check``): the shipped CNN reads real clean speech as clean and its Opus 12k copy as
Opus, the app then uses the clean threshold only for the former, and a missing, foreign or corrupt check file
is handled (absent: the old "clean or Opus" behaviour; corrupt: a one-line ModelError)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import real_clips

from deepfake_live.audio.files import read_audio
from deepfake_live.channel_policy import CLEAN, NOISY, NOISY_CALL, OPUS, ConditionPolicy, describe_channel, match_conditions
from deepfake_live.channel_watch import assess_audio
from deepfake_live.codec_check import OpusCheck, default_opus_check_path, recording_logit, speechy
from deepfake_live.dsp.channel import ChannelEstimate
from deepfake_live.dsp.features import FeatureConfig, compute_features
from deepfake_live.errors import ModelError
from deepfake_live.training import channels

WIDEBAND = ChannelEstimate(8000.0, "fullband", 40.0, 0.0, -25.0, None, 5.0, 6.0)


def test_policy_uses_the_clean_threshold_only_when_the_check_reads_clean():
    assert match_conditions(WIDEBAND)[0] == (CLEAN, OPUS)  # no check ran: cannot tell
    assert match_conditions(replace(WIDEBAND, opus_logit=-0.7))[0] == (CLEAN,)
    assert match_conditions(replace(WIDEBAND, opus_logit=0.2))[0] == (CLEAN, OPUS)
    # the check never overrides what the band edges already say
    assert match_conditions(replace(WIDEBAND, band="narrowband", bandwidth_hz=3400.0, opus_logit=-3.0))[0] != (CLEAN,)
    policy = ConditionPolicy({CLEAN: 0.8, OPUS: 0.9}, 0.9, 0.76)
    clean = policy.assess(replace(WIDEBAND, opus_logit=-0.7))
    assert (clean.clip_threshold, clean.threshold_condition) == (0.8, CLEAN)
    assert "Opus check: clean" in describe_channel(clean.to_dict())
    opus = policy.assess(replace(WIDEBAND, opus_logit=0.2))
    assert (opus.clip_threshold, opus.threshold_condition) == (0.9, OPUS)
    assert "Opus check: Opus-like" in describe_channel(opus.to_dict())


def test_a_noisy_line_the_check_reads_as_opus_gets_the_noisy_call_threshold():
    """A noisy room heard through an Opus call scores higher than the room itself (genuine speech, validation), so it
    has a threshold of its own; a model without one judges it at its strictest. An MP3 lowpass keeps the room's."""
    noisy = replace(WIDEBAND, snr_db=12.0)
    assert match_conditions(noisy)[0] == (NOISY,)  # no check ran
    assert match_conditions(replace(noisy, opus_logit=-1.0))[0] == (NOISY,)
    assert match_conditions(replace(noisy, opus_logit=0.5))[0] == (NOISY_CALL,)
    assert match_conditions(replace(noisy, opus_logit=0.5, codec="lowpass_codec"))[0] == (NOISY,)
    policy = ConditionPolicy({CLEAN: 0.8, OPUS: 0.9, NOISY: 0.6, NOISY_CALL: 0.75}, 0.9, 0.76)
    call = policy.assess(replace(noisy, opus_logit=0.5))
    assert (call.clip_threshold, call.threshold_condition, call.reliable) == (0.75, NOISY_CALL, True)
    assert policy.assess(replace(noisy, opus_logit=-1.0)).clip_threshold == 0.6
    older = ConditionPolicy({CLEAN: 0.8, OPUS: 0.9, NOISY: 0.6}, 0.9, 0.76).assess(replace(noisy, opus_logit=0.5))
    assert (older.clip_threshold, older.threshold_condition) == (0.9, "model")


def test_the_shipped_model_has_a_noisy_call_threshold_between_the_room_and_opus(model):
    table = ConditionPolicy.from_model(model.meta, model.detector_cfg).clip_thresholds
    assert table[NOISY] < table[NOISY_CALL] < table[OPUS]


@pytest.fixture(scope="module")
def check(model) -> OpusCheck:
    loaded = OpusCheck.load(model.feature_cfg)
    assert loaded is not None, f"shipped Opus check missing: {default_opus_check_path()}"
    return loaded


@pytest.fixture(scope="module")
def clips() -> list[np.ndarray]:
    paths = real_clips(3, "librispeech") + real_clips(2, "vctk") + real_clips(2, "ljspeech")
    return [read_audio(p, 16000)[: 16000 * 8] for p in paths]


def test_real_speech_reads_clean_and_its_opus_copy_reads_opus(model, check, clips):
    cfg = model.feature_cfg
    long = [x for x in clips if x.size >= 5 * 16000]  # shorter clips may hold too few speech windows for a reading
    assert len(long) >= 4
    clean = [recording_logit(check, compute_features(channels.apply_condition(x, "clean", 0), cfg)) for x in long]
    opus = [recording_logit(check, compute_features(channels.apply_condition(x, "opus_12k", 0), cfg)) for x in long]
    assert all(v is not None for v in clean + opus)
    assert all(v >= 0 for v in opus), opus  # an Opus call must never get the clean threshold
    assert sum(v < 0 for v in clean) >= len(long) - 1, clean  # clean speech mostly does (a few % stays "clean or Opus")


def test_the_app_assessment_follows_the_check(model, check, clips):
    policy = ConditionPolicy.from_model(model.meta, model.detector_cfg)
    x = max(clips, key=len)
    opus = assess_audio(channels.apply_condition(x, "opus_12k", 0), model.feature_cfg, policy)
    assert opus.candidates == (CLEAN, OPUS) and opus.threshold_condition == OPUS, opus.line()
    assert opus.estimate.opus_logit is not None and opus.estimate.opus_logit >= 0
    without = assess_audio(x, model.feature_cfg, policy, opus_check=None)
    assert without.candidates == (CLEAN, OPUS) and without.estimate.opus_logit is None  # the behaviour before the check
    readings = [assess_audio(c, model.feature_cfg, policy) for c in clips]
    assert any(a.candidates == (CLEAN,) and a.clip_threshold == policy.clip_thresholds[CLEAN] for a in readings)


def test_the_check_tells_a_noisy_room_from_the_same_room_through_opus(model, check, clips):
    """The shipped check was trained with noisy rooms on both sides: the noise alone is not "Opus"."""
    policy = ConditionPolicy.from_model(model.meta, model.detector_cfg)
    long = [x for x in clips if x.size >= 5 * 16000]
    room = [assess_audio(channels.apply_condition(x, "reverb_noise_10db", 0), model.feature_cfg, policy) for x in long]
    call = [assess_audio(channels.apply_condition(x, "noisy_call_opus_12k", 0), model.feature_cfg, policy) for x in long]
    assert all(a.threshold_condition == NOISY_CALL for a in call), [a.line() for a in call]
    assert sum(a.threshold_condition == NOISY for a in room) >= len(long) - 1, [a.line() for a in room]


def test_silence_and_steady_tones_give_no_reading(model, check):
    t = np.arange(16000 * 6) / 16000
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    feats = compute_features(tone, model.feature_cfg)
    assert not speechy(feats[:144])
    assert recording_logit(check, feats) is None
    assert recording_logit(check, compute_features(np.zeros(16000 * 6, np.float32), model.feature_cfg)) is None


def test_missing_foreign_and_corrupt_check_files(model, tmp_path: Path):
    cfg = model.feature_cfg
    assert OpusCheck.load(cfg, tmp_path / "none.tflite") is None
    shipped = default_opus_check_path()
    copy = tmp_path / shipped.name
    shutil.copy(shipped, copy)
    shutil.copy(shipped.with_suffix(".json"), copy.with_suffix(".json"))
    assert OpusCheck.load(cfg, copy) is not None
    assert OpusCheck.load(FeatureConfig(n_bands=64), copy) is None  # made for another front end: not used
    copy.write_bytes(copy.read_bytes()[:1000])
    with pytest.raises(ModelError, match="opus_check"):
        OpusCheck.load(cfg, copy)


def test_live_sized_blocks_read_more_often_and_agree(model, check, clips):
    """The live engine pushes a few frames at a time: one window per 0.5 s, the same verdict as the file schedule."""
    x = max(clips, key=len)
    for cond, clean in (("clean", True), ("opus_12k", False)):
        feats = compute_features(channels.apply_condition(x, cond, 0), model.feature_cfg)
        file_reading = recording_logit(check, feats)
        n_file = len(check.logits)
        check.reset()
        for i in range(0, feats.shape[0], 5):  # 50 ms steps
            check.push(feats[i : i + 5])
        assert len(check.logits) > n_file
        live = check.recent_logit()
        assert file_reading is not None and live is not None
        assert (live < 0) == (file_reading < 0) == clean, (cond, live, file_reading)


def test_the_check_trainer_reads_windows_a_chunk_of_clips_at_a_time(monkeypatch):
    """``codec_probe.training_windows`` loads features a chunk of clips at a time (all training clips do not fit in
    memory at once), labels each variant's windows by whether it passed Opus, and with one chunk draws exactly the
    windows of a single pass (so the shipped check's recipe is unchanged)."""
    from deepfake_live.training import codec_probe, train
    from deepfake_live.training.sampler import ClipFeatures

    variants = [codec_probe.CLEAN, codec_probe.OPUS, codec_probe.NOISY, codec_probe.NOISY_OPUS]
    loads: list[int] = []

    def fake_load(clips, names, cfg, window):
        loads.append(len(clips))
        out = []
        for c in clips:
            feats = [np.full((200, 4), 10.0 * c + k, dtype=np.float16) for k in range(len(names))]
            out.append(ClipFeatures(c, feats, [np.arange(50) for _ in names]))
        return out

    monkeypatch.setattr(train, "load_data", fake_load)
    clips = list(range(7))
    x, y = codec_probe.training_windows(clips, variants, None, 3, np.random.default_rng(0), chunk=3)
    assert loads == [3, 3, 1]
    assert x.shape == (7 * 3 * 4, codec_probe.WINDOW, 4, 1) and y.shape == (7 * 3 * 4,)
    assert list(y) == [0.0] * 21 + [1.0] * 21 + [0.0] * 21 + [1.0] * 21  # clean, Opus, noisy room, noisy room + Opus
    assert sorted({int(v) % 10 for v in x[y == 1][:, 0, 0, 0]}) == [1, 3]  # Opus windows come from the Opus variants
    one, _ = codec_probe.training_windows(clips, variants, None, 3, np.random.default_rng(0), chunk=100)
    rng = np.random.default_rng(0)
    data = fake_load(clips, variants, None, codec_probe.WINDOW)
    single = np.concatenate([codec_probe.windows(data, k, 3, rng) for k in range(len(variants))])
    assert np.array_equal(one, single)
