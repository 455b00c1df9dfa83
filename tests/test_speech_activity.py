"""Voice activity (Silero) and level hints on real speech, in noise and at low level, and on synthetic non-speech.

Speech comes from the shared real clips (read at test time); noise, music, tones and call-progress
signals are made in code (benchmarks/nonspeech.py). The product path is exercised: analyze_file,
the engine, the monitor CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import ROOT, real_clips

sys.path.insert(0, str(ROOT / "benchmarks"))
import nonspeech as ns  # noqa: E402

from deepfake_live import level  # noqa: E402
from deepfake_live.analysis import analyze_file, score_features  # noqa: E402
from deepfake_live.audio.files import read_audio  # noqa: E402
from deepfake_live.dsp.features import FeatureConfig, compute_features  # noqa: E402
from deepfake_live.speech_activity import SpeechActivity, frame_speech_mask, frame_speech_probability  # noqa: E402

SR = 16000
CFG = FeatureConfig()


def _speech(n: int = 3, seconds: float = 10.0) -> list[np.ndarray]:
    return [read_audio(p, SR)[: int(seconds * SR)] for p in real_clips(n)]


def _wav(path: Path, x: np.ndarray) -> Path:
    sf.write(str(path), np.asarray(x, dtype=np.float32), SR, subtype="FLOAT")
    return path


def _analyze(model, path: Path):
    return analyze_file(path, model.feature_cfg, model.detector_cfg, model.runner.probabilities)


def test_streaming_equals_batch_for_any_block_size():
    x = ns.mix_at_snr(_speech(1)[0], ns.colored_noise(np.random.default_rng(0), 10.0, 1.0), 10)
    ref = frame_speech_probability(x, CFG)
    assert ref.shape[0] == compute_features(x, CFG).shape[0]
    for block in (1, 160, 511, 4000, 16000):
        sa = SpeechActivity(CFG)
        got = np.concatenate([sa.push(x[i : i + block]) for i in range(0, x.size, block)] + [sa.flush()])
        assert np.array_equal(got, ref), block
    sa.reset()  # a reset instance is a fresh stream
    assert np.array_equal(np.concatenate([sa.push(x), sa.flush()]), ref)


@pytest.mark.parametrize("condition", ["pink 5 dB", "babble 5 dB", "white 10 dB", "reverb + pink 10 dB", "-50 dBFS", "-55 dBFS"])
def test_real_speech_in_noise_reverberation_and_at_low_level_gets_a_verdict(model, condition, tmp_path):
    from deepfake_live.training.channels import reverb

    clips = _speech(4)
    rng = np.random.default_rng(1)
    for i, x in enumerate(clips[:3]):
        if condition.startswith("babble"):
            noise = sum(np.resize(c / ns.rms(c), x.size) for j, c in enumerate(clips) if j != i)  # the other speakers
        elif condition.startswith("white"):
            noise = ns.colored_noise(rng, x.size / SR, 0.0)
        else:
            noise = ns.colored_noise(rng, x.size / SR, 1.0)
        if condition.startswith("reverb"):
            x = reverb(x, rng, 0.7)
        y = ns.at_active_level(x, float(condition.split()[0])) if "dBFS" in condition else \
            ns.at_active_level(ns.mix_at_snr(x, noise, float(condition.split()[-2])), -26)
        res = _analyze(model, _wav(tmp_path / f"{i}.wav", y))
        scored = sum(p.probability is not None for p in res.timeline)
        assert res.clip_score is not None and scored >= 0.3 * len(res.timeline), (condition, i, scored, len(res.timeline))
        if condition != "-55 dBFS":  # below -50 dBFS the verdict comes with an "input level low" hint
            assert res.level_hint is None


def test_the_retired_energy_vad_missed_what_silero_finds(tmp_path):
    """The reason for issue #14, kept as a check that the benchmark's baseline still shows it."""
    import energy_vad

    x = ns.at_active_level(ns.mix_at_snr(_speech(1)[0], ns.colored_noise(np.random.default_rng(2), 10.0, 0.0), 0), -26)
    old = energy_vad.speech_frame_mask(compute_features(x, CFG), CFG)
    new = frame_speech_mask(x, CFG)
    assert new.mean() > 0.3 > old.mean()


