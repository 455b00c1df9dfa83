"""TFLite conversion (float32 and dynamic-range int8 weights) and LiteRT latency measurement."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def to_tflite(model, out_path: Path, quantize: bool = False) -> Path:
    import tensorflow as tf

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantize:
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(conv.convert())
    return out_path


def latency_ms(tflite_path: Path, window_frames: int, n_bands: int, runs: int = 300) -> dict:
    """Median and p95 single-window latency on one thread with LiteRT (XNNPACK)."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(tflite_path), num_threads=1)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    x = np.random.default_rng(0).normal(-50, 15, (1, window_frames, n_bands, 1)).astype(np.float32)
    for _ in range(20):
        it.set_tensor(inp["index"], x)
        it.invoke()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        it.set_tensor(inp["index"], x)
        it.invoke()
        t.append((time.perf_counter() - t0) * 1000.0)
    return {"median_ms": round(float(np.median(t)), 4), "p95_ms": round(float(np.percentile(t, 95)), 4)}
