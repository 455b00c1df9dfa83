"""The telephone-band specialist: found beside the model, used exactly where the channel reads as a telephone line
(files and live streams alike), named in every report, and reported clearly when its file is damaged."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO, MODEL

from deepfake_live.analysis import analyze_file
from deepfake_live.audio.files import read_audio
from deepfake_live.channel_policy import MAIN_MODEL, NOISY, OUTSIDE, TELEPHONE, ConditionPolicy, Route
from deepfake_live.channel_watch import ChannelWatch
from deepfake_live.detector import Detector
from deepfake_live.dsp.channel import ChannelEstimate
from deepfake_live.errors import ModelError
from deepfake_live.model.runner import ModelRunner
from deepfake_live.pipeline import load_model
from deepfake_live.training import channels

SPECIALIST = MODEL.parent / "telephone.tflite"
needs_specialist = pytest.mark.skipif(not SPECIALIST.exists(), reason="no telephone-band model shipped")


def estimate(band: str = "narrowband", snr_db: float = 40.0) -> ChannelEstimate:
    bandwidth = {"narrowband": 3400.0, "fullband": 8000.0}[band]
    return ChannelEstimate(bandwidth, band, snr_db, 0.0, -25.0, None, 10.0, 12.0)


def telephone_copy(tmp_path: Path, name: str = "piper_joe_8s.flac") -> Path:
    """A demo clip through the evaluation's telephone channel (300-3400 Hz, 8 kHz, mu-law)."""
    x = read_audio(DEMO / name, 16000)
    path = tmp_path / f"{Path(name).stem}_telephone.flac"
    sf.write(path, channels.apply_condition(x, TELEPHONE, 0), 16000)
    return path


def test_the_policy_routes_only_a_telephone_line_read_on_its_own(model):
    route = Route(TELEPHONE, Path("telephone.tflite"), "telephone-band model (t 1)", 0.9, 0.8)
    policy = ConditionPolicy.from_model(model.meta, model.detector_cfg, routes={TELEPHONE: route})
    phone = policy.assess(estimate())
    assert phone.route == route and (phone.clip_threshold, phone.live_threshold) == (0.9, 0.8)
    assert phone.threshold_condition == TELEPHONE and phone.to_dict()["scored_by"] == route.label
    assert "scored by the telephone-band model (t 1)" in phone.line()
    noisy_phone = policy.assess(estimate(snr_db=15.0))  # noise on a phone line was not validated: main model, strictest threshold
    assert noisy_phone.condition == OUTSIDE and NOISY in noisy_phone.candidates and noisy_phone.route is None
    wide = policy.assess(estimate("fullband"))
    assert wide.route is None and wide.to_dict()["scored_by"] == MAIN_MODEL and "scored by" not in wide.line()
    chosen = replace(policy, override=0.7).assess(estimate())  # the user's threshold is on the main model's scale
    assert chosen.route is None and chosen.clip_threshold == 0.7


@needs_specialist
def test_load_model_finds_the_specialist_and_its_own_thresholds(model):
    route = model.routes[TELEPHONE]
    spec = ModelRunner(SPECIALIST).meta
    clip = spec.extra["calibration_info"]["per_condition_threshold"][TELEPHONE]
    assert route.path == SPECIALIST and route.clip_threshold == pytest.approx(clip)
    assert route.sha256 == spec.sha256 and spec.name in route.label
    assert 0.0 < route.live_threshold < 1.0
    assert model.policy().routes == {TELEPHONE: route} and model.policy(override=0.5).assess(estimate()).route is None


def test_a_model_alone_in_its_folder_has_no_specialist(tmp_path):
    for suffix in (".tflite", ".json"):
        shutil.copy(MODEL.with_suffix(suffix), tmp_path / f"deepfake_live{suffix}")
    assert load_model(tmp_path / "deepfake_live.tflite").routes == {}


