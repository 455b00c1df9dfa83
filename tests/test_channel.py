"""Channel self-check: estimator on the training pipeline's channel copies of real clips,
the mapping to the model's per-condition thresholds, and the CLI's channel report."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import DEMO, MODEL, real_clips, write_wav

from deepfake_live.audio.files import read_audio
from deepfake_live.channel_policy import (
    CLEAN,
    HD_VOICE,
    HD_VOICE_MAX_HOLES,
    MP3,
    NOISY,
    OPUS,
    OUTSIDE,
    TELEPHONE,
    ConditionPolicy,
)
from deepfake_live.dsp.channel import ChannelTracker, clipped_fraction, estimate_channel
from deepfake_live.dsp.features import FeatureConfig, StreamingFeatures, compute_features
from deepfake_live.training import channels

CFG = FeatureConfig()


def assess(x: np.ndarray, policy: ConditionPolicy):
    tracker = ChannelTracker(CFG)
    feats = StreamingFeatures(CFG)
    for i in range(0, x.size, 8000):
        tracker.push(x[i : i + 8000], feats.push(x[i : i + 8000]))
    return policy.assess(tracker.summary())


@pytest.fixture(scope="module")
def policy(model) -> ConditionPolicy:
    return ConditionPolicy.from_model(model.meta, model.detector_cfg)


@pytest.fixture(scope="module")
def clips() -> list[np.ndarray]:
    paths = real_clips(3, "librispeech") + real_clips(2, "vctk") + real_clips(2, "ljspeech")
    return [read_audio(p, 16000)[: 16000 * 8] for p in paths]


def test_policy_reads_the_per_condition_thresholds_from_the_metadata(model, policy):
    per = model.meta.extra["calibration_info"]["per_condition_threshold"]
    assert policy.clip_thresholds == {k: float(v) for k, v in per.items()}
    # A retrained model with other values: the policy follows the metadata, nothing is hard-coded.
    meta = replace(model.meta, extra={**model.meta.extra, "calibration_info": {"per_condition_threshold": {
        CLEAN: 0.3, TELEPHONE: 0.4, OPUS: 0.5, MP3: 0.6, NOISY: 0.7}}})
    other = ConditionPolicy.from_model(meta, model.detector_cfg)
    assert other.thresholds((TELEPHONE,))[:1] == (0.4,) and other.thresholds((TELEPHONE,))[2] == TELEPHONE
    assert other.thresholds((CLEAN, OPUS))[0] == 0.5  # can't tell clean from Opus: the stricter one
    # A live threshold moves with its condition, and an override wins everywhere.
    assert other.thresholds((TELEPHONE,))[1] > other.thresholds((CLEAN,))[1]
    assert replace(other, override=0.42).thresholds((TELEPHONE,)) == (0.42, 0.42, "override")


def test_telephone_copies_are_narrowband_and_use_the_telephone_threshold(clips, policy):
    for x in clips:
        a = assess(channels.apply_condition(x, "telephone_8k_mulaw", 0), policy)
        assert a.estimate.band == "narrowband", a.line()
        assert 3000 < a.estimate.bandwidth_hz < 4600
        assert a.condition == TELEPHONE and a.reliable
        assert a.clip_threshold == policy.clip_thresholds[TELEPHONE]


def test_a_quiet_telephone_line_is_narrowband_whatever_the_number_of_bands():
    """The band-edge spans are in hertz: at 128 bands (v3's front end) a quiet call, whose mu-law noise fills the band up
    to 4 kHz, read as fullband when they were counted in bands (47 of 514 validation telephone copies got the wrong threshold
    and model)."""
    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)
    for level_db in (-20.0, -35.0, -50.0):  # the level going into the line
        y = channels.apply_condition(x * (10 ** (level_db / 20) / np.sqrt(np.mean(x**2))), TELEPHONE, 0)
        for bands in (64, 128):
            cfg = FeatureConfig(n_bands=bands)
            est = estimate_channel(compute_features(y, cfg), cfg)
            assert est.band == "narrowband" and 3000 < est.bandwidth_hz < 4000, (level_db, bands, est)


def test_wideband_and_opus_copies_are_not_narrowband(clips, policy):
    for x in clips:
        for cond in ("clean", "opus_12k"):
            a = assess(channels.apply_condition(x, cond, 0), policy)
            assert a.estimate.band != "narrowband", (cond, a.line())
            assert a.estimate.bandwidth_hz >= 6000


def test_mp3_lowpass_is_seen_as_a_codec(clips, policy):
    hits = [assess(channels.apply_condition(x, "mp3_32k", 0), policy).condition == MP3 for x in clips]
    assert sum(hits) >= len(clips) - 1, hits


def test_noisy_copies_map_to_the_noisy_condition_and_very_noisy_ones_are_less_reliable(clips, policy):
    rng = np.random.default_rng(1)
    for x in clips:
        a = assess(channels.apply_condition(x, "reverb_noise_10db", 0), policy)
        assert a.condition == NOISY and a.reliable, a.line()
        assert 5 < a.estimate.snr_db < 20
        worse = assess(channels.add_noise(x, rng, -5.0, alpha=1.0), policy)
        assert worse.condition == OUTSIDE and not worse.reliable, worse.line()
        assert "speech-to-noise" in worse.reason and "less reliable" in worse.line()
        assert worse.clip_threshold == max(policy.clip_thresholds.values())


def test_clipping_is_measured_and_flagged():
    t = np.arange(16000 * 3) / 16000
    tone = (0.8 * np.sin(2 * np.pi * 220 * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    clean_clip, n = clipped_fraction(tone)
    assert clean_clip == 0 and n == tone.size
    hard = np.clip(tone * 3, -0.5, 0.5)
    clipped, _ = clipped_fraction(hard)
    assert clipped / hard.size > 0.3
    est = estimate_channel(compute_features(hard, CFG), CFG, clipped / hard.size)
    assert est.clipping > 0.3


def test_tracker_streams_an_estimate_per_second_and_summarises_the_whole_stream(clips):
    x = np.concatenate([clips[0], channels.apply_condition(clips[1], "telephone_8k_mulaw", 0)])
    tracker = ChannelTracker(CFG, context_s=4.0, update_s=1.0, summary_frames=300)
    feats = StreamingFeatures(CFG)
    estimates = []
    for i in range(0, x.size, 1600):
        e = tracker.push(x[i : i + 1600], feats.push(x[i : i + 1600]))
        if e is not None:
            estimates.append(e)
    assert abs(len(estimates) - x.size / 16000) <= 1
    assert estimates[2].band != "narrowband" and estimates[-1].band == "narrowband"  # follows the change
    assert tracker.summary().seconds == pytest.approx(x.size / 16000, abs=0.1)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deepfake_live", *args], capture_output=True, text=True, timeout=300)


def test_analyze_json_reports_the_channel_and_threshold_used(tmp_path, clips, model):
    wide = write_wav(tmp_path / "wide.wav", clips[0])
    tel = write_wav(tmp_path / "tel.wav", channels.apply_condition(clips[0], "telephone_8k_mulaw", 0))
    proc = cli("analyze", "--json", "--no-progress", "-j", "1", str(wide), str(tel))
    assert proc.returncode == 0, proc.stderr
    by_name = {r["path"].split("/")[-1]: r for r in json.loads(proc.stdout)["results"]}
    w, t = by_name["wide.wav"]["channel"], by_name["tel.wav"]["channel"]
    assert t["band"] == "narrowband" and t["bandwidth_hz"] < 4600
    policy = model.policy()  # the telephone line goes to the telephone-band model where one is shipped (test_specialist)
    route = policy.routes.get(TELEPHONE)
    expected = route.clip_threshold if route else policy.clip_thresholds[TELEPHONE]
    assert t["condition"] == TELEPHONE and t["threshold_used"] == pytest.approx(expected, abs=1e-4)
    assert t["scored_by"] == (route.label if route else "main model") and w["scored_by"] == "main model"
    assert by_name["tel.wav"]["threshold"] == pytest.approx(t["threshold_used"], abs=1e-4)
    assert w["band"] in ("wideband", "fullband") and CLEAN in w["candidates"]
    for key in ("bandwidth_hz", "snr_db", "clipping", "condition", "threshold_used"):
        assert key in w and key in t
    text = cli("analyze", "--no-progress", str(tel))
    assert "channel: narrowband" in text.stdout and "telephone_8k_mulaw" in text.stdout


def test_a_threshold_given_on_the_command_line_overrides_the_channel(tmp_path, clips):
    tel = write_wav(tmp_path / "tel.wav", channels.apply_condition(clips[0], "telephone_8k_mulaw", 0))
    proc = cli("analyze", "--json", "--threshold", "0.5", str(tel))
    assert proc.returncode == 0, proc.stderr
    ch = json.loads(proc.stdout)["results"][0]["channel"]
    assert ch["condition"] == TELEPHONE and ch["threshold_used"] == 0.5 and ch["threshold_condition"] == "override"


def test_monitor_jsonl_carries_channel_objects():
    proc = cli("monitor", "--file", str(DEMO / "espeak_6s.flac"), "--fast", "--jsonl")
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    channel = [e for e in events if e["event"] == "channel"]
    assert channel and all("threshold_used" in e["channel"] for e in channel)
    assert events[-1]["event"] == "summary" and events[-1]["channel"]["band"] in ("wideband", "fullband")


@pytest.mark.parametrize(("name", "kbps"), [("mp3", 32), ("opus", 12), ("aac", 24), ("amr_nb", 12.2), ("g722", None)])
def test_every_training_codec_round_trips_in_time_with_its_input(name, kbps):
    """Each codec the training chain draws really runs and comes back aligned (raw MP3 used to arrive 69 ms late;
    AAC was written as ADTS but read with a demuxer name FFmpeg does not have, so every AAC draw was silently skipped)."""
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)
    y = channels.codec(x, name, kbps)
    assert y.size == x.size and not np.allclose(y, x)
    core = slice(8000, -8000)
    corr = [float(np.corrcoef(x[core], np.roll(y, -lag)[core])[0, 1]) for lag in (-64, -8, 0, 8, 64)]
    assert corr[2] == max(corr) and corr[2] > 0.6, corr


def test_gilbert_losses_have_the_asked_rate_and_burst_length():
    from deepfake_live.training.lossy_network import gilbert_losses

    rng = np.random.default_rng(0)
    for loss, burst in ((0.05, 1.0), (0.10, 2.5), (0.20, 4.0)):
        lost = gilbert_losses(100_000, loss, burst, rng)
        starts = np.flatnonzero(np.diff(lost.astype(int)) == 1).size
        assert abs(lost.mean() - loss) < 0.01 and abs(lost.sum() / starts - burst) < 0.15 * burst, (loss, burst)
    assert not gilbert_losses(500, 0.0, 1.0, rng).any()
    with pytest.raises(ValueError, match="bursts"):
        gilbert_losses(10, 0.6, 1.0, rng)  # 60% loss cannot come in runs of one packet


def test_opus_over_a_lossy_network_conceals_lost_packets_with_audio():
    """libopus driven directly: without loss it is the same codec PyAV runs; a lost packet's 20 ms are filled by the
    decoder's concealment (not silence, except deep in a long burst, where libopus fades out), and the result stays
    aligned with its input."""
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    from deepfake_live.training.lossy_network import FRAME_MS, opus_over_lossy_network

    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)
    clean, lost0 = opus_over_lossy_network(x, 16, 0.0, np.random.default_rng(1))
    assert lost0 == 0.0 and clean.size == x.size
    assert np.corrcoef(clean, channels.codec(x, "opus", 16))[0, 1] > 0.9
    lossy, share = opus_over_lossy_network(x, 16, 0.2, np.random.default_rng(1), mean_burst=2.5)
    assert 0.1 < share < 0.3 and lossy.size == x.size and not np.allclose(lossy, clean)
    n = 16000 * FRAME_MS // 1000
    frames = lossy[: x.size // n * n].reshape(-1, n)
    speech = np.abs(x[: x.size // n * n].reshape(-1, n)).max(axis=1) > 0.05
    silent = (np.abs(frames[speech]).max(axis=1) < 1e-3).mean()
    assert silent < share / 4, (silent, share)  # most lost speech frames are concealed; only long bursts fade out
    core = slice(8000, -8000)
    corr = [float(np.corrcoef(x[core], np.roll(lossy, -lag)[core])[0, 1]) for lag in (-64, 0, 64)]
    assert corr[1] == max(corr) and corr[1] > 0.5, corr


def test_call_channels_benchmark_names_its_copies_and_refuses_unknown_ones(capsys):
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import call_channels

    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)
    rng = np.random.default_rng(0)
    assert call_channels.copy_of(x, "clean", rng) is x
    for name in ("opus_12k", "opus_16k_loss10b", "g722", "g722_band"):
        y = call_channels.copy_of(x, name, rng)
        assert y.size == x.size and not np.allclose(y, x), name
    top = [float(np.mean(np.abs(np.fft.rfft(c))[int(7400 / 8000 * (x.size // 2)):] ** 2))  # power above 7.4 kHz
           for c in (x, call_channels.copy_of(x, "g722_band", rng))]
    assert top[1] < top[0] / 10, top  # the terminal's 7 kHz band edge is there
    with pytest.raises(ValueError, match="unknown copy"):
        call_channels.copy_of(x, "opus_12k_lossy", rng)
    assert call_channels.main(["--copies", "clean,amr_wb"]) == 2
    assert "unknown copy 'amr_wb'" in capsys.readouterr().err


def test_codec_chain_always_codes_and_maps_the_speech_span():
    """The codec-only training variant (``train --codec-variants``) never skips its codec, draws all four, and
    keeps timing so the clean clip's speech mask still lines up."""
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)[:32000]
    rng = np.random.default_rng(3)
    names = set()
    for _ in range(12):
        span: list[int] = []
        y, steps = channels.codec_chain(x, rng, span)
        coded = [s for s in steps if s.startswith(tuple(channels.CODEC_BITRATES))]
        assert len(coded) == 1 and np.isfinite(y).all() and np.abs(y).max() <= 1.0
        names.add(next(n for n in channels.CODEC_BITRATES if coded[0].startswith(n)))
        a, b, pre = span
        assert y.size >= pre + (b - a)  # the kept input sits at [pre, pre + b - a) of the output
    assert names == set(channels.CODEC_BITRATES)


