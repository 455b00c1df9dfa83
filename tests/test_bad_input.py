"""Every bad input ends in one line naming the culprit and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import DEMO, MODEL

SPEECH = DEMO / "piper_joe_8s.flac"


def cli(*args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deepfake_live", *args], capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(proc: subprocess.CompletedProcess, needle: str, code: int | None = None) -> None:
    assert proc.returncode != 0, proc.stdout
    if code is not None:
        assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert errors, proc.stderr
    assert needle in errors[0], errors[0]


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    from deepfake_live.audio.files import read_audio

    return read_audio(SPEECH, 16000)


def test_missing_file(tmp_path):
    assert_one_line_error(cli("analyze", str(tmp_path / "nope.wav")), "nope.wav", 3)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.wav"
    p.write_bytes(b"")
    assert_one_line_error(cli("analyze", str(p)), "empty.wav", 3)


def test_non_audio_file(tmp_path):
    p = tmp_path / "notes.mp3"
    p.write_text("this is not audio\n" * 100)
    assert_one_line_error(cli("analyze", str(p)), "notes.mp3", 3)


def test_directory(tmp_path):
    assert_one_line_error(cli("analyze", str(tmp_path)), str(tmp_path), 3)


def test_wav_with_no_samples(tmp_path):
    p = tmp_path / "zero.wav"
    sf.write(str(p), np.zeros(0, np.float32), 16000)
    assert_one_line_error(cli("analyze", str(p)), "zero.wav", 3)


def test_truncated_wav_is_analysed_or_refused_cleanly(tmp_path, speech):
    full = tmp_path / "full.wav"
    sf.write(str(full), speech, 16000, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    proc = cli("analyze", "--json", str(cut))
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        res = json.loads(proc.stdout)["results"][0]
        assert 3.0 < res["duration_s"] <= 8.5
    else:
        assert "cut.wav" in proc.stderr


@pytest.mark.parametrize(
    "rate,channels,subtype,fmt",
    [(8000, 1, "PCM_U8", "WAV"), (11025, 2, "PCM_16", "WAV"), (22050, 1, "PCM_24", "WAV"), (44100, 2, "FLOAT", "WAV"),
     (48000, 6, "PCM_16", "WAV"), (96000, 1, "PCM_32", "WAV"), (24000, 1, "VORBIS", "OGG"), (44100, 2, "MPEG_LAYER_III", "MP3"),
     (16000, 1, "PCM_16", "FLAC")],
)
def test_formats_rates_and_channel_counts_give_the_same_verdict(tmp_path, speech, model, rate, channels, subtype, fmt):
    from deepfake_live.analysis import analyze_file
    from deepfake_live.dsp.resample import resample

    x = resample(speech, 16000, rate) * 0.8
    data = np.repeat(x[:, None], channels, axis=1)
    p = tmp_path / f"clip.{fmt.lower()}"
    sf.write(str(p), data, rate, subtype=subtype, format=fmt)
    res = analyze_file(p, model.feature_cfg, model.detector_cfg, model.runner.probabilities)
    ref = analyze_file(SPEECH, model.feature_cfg, model.detector_cfg, model.runner.probabilities)
    assert res.sample_rate == rate and res.channels == channels
    assert res.duration_s == pytest.approx(ref.duration_s, abs=0.1)
    assert res.clip_score is not None
    # At 16 kHz and above a lossless conversion is near-transparent, so the score must stay put.
    lossy = rate < 16000 or fmt in ("OGG", "MP3") or subtype == "PCM_U8"
    if not lossy:
        assert abs(res.clip_score - ref.clip_score) < 0.1
    # Lower rates, 8-bit samples and codecs change the signal itself, and how far the score moves is the model's
    # channel robustness (the model card measures it), not file handling. What file handling must guarantee: the
    # app's decode + mix-down + resampling gives the score of an independent one (libsndfile decode, channel mean,
    # scipy polyphase resampling, float WAV at 16 kHz).
    from math import gcd

    from scipy.signal import resample_poly

    y, sr = sf.read(str(p), dtype="float64", always_2d=True)
    g = gcd(16000, sr)
    ind = tmp_path / "independent.wav"
    sf.write(str(ind), resample_poly(y.mean(axis=1), 16000 // g, sr // g), 16000, subtype="FLOAT")
    alt = analyze_file(ind, model.feature_cfg, model.detector_cfg, model.runner.probabilities)
    assert alt.clip_score is not None and abs(res.clip_score - alt.clip_score) < 0.1


def test_batch_keeps_good_results_when_some_files_are_bad(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    proc = cli("analyze", "--json", "-j", "2", str(SPEECH), str(bad), str(DEMO / "espeak_6s.flac"))
    assert proc.returncode == 3
    out = json.loads(proc.stdout)
    # every input stays in results, in the order given; the bad one carries its error (issue #15)
    assert [Path(r["path"]).name for r in out["results"]] == ["piper_joe_8s.flac", "bad.wav", "espeak_6s.flac"]
    assert out["results"][1]["verdict"] is None and "bad.wav" in out["results"][1]["error"]
    assert out["errors"][0]["path"] == str(bad) and "bad.wav" in out["errors"][0]["error"]
    assert "Traceback" not in proc.stderr


def _model_copy(tmp_path: Path) -> Path:
    dst = tmp_path / MODEL.name
    shutil.copy(MODEL, dst)
    shutil.copy(MODEL.with_suffix(".json"), dst.with_suffix(".json"))
    return dst


def test_missing_model(tmp_path):
    assert_one_line_error(cli("analyze", "--model", str(tmp_path / "m.tflite"), str(SPEECH)), "model file not found", 5)


def test_model_without_metadata(tmp_path):
    m = _model_copy(tmp_path)
    m.with_suffix(".json").unlink()
    assert_one_line_error(cli("analyze", "--model", str(m), str(SPEECH)), "metadata not found", 5)


def test_corrupt_model_fails_checksum(tmp_path):
    m = _model_copy(tmp_path)
    data = bytearray(m.read_bytes())
    data[len(data) // 2] ^= 0xFF
    m.write_bytes(bytes(data))
    assert_one_line_error(cli("analyze", "--model", str(m), str(SPEECH)), "checksum mismatch", 5)


def test_garbage_model_with_matching_checksum_is_refused(tmp_path):
    from deepfake_live.model.metadata import sha256_of

    m = _model_copy(tmp_path)
    m.write_bytes(b"\x00garbage" * 100)
    meta = json.loads(m.with_suffix(".json").read_text())
    meta["sha256"] = sha256_of(m)
    m.with_suffix(".json").write_text(json.dumps(meta))
    assert_one_line_error(cli("analyze", "--model", str(m), str(SPEECH)), "not a loadable TFLite model", 5)


def test_mismatched_metadata_is_refused(tmp_path):
    m = _model_copy(tmp_path)
    meta = json.loads(m.with_suffix(".json").read_text())
    meta["features"]["n_bands"] = 40
    m.with_suffix(".json").write_text(json.dumps(meta))
    assert_one_line_error(cli("analyze", "--model", str(m), str(SPEECH)), "does not match", 5)


def test_malformed_metadata_is_refused(tmp_path):
    m = _model_copy(tmp_path)
    m.with_suffix(".json").write_text("{not json")
    assert_one_line_error(cli("analyze", "--model", str(m), str(SPEECH)), "unreadable metadata", 5)


def test_bad_threshold():
    assert_one_line_error(cli("analyze", "--threshold", "1.5", str(SPEECH)), "--threshold", 1)


def test_unknown_device_name():
    assert_one_line_error(cli("monitor", "--device", "no-such-microphone-xyz", "--duration", "1"), "no-such-microphone-xyz", 4)


def test_evaluate_with_missing_or_empty_manifest(tmp_path):
    assert_one_line_error(cli("evaluate", str(tmp_path / "none.csv")), "manifest not found", 1)
    m = tmp_path / "m.csv"
    m.write_text("path,label,system,corpus,speaker,orig_sr,duration_s,source_repo,source_path,license\n"
                 "missing.wav,real,-,c,s,16000,1.0,-,-,-\n")
    assert_one_line_error(cli("evaluate", str(m)), "no listed clip exists", 1)
