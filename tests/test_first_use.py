"""What a first-time user trips over (issue #15): formats, damaged and short files, --json, no display, --duration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO

ESPEAK = DEMO / "espeak_6s.flac"
SR = 16000


def cli(*args: str, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deepfake_live", *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    from deepfake_live.audio.files import read_audio

    return read_audio(ESPEAK, SR)


def encode(path: Path, samples: np.ndarray, codec: str, rate: int = SR) -> Path:
    """Write ``samples`` with FFmpeg's encoder ``codec`` (as a phone or browser would)."""
    av = pytest.importorskip("av")
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples.astype(np.float32)[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = None
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


# -- item 3: phone voice memos and web formats ---------------------------------------
@pytest.mark.parametrize(("name", "codec", "rate"), [("memo.m4a", "aac", SR), ("call.webm", "libopus", 48000),
                                                     ("note.opus", "libopus", 48000), ("clip.mp4", "aac", 44100)])
def test_ffmpeg_formats_are_analysed(tmp_path, speech, name, codec, rate):
    from deepfake_live.dsp.resample import StreamingResampler

    up = StreamingResampler(SR, rate)
    samples = np.concatenate([up.push(speech), up.flush()]) if rate != SR else speech
    path = encode(tmp_path / name, samples, codec, rate)
    if name.endswith((".m4a", ".mp4")):
        with pytest.raises(Exception):  # noqa: B017 - the reason for the issue: libsndfile refuses MP4/AAC
            sf.info(str(path))
    proc = cli("analyze", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads(proc.stdout)["results"]
    assert result["verdict"] in ("likely synthetic", "uncertain", "likely genuine")
    assert result["duration_s"] == pytest.approx(len(speech) / SR, abs=0.15)
    assert result["speech_windows"] > 10
    assert proc.stderr == ""  # no FFmpeg chatter


def test_mp3_has_no_decoder_noise(tmp_path, speech):
    path = encode(tmp_path / "voice.mp3", speech, "libmp3lame")
    proc = cli("analyze", str(path))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


# -- item 4: --json keeps every input ----------------------------------------------------
def test_json_keeps_failed_files_in_results(tmp_path):
    bad = tmp_path / "renamed.wav"
    bad.write_text("not audio\n" * 50)
    proc = cli("analyze", "--json", "-j", "1", str(ESPEAK), str(bad), str(tmp_path / "missing.flac"))
    assert proc.returncode == 3
    results = json.loads(proc.stdout)["results"]
    assert [r["path"] for r in results] == [str(ESPEAK), str(bad), str(tmp_path / "missing.flac")]
    assert "error" not in results[0] and results[0]["verdict"]
    assert results[1]["verdict"] is None and "renamed.wav" in results[1]["error"] and results[1]["exit_code"] == 3
    assert "no such file" in results[2]["error"]


# -- item 5: too short ------------------------------------------------------------------
def test_short_clip_gets_too_short_not_a_verdict(tmp_path, speech):
    from deepfake_live.detector import MIN_SPEECH_S

    onset = int(np.argmax(np.abs(speech) > 0.05))
    clip = tmp_path / "short.wav"
    sf.write(str(clip), speech[onset : onset + int(0.2 * SR)], SR)
    proc = cli("analyze", "--json", str(clip))
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads(proc.stdout)["results"]
    assert result["verdict"] == "too short" and result["segments"] == []
    assert result["speech_s"] < MIN_SPEECH_S
    text = cli("analyze", str(clip)).stdout
    assert "TOO SHORT" in text and f"{MIN_SPEECH_S:.1f} s" in text
    summary = json.loads(cli("monitor", "--file", str(clip), "--fast", "--jsonl").stdout.strip().splitlines()[-1])
    assert summary["verdict"] == "too short"


def test_whole_clip_is_not_too_short(model, speech):
    from deepfake_live.analysis import analyze_file

    r = analyze_file(ESPEAK, model.feature_cfg, model.detector_cfg, model.runner.probabilities)
    assert r.verdict != "too short" and r.speech_s >= model.detector_cfg.min_speech_s


def test_min_speech_comes_from_model_metadata(tmp_path, model):
    import shutil

    from deepfake_live.analysis import analyze_file
    from deepfake_live.pipeline import load_model

    src = Path(model.runner.path)
    shutil.copy(src, tmp_path / src.name)
    meta = json.loads(src.with_suffix(".json").read_text())
    meta["min_speech_s"] = 30.0
    (tmp_path / src.name).with_suffix(".json").write_text(json.dumps(meta))
    strict = load_model(tmp_path / src.name)
    assert strict.detector_cfg.min_speech_s == 30.0
    r = analyze_file(ESPEAK, strict.feature_cfg, strict.detector_cfg, strict.runner.probabilities)
    assert r.verdict == "too short"


# -- item 6: truncated files -------------------------------------------------------------
def test_truncated_flac_is_analysed_up_to_the_break(tmp_path, speech):
    full = tmp_path / "full.flac"
    sf.write(str(full), speech, SR)
    data = full.read_bytes()
    cut = tmp_path / "cut.flac"
    cut.write_bytes(data[: len(data) * 6 // 10])
    proc = cli("analyze", "--json", str(cut))
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads(proc.stdout)["results"]
    assert 2.0 < result["duration_s"] < len(speech) / SR - 1.0  # more than the old "0 samples", less than the header
    assert result["speech_windows"] > 0
    (warning,) = result["warnings"]
    assert "decoding stopped at" in warning and f"of {len(speech) / SR:.1f} s" in warning
    text = cli("analyze", str(cut))
    assert "warning:" in text.stdout and "Traceback" not in text.stderr


# -- item 2: no display ----------------------------------------------------------------
def test_gui_without_display_is_one_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = cli("gui", env=env, timeout=60)
    assert proc.returncode == 6
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "analyze" in lines[0] and "--offscreen" in lines[0]
    assert "reinstall" not in proc.stderr.lower()


def test_display_detection(monkeypatch, tmp_path):
    from deepfake_live import display

    for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(display.sys, "platform", "linux")
    assert "no display" in display.display_problem()
    monkeypatch.setenv("DISPLAY", ":987")  # no such X server socket
    assert "not running" in display.display_problem()
    monkeypatch.setenv("DISPLAY", "remotehost:0")  # remote: Qt decides
    assert display.display_problem() is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("DISPLAY", ":987")
    assert display.has_display()


# -- item 9: monitor --duration ------------------------------------------------------------
def test_monitor_duration_counts_captured_audio():
    proc = cli("monitor", "--file", str(ESPEAK), "--duration", "3", "--jsonl", timeout=60)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert 3.0 <= summary["audio_s"] < 4.0


# -- item 10: explain writes to the working directory -------------------------------------
def test_explain_writes_to_working_directory(tmp_path):
    import shutil

    data = tmp_path / "dataset"
    data.mkdir()
    clip = shutil.copy(ESPEAK, data / "clip.flac")
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run([sys.executable, "-m", "deepfake_live", "explain", str(clip)], capture_output=True, text=True,
                          timeout=300, cwd=work, env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in data.iterdir()) == ["clip.flac"]  # nothing written beside the input
    from PySide6.QtGui import QImage

    img = QImage(str(work / "clip.explain.png"))
    assert img.width() >= 1100 and img.height() >= 750