def cached_variant_keeps_length(x: np.ndarray, variant: str) -> np.ndarray:
    """A call or room variant as the cache makes it: the clean clip's speech mask fits it as it is, and the same clip and
    variant name give the same audio. Returns the audio."""
    from deepfake_live.training.cache import variant_audio

    y, speech = variant_audio(x, "clip.flac", variant, np.ones(x.size, dtype=np.float32))
    assert speech is not None and speech.size == y.size == x.size
    assert np.array_equal(y, variant_audio(x, "clip.flac", variant)[0])  # reproducible per clip and variant
    return y


def chain_draws(chain, seed: int, n: int) -> tuple[np.ndarray, list[tuple[np.ndarray, list[str]]]]:
    """``n`` draws of a training chain (one generator, ``seed``) on 3 s of the Piper demo clip, each checked to keep the
    clip's length and stay finite. Returns the clip and the (audio, steps) of each draw."""
    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)[:48000]
    rng = np.random.default_rng(seed)
    draws = [chain(x, rng) for _ in range(n)]
    for y, _ in draws:
        assert y.size == x.size and np.isfinite(y).all()
    return x, draws


def power_share_above(y: np.ndarray, hz: float) -> float:
    """Share of the power above ``hz`` in the middle of a 16 kHz clip (its first and last 0.5 s left out)."""
    power = np.abs(np.fft.rfft(y[8000:-8000])) ** 2
    freqs = np.fft.rfftfreq(y[8000:-8000].size, 1 / 16000)
    return float(power[freqs > hz].sum() / power.sum())