@pytest.mark.parametrize("name", list(ns.catalogue(1.0)))
def test_non_speech_is_never_scored(model, name, tmp_path):
    x = ns.catalogue(12.0, seed=3)[name]()
    scored = total = 0
    for dbfs in (-20, -40):
        res = _analyze(model, _wav(tmp_path / f"{dbfs}.wav", ns.at_level(x, dbfs)))
        scored += sum(p.probability is not None for p in res.timeline)
        total += len(res.timeline)
    assert total > 50 and scored <= 0.01 * total, (name, scored, total)


def test_file_analysis_equals_batch_scoring_with_the_batch_mask(model, tmp_path):
    x = ns.mix_at_snr(_speech(1, 14.0)[0], ns.hum(14.0) + ns.colored_noise(np.random.default_rng(4), 14.0, 1.0), 5)
    x = np.concatenate([np.zeros(SR, np.float32), x, np.zeros(SR // 3, np.float32)])
    res = _analyze(model, _wav(tmp_path / "x.wav", x))
    cfg = model.detector_cfg
    fcfg = model.feature_cfg  # the model's own front end (its band count), as analysis uses it
    ws = score_features(compute_features(x, fcfg), fcfg, cfg, model.runner.probabilities, frame_speech_mask(x, fcfg))
    stream = np.array([np.nan if p.probability is None else p.probability for p in res.timeline])
    assert len(stream) == len(ws.probs) and np.isnan(stream).any() and (~np.isnan(stream)).any()
    assert np.array_equal(np.isnan(stream), np.isnan(ws.probs))
    assert np.allclose(stream[~np.isnan(stream)], ws.probs[~np.isnan(ws.probs)], atol=1e-6)
    assert [p.voiced_fraction for p in res.timeline] == pytest.approx(
        [frame_speech_mask(x, CFG)[s : s + cfg.window_frames].mean() for s in range(0, len(ws.probs) * cfg.hop_frames, cfg.hop_frames)])


def test_engine_on_a_file_equals_file_analysis(model, tmp_path):
    from deepfake_live.audio.sources import FileSource
    from deepfake_live.engine import Engine, ScoreEvent

    x = ns.mix_at_snr(_speech(1, 9.0)[0], ns.colored_noise(np.random.default_rng(5), 9.0, 1.0), 10)
    keys = ns.at_level(ns.dtmf(3.0, np.random.default_rng(6)), -20)
    path = _wav(tmp_path / "x.wav", np.concatenate([x, np.zeros(SR // 2, np.float32), keys]))
    ref = _analyze(model, path)
    engine = Engine(model.feature_cfg, model.detector_cfg, model.runner.probabilities)
    engine.start(FileSource(path, realtime=False))
    events = []
    while engine.running:
        events += engine.poll()
    events += engine.poll()
    points = [e.point for e in events if isinstance(e, ScoreEvent)]
    assert [(p.start_s, p.probability) for p in points] == [(p.start_s, p.probability) for p in ref.timeline]


# -- level hints ----------------------------------------------------------------
def test_level_hints_low_clipping_no_signal_and_none():
    x = _speech(1)[0]
    assert level.hint(level.measure(ns.at_active_level(x, -26))) is None
    assert level.hint(level.measure(ns.at_active_level(x, -50))) is None  # quiet but workable: no nagging
    assert level.hint(level.measure(ns.at_active_level(x, -65))) == level.LOW
    assert level.hint(level.measure(np.zeros(SR, np.float32))) == level.NO_SIGNAL
    clipped = np.clip(ns.at_active_level(x, -6) * 4, -1.0, 1.0)
    assert level.hint(level.measure(clipped)) == level.CLIPPING
    assert level.hint(level.measure(x / np.abs(x).max())) is None  # a peak-normalised file touches full scale once: not clipping


def test_level_merge_equals_measuring_the_whole():
    x = ns.at_active_level(_speech(1)[0], -30)
    whole = level.measure(x)
    parts = level.Level()
    for i in range(0, x.size, 3200):
        parts = level.merge(parts, level.measure(x[i : i + 3200]))
    assert parts.n == whole.n and parts.clipped == whole.clipped and parts.peak == whole.peak
    assert parts.rms_db == pytest.approx(whole.rms_db, abs=1e-6) and parts.loudest_db == pytest.approx(whole.loudest_db, abs=1e-6)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deepfake_live", *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_analyze_reports_low_level_and_clipping(tmp_path):
    x = _speech(1, 6.0)[0]
    quiet = _wav(tmp_path / "quiet.wav", ns.at_active_level(x, -66))
    loud = _wav(tmp_path / "loud.wav", np.clip(ns.at_active_level(x, -6) * 4, -1, 1))
    fine = _wav(tmp_path / "fine.wav", ns.at_active_level(x, -26))
    proc = _cli("analyze", "--no-progress", str(quiet), str(loud), str(fine))
    assert proc.returncode == 0, proc.stderr
    blocks = proc.stdout.split(str(tmp_path))[1:]
    assert "note: input level low" in blocks[0] and "note: clipping" in blocks[1] and "note:" not in blocks[2]
    proc = _cli("analyze", "--json", "--no-progress", str(quiet))
    assert json.loads(proc.stdout)["results"][0]["input_level"]["hint"] == level.LOW


def test_monitor_shows_the_level_hint(tmp_path):
    x = ns.at_active_level(_speech(1, 5.0)[0], -66)
    path = _wav(tmp_path / "quiet.wav", x)
    proc = _cli("monitor", "--file", str(path), "--fast", "--jsonl")
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert any(e.get("level_hint") == level.LOW for e in events if e["event"] == "score")
    assert events[-1]["event"] == "summary" and events[-1]["level_hints"] == [level.LOW]
    proc = _cli("monitor", "--file", str(path), "--fast")
    assert "INPUT LEVEL LOW" in proc.stdout and "raise the input volume" in proc.stdout


def test_gui_level_meter_shows_the_hint(qtbot):
    from deepfake_live.gui.indicator import LevelMeter

    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.set_level(-62.0, level.LOW)
    assert "INPUT LEVEL LOW" in meter.format() and "raise" in meter.toolTip()
    meter.set_level(-20.0, None)
    assert "LOW" not in meter.format() and meter.toolTip() == ""


def test_input_gain_boosts_only_quiet_input_and_only_up_to_its_limits():
    from deepfake_live import speech_activity as sa

    act = SpeechActivity(CFG)
    rng = np.random.default_rng(8)
    for dbfs, expect_db in ((-20.0, 0.0), (-46.0, 20.0), (-75.0, sa.AGC_MAX_GAIN_DB)):
        act.reset()
        chunks = ns.at_level(rng.standard_normal(sa.CHUNK * 400), dbfs).reshape(400, sa.CHUNK)  # 12.8 s
        gains_db = 20 * np.log10(act._gains(chunks))
        assert gains_db.min() >= 0.0 and np.all(np.diff(gains_db) >= -2.0)  # starts at 1, rises through the quiet
        assert gains_db[-1] == pytest.approx(expect_db, abs=1.0)


def test_input_gain_finds_more_of_quiet_far_field_speech(monkeypatch):
    from deepfake_live import speech_activity as sa
    from deepfake_live.training.channels import reverb

    rng = np.random.default_rng(9)
    found = {}
    for on in (True, False):
        monkeypatch.setattr(sa, "AGC_MAX_GAIN_DB", 30.0 if on else 0.0)
        total = 0.0
        for i, x in enumerate(_speech(3)):
            y = ns.mix_at_snr(reverb(x, np.random.default_rng(i), 0.9), ns.colored_noise(rng, x.size / SR, 1.0), 10)
            total += frame_speech_mask(ns.at_active_level(y, -50), CFG).mean()
        found[on] = total
    assert found[True] > 1.3 * found[False]  # measured 0.73 against 0.45 of frames


def test_speech_starts_at_the_threshold_and_holds_down_to_the_hold_level():
    from deepfake_live.speech_activity import SPEECH_HOLD, SPEECH_THRESHOLD, hold_speech, speech_mask

    lo, mid, hi = SPEECH_HOLD - 0.05, (SPEECH_HOLD + SPEECH_THRESHOLD) / 2, SPEECH_THRESHOLD + 0.1
    values, state = hold_speech(np.array([mid, hi, mid, mid, lo, mid]))
    assert speech_mask(np.array(values)).tolist() == [False, True, True, True, False, False]
    assert values[1] == pytest.approx(hi) and values[2] == pytest.approx(SPEECH_THRESHOLD)
    assert state is False
    values, state = hold_speech(np.array([mid]), in_speech=True)  # the state carries across calls
    assert speech_mask(np.array(values)).tolist() == [True] and state is True
