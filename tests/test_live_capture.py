"""End to end through a real PulseAudio virtual microphone and the real PortAudio capture path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import PulseMic, flagged_fake, real_clips, write_wav

from deepfake_live.audio.devices import resolve_device
from deepfake_live.audio.files import read_audio
from deepfake_live.audio.sources import DeviceSource
from deepfake_live.detector import State
from deepfake_live.engine import Engine, ErrorEvent, ScoreEvent, SegmentEvent

pytestmark = pytest.mark.audio


def _wait_for_callbacks(source: DeviceSource, timeout: float = 10.0) -> None:
    t0 = time.monotonic()
    while source.health.callbacks == 0:
        assert time.monotonic() - t0 < timeout, "no audio callback from the virtual microphone"
        time.sleep(0.05)
    time.sleep(0.3)


def test_engine_timeline_follows_audio_played_into_the_virtual_mic(pulse_mic, model, tmp_path):
    """Silence -> synthetic speech -> silence: no-speech, then a flagged segment where the speech was."""
    fake = read_audio(flagged_fake(), 16000)
    sig = np.concatenate([np.zeros(2 * 16000), fake, np.zeros(3 * 16000)]).astype(np.float32)
    wav = write_wav(tmp_path / "session.wav", sig)
    engine = Engine(model.feature_cfg, model.detector_cfg, model.runner.probabilities)
    source = DeviceSource(resolve_device(None), sample_rate=16000)
    engine.start(source)
    try:
        _wait_for_callbacks(source)
        t_play = source.ring.written / source.sample_rate  # stream time when playback starts
        pulse_mic.play(wav)
        time.sleep(1.5)
    finally:
        engine.stop()
    events = engine.poll()
    points = [e.point for e in events if isinstance(e, ScoreEvent)]
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    speech_start, speech_end = t_play + 2.0, t_play + 2.0 + fake.size / 16000
    scored = [p for p in points if p.probability is not None]
    assert scored, "no speech window was scored"
    # Scored windows overlap the speech (PulseAudio adds < 0.5 s of lag).
    assert all(p.end_s > speech_start - 0.1 and p.start_s < speech_end + 0.7 for p in scored)
    # Windows well before playback are silence.
    before = [p for p in points if p.end_s < speech_start - 0.3]
    assert before and all(p.state is State.NO_SPEECH for p in before)
    assert any(p.state is State.SYNTHETIC for p in scored)
    segs = [e.segment for e in events if isinstance(e, SegmentEvent) and e.kind == "started"]
    # a segment starts where its first window starts, which may reach up to one window before the speech onset
    assert segs and speech_start - model.meta.window_seconds - 0.2 < segs[0].start_s < speech_end
    assert engine.dropped_blocks == 0 and engine.stats.skipped_windows == 0
    assert 0 < engine.stats.realtime_factor < 0.5


def test_genuine_speech_through_the_virtual_mic_is_not_flagged(pulse_mic, model, tmp_path):
    clip = read_audio(real_clips(1)[0], 16000)[: 16000 * 8]
    wav = write_wav(tmp_path / "real.wav", np.concatenate([np.zeros(16000), clip, np.zeros(16000)]))
    engine = Engine(model.feature_cfg, model.detector_cfg, model.runner.probabilities)
    source = DeviceSource(resolve_device(None), sample_rate=16000)
    engine.start(source)
    try:
        _wait_for_callbacks(source)
        pulse_mic.play(wav)
        time.sleep(1.2)
    finally:
        engine.stop()
    scored = [e.point for e in engine.poll() if isinstance(e, ScoreEvent) and e.point.probability is not None]
    assert len(scored) > 10
    assert sum(p.state is State.SYNTHETIC for p in scored) <= len(scored) // 4


def test_monitor_cli_prints_status_segments_and_summary(pulse_mic, tmp_path):
    fake = read_audio(flagged_fake(), 16000)
    wav = write_wav(tmp_path / "fake.wav", np.concatenate([np.zeros(8000), fake, np.zeros(16000)]))
    proc = subprocess.Popen([sys.executable, "-m", "deepfake_live", "monitor", "--jsonl", "--duration", "13"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)
    pulse_mic.play(wav)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    import json

    events = [json.loads(line) for line in out.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "started" and kinds[-1] == "summary"
    assert "score" in kinds and "segment_started" in kinds
    summary = events[-1]
    assert summary["dropped_blocks"] == 0 and summary["segments"]


def test_ctrl_c_prints_a_summary(pulse_mic):
    # Started with SIGINT ignored, as `cmd &` in a script (or a CI runner) does: Ctrl-C must still stop it cleanly
    proc = subprocess.Popen([sys.executable, "-m", "deepfake_live", "monitor"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    banner = proc.stdout.readline()  # like a user, press Ctrl-C once monitoring has visibly started
    assert banner.startswith("Monitoring"), banner
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    out = banner + out
    assert proc.returncode == 0, err
    assert "Summary:" in out and "dropped blocks 0" in out
    assert "Traceback" not in err


def test_device_lost_mid_stream_is_reported_not_a_crash(tmp_path):
    """A second private server is killed under a running monitor."""
    mic = PulseMic()
    mic.start()
    env = dict(os.environ, XDG_RUNTIME_DIR=mic.runtime, PULSE_RUNTIME_PATH=mic.runtime)
    proc = subprocess.Popen([sys.executable, "-m", "deepfake_live", "monitor", "--duration", "30"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(4.0)
        subprocess.run(["pulseaudio", "--kill"], env=mic.env, capture_output=True)
        out, err = proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
        mic.stop()
    assert proc.returncode == 4, (out, err)
    assert "Traceback" not in err
    assert "stopped" in out or "stopped" in err or "no audio" in out


def test_no_input_device_says_so(tmp_path):
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path), PULSE_RUNTIME_PATH=str(tmp_path), PULSE_SERVER="unix:/nonexistent")
    proc = subprocess.run([sys.executable, "-m", "deepfake_live", "monitor", "--duration", "2"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 4
    assert "Traceback" not in proc.stderr
    assert "error:" in proc.stderr