def test_phone_chain_is_a_narrowband_call_of_the_same_length():
    """A telephone specialist's training variant (``train --train-channel phone``): G.711 or AMR-NB, all three drawn,
    nothing left above the 4 kHz of an 8 kHz call, the length kept so the clean clip's speech mask fits; the cache
    names its variants 'phone0'.. and never confuses them with the telephone evaluation condition."""
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    from deepfake_live.training.cache import variant_audio

    x, calls = chain_draws(channels.phone_chain, seed=5, n=10)
    kinds = set()
    for y, steps in calls:
        kinds.add(steps[0].rstrip("0123456789."))
        assert np.abs(y).max() <= 1.0
        assert power_share_above(y, 4200) < 1e-3
    assert kinds == set(channels.PHONE_CODECS)
    y0 = cached_variant_keeps_length(x, "phone0")
    assert not np.array_equal(y0, variant_audio(x, "clip.flac", "phone1")[0])


def test_room_chain_is_a_noisy_room_of_the_same_length():
    """A noisy-room specialist's training variant (``train --train-channel room``): always noise between 5 and 25 dB
    (the channel estimate reads it), mostly reverberation, the length kept; 'room0'.. never an evaluation condition."""
    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)[:48000]
    snrs, reverbs = [], 0
    for seed in range(12):
        y, steps = channels.room_chain(x, np.random.default_rng(seed))
        assert y.size == x.size and np.isfinite(y).all() and np.abs(y).max() <= 1.0
        assert steps[-1].startswith("noise") and 5 <= int(steps[-1][5:-2]) <= 25
        reverbs += "reverb" in steps
        snrs.append(estimate_channel(compute_features(y, CFG), CFG).snr_db)
    assert 3 <= reverbs <= 12 and max(s for s in snrs if s is not None) < 40, snrs
    cached_variant_keeps_length(x, "room0")
    assert not {"room0", "room1"} & set(channels.CONDITIONS)


