"""Shared fixtures: paths, the shipped model, and a real PulseAudio virtual microphone."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import soundfile as sf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED_SPEECH = ROOT.parent / "shared" / "data" / "speech"
MODEL = ROOT / "models" / "deepfake_live.tflite"
DEMO = ROOT / "assets" / "demo"
MIC_RATE = 16000


@pytest.fixture(scope="session")
def model():
    """The shipped model, loaded through the real LiteRT runner."""
    from deepfake_live.pipeline import load_model

    return load_model(MODEL)


@functools.lru_cache(maxsize=1)
def flagged_fake() -> Path:
    """The demo TTS clip the shipped model scores highest: the tests that need a fake to be flagged use it, so
    they test the pipeline, not which voices a retrained model happens to catch (the model card measures that)."""
    from deepfake_live.analysis import analyze_file
    from deepfake_live.pipeline import load_model

    m = load_model(MODEL)
    clips = [DEMO / "espeak_6s.flac", DEMO / "piper_joe_8s.flac"]
    scores = [analyze_file(c, m.feature_cfg, m.detector_cfg, m.runner.probabilities).clip_score or 0.0 for c in clips]
    return clips[int(np.argmax(scores))]


def real_clips(n: int = 3, corpus: str = "librispeech") -> list[Path]:
    """Real human speech from ../shared (read at test time, never copied into the repo)."""
    folder = SHARED_SPEECH / "real" / corpus
    clips = sorted(folder.glob("*.flac"))[:n]
    if not clips:
        pytest.skip(f"real human speech not found at {folder}: the real-speech tests need the shared data set "
                    "../shared/data/speech beside this checkout (see README, Tests)")
    return clips


def write_wav(path: Path, samples: np.ndarray, rate: int = MIC_RATE) -> Path:
    sf.write(str(path), samples.astype(np.float32), rate, subtype="PCM_16")
    return path


class PulseMic:
    """A private PulseAudio server whose null sink's monitor is the default input."""

    def __init__(self) -> None:
        self.runtime = tempfile.mkdtemp(prefix="dfl-pulse-")
        os.chmod(self.runtime, 0o700)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=self.runtime, PULSE_RUNTIME_PATH=self.runtime)
        self._pacat: subprocess.Popen | None = None
        self._saved_env = {k: os.environ.get(k) for k in ("XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH")}

    def start(self) -> None:
        subprocess.run(
            ["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "--system=false", "-n",
             "--load=module-native-protocol-unix",
             f"--load=module-null-sink sink_name=vsink rate={MIC_RATE} channels=1 format=s16le norewinds=1"],
            env=self.env, check=True, capture_output=True, timeout=30,
        )
        deadline = time.monotonic() + 15
        while subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("PulseAudio did not come up")
            time.sleep(0.2)
        subprocess.run(["pactl", "set-default-source", "vsink.monitor"], env=self.env, check=True, capture_output=True)
        self._pacat = subprocess.Popen(
            ["pacat", "--playback", "--device=vsink", "--latency-msec=20", "--raw", f"--rate={MIC_RATE}", "--channels=1",
             "--format=s16le", "/dev/zero"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.environ["XDG_RUNTIME_DIR"] = self.runtime
        os.environ["PULSE_RUNTIME_PATH"] = self.runtime
        from deepfake_live.audio.devices import rescan

        rescan()

    def play(self, wav: Path, wait: bool = True) -> subprocess.Popen:
        proc = subprocess.Popen(["paplay", "--device=vsink", "--latency-msec=200", str(wav)], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if wait:
            proc.wait(timeout=120)
        return proc

    def stop(self) -> None:
        if self._pacat is not None:
            self._pacat.terminate()
            self._pacat.wait(timeout=5)
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True)
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(self.runtime, ignore_errors=True)
        try:
            from deepfake_live.audio.devices import rescan

            rescan()
        except Exception:  # noqa: BLE001 - PortAudio may complain once the server is gone
            pass


@pytest.fixture(scope="session")
def pulse_mic():
    """A real capture device: PulseAudio null sink monitor, reached through PortAudio."""
    if not shutil.which("pulseaudio") or not shutil.which("pactl"):
        pytest.fail("pulseaudio/pactl not installed: .ci/run installs them (apt install pulseaudio pulseaudio-utils)")
    mic = PulseMic()
    mic.start()
    try:
        yield mic
    finally:
        mic.stop()


class PulseCall(PulseMic):
    """Two virtual devices on one private server, as in a call: a microphone and the call's output.

    ``mic`` is a null sink whose monitor is the default input (your voice); ``call`` is the
    default output sink, whose monitor carries the other side of the call. Each can be
    unplugged (its module unloaded) while the other keeps running.
    """

    SINKS = ("mic", "call")

    def __init__(self) -> None:
        super().__init__()
        self.modules: dict[str, str] = {}
        self._keepalive: list[subprocess.Popen] = []

    def start(self) -> None:
        super().start()  # the base server and its vsink (unused here)
        for sink in self.SINKS:
            out = subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={sink}", f"rate={MIC_RATE}",
                                  "channels=1", "format=s16le", "norewinds=1"], env=self.env, check=True,
                                 capture_output=True, text=True)
            self.modules[sink] = out.stdout.strip()
            self._keepalive.append(subprocess.Popen(
                ["pacat", "--playback", f"--device={sink}", "--latency-msec=20", "--raw", f"--rate={MIC_RATE}",
                 "--channels=1", "--format=s16le", "/dev/zero"], env=self.env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        subprocess.run(["pactl", "set-default-source", "mic.monitor"], env=self.env, check=True, capture_output=True)
        subprocess.run(["pactl", "set-default-sink", "call"], env=self.env, check=True, capture_output=True)
        from deepfake_live.audio.devices import rescan

        rescan()

    def play_on(self, sink: str, wav: Path, wait: bool = True) -> subprocess.Popen:
        proc = subprocess.Popen(["paplay", f"--device={sink}", "--latency-msec=200", str(wav)], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if wait:
            proc.wait(timeout=120)
        return proc

    def unplug(self, sink: str) -> None:
        """Remove a device as if it was unplugged: unload its module."""
        subprocess.run(["pactl", "unload-module", self.modules.pop(sink)], env=self.env, check=True, capture_output=True)

    def stop(self) -> None:
        for proc in self._keepalive:
            proc.terminate()
            proc.wait(timeout=5)
        super().stop()