@needs_specialist
def test_a_damaged_specialist_is_one_line_at_start_not_a_traceback(tmp_path):
    for suffix in (".tflite", ".json"):
        shutil.copy(MODEL.with_suffix(suffix), tmp_path / f"deepfake_live{suffix}")
    shutil.copy(SPECIALIST.with_suffix(".json"), tmp_path / "telephone.json")
    (tmp_path / "telephone.tflite").write_bytes(b"not a model" * 100)
    with pytest.raises(ModelError, match="telephone.tflite"):
        load_model(tmp_path / "deepfake_live.tflite")
    run = subprocess.run([sys.executable, "-m", "deepfake_live", "analyze", "--model", str(tmp_path / "deepfake_live.tflite"),
                          str(DEMO / "espeak_6s.flac")], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "telephone.tflite" in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr


@needs_specialist
def test_a_telephone_file_is_judged_by_the_specialist_alone(model, tmp_path):
    path = telephone_copy(tmp_path)
    route = model.routes[TELEPHONE]
    cfg = model.detector_cfg
    steps: list[float] = []
    routed = analyze_file(path, model.feature_cfg, cfg, model.runner.probabilities, policy=model.policy(), progress=steps.append)
    assert routed.channel["scored_by"] == route.label and routed.threshold == pytest.approx(route.clip_threshold)
    assert steps == sorted(steps) and steps[-1] == 1.0 and any(0.5 < f < 1.0 for f in steps)  # two passes, never backwards
    # Every window of the verdict is the specialist's: the same as analysing the file with it as the only model.
    alone = analyze_file(path, model.feature_cfg, replace(cfg, threshold=route.live_threshold, clip_threshold=route.clip_threshold),
                         ModelRunner(SPECIALIST).probabilities)
    assert routed.clip_score == pytest.approx(alone.clip_score, abs=1e-9)
    assert [p.probability for p in routed.timeline] == [p.probability for p in alone.timeline]
    assert routed.verdict == alone.verdict and routed.segments == alone.segments
    main = analyze_file(path, model.feature_cfg, cfg, model.runner.probabilities)  # and not the main model's
    assert abs(main.clip_score - routed.clip_score) > 1e-3


@needs_specialist
def test_wideband_audio_stays_with_the_main_model(model):
    path = DEMO / "piper_joe_8s.flac"
    routed = analyze_file(path, model.feature_cfg, model.detector_cfg, model.runner.probabilities, policy=model.policy())
    plain = analyze_file(path, model.feature_cfg, model.detector_cfg, model.runner.probabilities)
    assert routed.channel["scored_by"] == MAIN_MODEL and routed.clip_score == plain.clip_score


@needs_specialist
def test_the_watch_hands_the_detector_to_the_specialist_and_back(model):
    main = model.runner.probabilities
    detector = Detector(model.feature_cfg, model.detector_cfg, main)
    policy = model.policy()
    watch = ChannelWatch(model.feature_cfg, policy, opus_check=None)
    windows = np.random.default_rng(0).normal(-50, 10, (3, model.detector_cfg.window_frames, model.feature_cfg.n_bands))
    watch.apply(detector, policy.assess(estimate()))
    assert detector.scorer is not main and detector.cfg.clip_threshold == model.routes[TELEPHONE].clip_threshold
    assert np.allclose(detector.scorer(windows), ModelRunner(SPECIALIST).probabilities(windows))
    watch.apply(detector, policy.assess(estimate("fullband")))
    assert detector.scorer is main and detector.cfg.clip_threshold != model.routes[TELEPHONE].clip_threshold


@needs_specialist
def test_the_live_engine_switches_to_the_specialist_on_a_telephone_line(model, tmp_path):
    from deepfake_live.audio.sources import FileSource
    from deepfake_live.engine import ChannelEvent, Engine, ScoreEvent

    long_call = tmp_path / "call.flac"
    x = read_audio(telephone_copy(tmp_path), 16000)
    sf.write(long_call, np.concatenate([x, x]), 16000)  # 16 s: the estimate settles well before the end
    engine = Engine(model.feature_cfg, model.detector_cfg, model.runner.probabilities, policy=model.policy())
    engine.start(FileSource(long_call, realtime=False))
    events = []
    while engine.running:
        events += engine.poll()
    events += engine.poll()
    channel = [e for e in events if isinstance(e, ChannelEvent)]
    assert channel and all(e.assessment.route == model.routes[TELEPHONE] for e in channel)
    assert engine.channel.final().to_dict()["scored_by"] == model.routes[TELEPHONE].label
    # Windows after the first reading are the specialist's: the last one matches it scoring the same file alone.
    alone = analyze_file(long_call, model.feature_cfg, model.detector_cfg, ModelRunner(SPECIALIST).probabilities)
    last = [e.point for e in events if isinstance(e, ScoreEvent) and e.point.probability is not None][-1]
    ref = {p.start_s: p.probability for p in alone.timeline}
    assert last.probability == pytest.approx(ref[last.start_s], abs=1e-9)


@needs_specialist
def test_explain_shows_the_model_that_gives_the_verdict(tmp_path):
    call = telephone_copy(tmp_path)
    run = subprocess.run([sys.executable, "-m", "deepfake_live", "explain", str(call), "--out", str(tmp_path / "call.png")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "scored by the telephone-band model" in run.stdout and (tmp_path / "call.png").stat().st_size > 10_000