def test_opus_call_chain_is_an_opus_call_of_the_same_length():
    """An Opus-call specialist's training variant (``train --train-channel opus``): libopus at one of the bitrates, the
    8 kbit/s narrowband mode included (nothing above its 4 kHz), the length kept; 'voip0'.. never an evaluation condition
    (the prefix is not 'opus', which the evaluation condition opus_12k starts with)."""
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    x, calls = chain_draws(channels.opus_call_chain, seed=3, n=12)
    seen = set()
    for y, steps in calls:
        kbps = float(steps[0][4:])
        seen.add(kbps)
        assert np.abs(y).max() <= 1.0
        if kbps == 8:
            assert power_share_above(y, 4500) < 1e-2
    assert len(seen) >= 3 and seen <= set(channels.OPUS_CALL_KBPS)
    cached_variant_keeps_length(x, "voip0")
    assert not any(v.startswith("voip") for v in [*channels.CONDITIONS, *channels.STRESS_CONDITIONS])


def test_narrowband_call_chain_adds_opus_narrowband_to_the_phone_calls():
    """The telephone-band study T8's variant (``train --train-channel phone_opus``): the phone chain's kinds or Opus at
    8 kbit/s, all narrowband, the length kept; 'nbcall0'.. never an evaluation condition."""
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    x, calls = chain_draws(channels.narrowband_call_chain, seed=1, n=16)
    kinds = set()
    for y, steps in calls:
        kinds.add(steps[0] if steps[0] == "opus8" else steps[0].rstrip("0123456789."))  # amr_nb12.2 -> amr_nb
        assert power_share_above(y, 4500) < 1e-2, steps
    assert kinds == set(channels.NARROWBAND_CALLS)
    cached_variant_keeps_length(x, "nbcall0")
    assert not any(v.startswith("nbcall") for v in [*channels.CONDITIONS, *channels.STRESS_CONDITIONS])


