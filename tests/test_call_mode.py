"""Call mode through two real PulseAudio devices at once: a real voice on the microphone,
a generated fake on the call's output. Only the fake (caller) lane may flag, and unplugging
the caller's device leaves the microphone lane running."""

from __future__ import annotations

import json
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_SPEECH, PulseCall, flagged_fake, real_clips, write_wav

from deepfake_live.audio.files import read_audio
from deepfake_live.call import CALLER, YOU, LaneState, judge
from deepfake_live.detector import Segment

ROOT = Path(__file__).resolve().parents[1]


def test_only_the_caller_alarms_and_a_flagged_local_voice_weakens_it():
    you, caller = LaneState(YOU), LaneState(CALLER)
    assert judge(you, caller).alarm is False and judge(you, caller).reliable
    you.segments.append(Segment(1.0, 3.0, 0.9, 0.9, 5))
    v = judge(you, caller)
    assert not v.alarm and not v.reliable and "your own voice" in v.note  # the control flags: no alarm, a warning
    caller.open_segment = Segment(4.0, 5.0, 0.95, 0.95, 3)
    v = judge(you, caller)
    assert v.alarm and not v.reliable and v.note.startswith("caller verdict less reliable")


@pytest.fixture(scope="module")
def pulse_call():
    if not shutil.which("pulseaudio") or not shutil.which("pactl"):
        pytest.fail("pulseaudio/pactl not installed (apt install pulseaudio pulseaudio-utils)")
    call = PulseCall()
    call.start()
    try:
        yield call
    finally:
        call.stop()


def _real_voice() -> np.ndarray:
    folder = SHARED_SPEECH / "real" / "librispeech"
    picked = sorted(folder.glob("*2033_2033-164914-000[03].flac")) or real_clips(2)
    return np.concatenate([read_audio(p, 16000) for p in picked])


def _reader(proc: subprocess.Popen, out: queue.Queue) -> None:
    for line in proc.stdout:
        if line.startswith("{"):
            out.put(json.loads(line))
    out.put(None)


def _wait_for(events: queue.Queue, seen: list[dict], pred, limit_s: float = 60.0) -> dict:
    """Collect events until one satisfies ``pred`` (a generous limit only guards against hanging)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            ev = events.get(timeout=1.0)
        except queue.Empty:
            continue
        if ev is None:
            break
        seen.append(ev)
        if pred(ev):
            return ev
    raise AssertionError(f"event not seen; last events: {seen[-5:]}")


def test_monitor_call_flags_only_the_fake_lane_and_survives_unplugging(pulse_call, tmp_path):
    real = write_wav(tmp_path / "real.wav", _real_voice())
    fake = write_wav(tmp_path / "fake.wav", read_audio(flagged_fake(), 16000))
    proc = subprocess.Popen([sys.executable, "-m", "deepfake_live", "monitor", "--call", "--jsonl", "--duration", "300"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=pulse_call.env, cwd=ROOT)
    events: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc, events), daemon=True).start()
    seen: list[dict] = []
    try:
        started = _wait_for(events, seen, lambda e: e["event"] == "started")
        assert started["lanes"][YOU]["running"] and started["lanes"][CALLER]["running"], started
        assert "mic.monitor" in started["lanes"][YOU]["source"] and "call.monitor" in started["lanes"][CALLER]["source"]
        for lane in (YOU, CALLER):  # both streams deliver before anything is played
            _wait_for(events, seen, lambda e, lane=lane: e["event"] == "score" and e["lane"] == lane)
        players = [pulse_call.play_on("mic", real, wait=False), pulse_call.play_on("call", fake, wait=False)]
        for p in players:
            p.wait(timeout=120)
        _wait_for(events, seen, lambda e: e["event"] == "segment_ended" and e["lane"] == CALLER)
        pulse_call.unplug("call")
        _wait_for(events, seen, lambda e: e["event"] == "error" and e["lane"] == CALLER)
        pulse_call.play_on("mic", real, wait=True)
        _wait_for(events, seen, lambda e: e["event"] == "score" and e["lane"] == YOU and e["probability"] is not None)
        proc.send_signal(signal.SIGINT)
        summary = _wait_for(events, seen, lambda e: e["event"] == "summary")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    error_at = next(i for i, e in enumerate(seen) if e["event"] == "error")
    you_after = [e for e in seen[error_at:] if e["event"] == "score" and e["lane"] == YOU and e["probability"] is not None]
    assert you_after, "the microphone lane stopped when the caller's device went away"
    caller_alarms = [e for e in seen if e["event"] == "segment_started" and e["lane"] == CALLER]
    assert caller_alarms and all(e["alarm"] for e in caller_alarms)
    assert not [e for e in seen if e["event"].startswith("segment") and e["lane"] == YOU], "the real voice was flagged"
    assert summary["alarm"] is True and summary["lanes"][YOU]["segments"] == []
    assert summary["lanes"][CALLER]["error"] and not summary["lanes"][YOU]["error"]
    assert any(e["event"] == "channel" and e["lane"] == YOU for e in seen)