def test_noisy_call_stress_condition_is_the_noisy_room_through_opus():
    """``app_verdicts --stress``: the evaluation's noisy room heard through an Opus 12k call, deterministic per seed; the
    channel estimate reads it as noisy, which is where the app's threshold for it comes from."""
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)[:48000]
    y = channels.apply_condition(x, "noisy_call_opus_12k", seed=4)
    assert y.size == x.size and np.array_equal(y, channels.apply_condition(x, "noisy_call_opus_12k", seed=4))
    room = channels.apply_condition(x, "reverb_noise_10db", seed=4)
    assert not np.allclose(y, room, atol=1e-3)  # the codec is there
    est = estimate_channel(compute_features(y, CFG), CFG)
    assert est.snr_db is not None and est.snr_db < 20, est
    with pytest.raises(ValueError, match="noisy_call_opus_12k"):
        channels.apply_condition(x, "no_such_channel")


def test_hd_voice_is_told_from_mp3_by_the_holes_under_the_lowpass(clips, policy):
    """An HD-voice (G.722) call ends in a 7 kHz edge like MP3's; MP3 leaves spectral holes under it, G.722 does not. An
    HD-voice reading offers both conditions and uses the stricter threshold (a model calibrated before HD voice had
    one: MP3's); an MP3 reading keeps MP3's threshold."""
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    x = clips[0]
    y = channels.apply_condition(x, "hd_voice_g722", seed=0)
    assert y.size == x.size and "hd_voice_g722" in channels.STRESS_CONDITIONS
    spectrum = [np.abs(np.fft.rfft(c)) ** 2 for c in (x, y)]
    top = int(7400 / 8000 * (spectrum[0].size - 1))
    assert spectrum[1][top:].mean() < spectrum[0][top:].mean() / 10  # the terminal's band edge is there
    assessed = assess(y, policy)
    assert assessed.candidates == (HD_VOICE, MP3) and assessed.estimate.codec == "lowpass_codec", assessed.line()
    mp3 = [assess(channels.apply_condition(c, "mp3_32k", 0), policy).estimate for c in clips]
    assert all(e.hf_holes >= HD_VOICE_MAX_HOLES for e in mp3 if e.codec), [e.hf_holes for e in mp3]
    assert assessed.estimate.hf_holes < HD_VOICE_MAX_HOLES
    per = dict(policy.clip_thresholds)
    per.pop(HD_VOICE, None)
    older = ConditionPolicy(per, policy.base_clip, policy.base_live)
    assert older.assess(assessed.estimate).threshold_condition == MP3
    stricter = ConditionPolicy({**per, HD_VOICE: per[MP3] + 0.05}, policy.base_clip, policy.base_live)
    judged = stricter.assess(assessed.estimate)
    assert judged.threshold_condition == HD_VOICE and judged.clip_threshold == pytest.approx(per[MP3] + 0.05)
    assert {stricter.assess(e).threshold_condition for e in mp3 if e.codec} == {MP3}
    assert assess(x, policy).estimate.hf_holes is None  # no codec lowpass: not measured


def test_edges_variants_are_other_draws_of_the_mild_chain():
    """A clean-channel specialist's second variant (``train --train-channel clean``): aug0's chain (edges, sometimes a
    low-pass, gain: nothing that adds noise), drawn anew, with the speech mask carried through the moved edges."""
    from deepfake_live.training.cache import variant_audio

    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)[:48000]
    y, speech = variant_audio(x, "clip.flac", "edges1", np.ones(x.size, dtype=np.float32))
    y0, _ = variant_audio(x, "clip.flac", "aug0")
    assert speech is not None and speech.size == y.size and not np.array_equal(y, y0)
    est = estimate_channel(compute_features(y, CFG), CFG)
    assert est.snr_db is None or est.snr_db > 30, est  # no noise added


def test_app_verdicts_thresholds_each_copy_as_the_app_does(clips, policy, model):
    """The card's "as the app decides" rates use the same estimate and policy as a file analysis."""
    from deepfake_live.channel_watch import assess_audio
    from deepfake_live.training.app_verdicts import rates

    cfg = model.feature_cfg
    x = clips[0]
    for y in (x, channels.telephone(x, "mu")):
        got = assess_audio(y, cfg, policy, opus_check=None)  # the band-edge estimate alone (the Opus check: test_opus_check)
        thr, cond = got.clip_threshold, got.threshold_condition
        tracker, feats = ChannelTracker(cfg), StreamingFeatures(cfg)
        for i in range(0, y.size, 8000):
            tracker.push(y[i : i + 8000], feats.push(y[i : i + 8000]))
        expected = policy.assess(tracker.summary())
        assert (thr, cond) == (expected.clip_threshold, expected.threshold_condition)
    assert cond == TELEPHONE and thr == policy.clip_thresholds[TELEPHONE]
    r = rates(np.array([0.2, 0.9, 0.5, 0.95]), np.array([0.5, 0.5, 0.9, 0.9]), np.array([0, 0, 1, 1]))
    assert r == {"genuine_flagged": 0.5, "fakes_flagged": 0.5}


def test_the_opus_checks_noisy_rooms_are_noisy_and_only_train_the_check():
    """``codec_probe --noisy-rooms`` trains on random rooms (5-20 dB) heard directly and through Opus 12k: each copy is
    reproducible from its seed, keeps its length and timing, and neither is an evaluation condition."""
    if not channels.codecs_available():
        pytest.skip("PyAV not installed")
    x = read_audio(DEMO / "piper_joe_8s.flac", 16000)
    room = channels.apply_condition(x, "noisy_room", 3)
    assert np.array_equal(room, channels.apply_condition(x, "noisy_room", 3))
    assert not np.array_equal(room, channels.apply_condition(x, "noisy_room", 4))
    est = estimate_channel(compute_features(room, CFG), CFG)
    assert est.snr_db is not None and est.snr_db < 25, est
    call = channels.apply_condition(x, "noisy_room_opus_12k", 3)
    assert call.size == room.size == x.size
    assert float(np.corrcoef(room[8000:-8000], call[8000:-8000])[0, 1]) > 0.6  # the same room, coded in time
    assert not set(channels.CHECK_VARIANTS) & set(channels.CONDITIONS)
    with pytest.raises(ValueError, match="unknown condition"):
        channels.apply_condition(x, "no_such_room")


def test_app_verdicts_names_a_missing_model_or_check_file(tmp_path):
    from deepfake_live.training.app_verdicts import main

    with pytest.raises(SystemExit, match="model not found"):
        main(["--model", str(tmp_path / "none.tflite")])
    with pytest.raises(SystemExit, match="Opus check not found"):
        main(["--model", str(MODEL), "--opus-check", str(tmp_path / "none.tflite")])
    other = tmp_path / "candidate.tflite"
    other.write_bytes(b"x")
    with pytest.raises(SystemExit, match="give --out"):  # a candidate never overwrites the shipped app's figures
        main(["--model", str(other)])
