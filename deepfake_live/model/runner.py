"""LiteRT model runner: window of features in, calibrated fake-probability out."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from deepfake_live.errors import ModelError
from deepfake_live.model.metadata import ModelMetadata, load_metadata

DEFAULT_MODEL_NAME = "deepfake_live.tflite"


def default_model_path() -> Path:
    """The shipped model: $DEEPFAKE_LIVE_MODEL, the frozen bundle, or ``models/`` in the source tree."""
    env = os.environ.get("DEEPFAKE_LIVE_MODEL")
    if env:
        return Path(env)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "models" / DEFAULT_MODEL_NAME
    return Path(__file__).resolve().parents[2] / "models" / DEFAULT_MODEL_NAME


@contextmanager
def _quiet_native_stderr():
    """LiteRT prints an INFO line from C++ on every load; keep the terminal for our own messages."""
    try:
        fd = sys.stderr.fileno()
        saved = os.dup(fd)
    except (OSError, ValueError, AttributeError):
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            sys.stderr.flush()
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _load_interpreter(model_path: Path, num_threads: int):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as litert_error:  # pragma: no cover - optional fallback
        try:
            from tflite_runtime.interpreter import Interpreter  # type: ignore[no-redef]
        except ImportError:  # say why LiteRT failed too: an installed runtime can fail to import
            raise ModelError(f"no TFLite runtime could be loaded ({litert_error}): pip install ai-edge-litert") from None
    try:
        with _quiet_native_stderr():
            interp = Interpreter(model_path=str(model_path), num_threads=num_threads)
            interp.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise ModelError(f"{model_path}: not a loadable TFLite model ({first})") from None
    return interp


class ModelRunner:
    """Scores feature windows with the LiteRT interpreter.

    Input windows are (frames, bands) dB features from the shared front end; the
    runner adds batch and channel axes and applies the metadata's calibration.
    """

    def __init__(self, model_path: Path | None = None, num_threads: int = 1) -> None:
        self.path = Path(model_path) if model_path else default_model_path()
        self.meta: ModelMetadata = load_metadata(self.path)
        self._interp = _load_interpreter(self.path, num_threads)
        inputs = self._interp.get_input_details()
        outputs = self._interp.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelError(f"{self.path}: expected one input and one output tensor, found {len(inputs)} and {len(outputs)}")
        self._in = inputs[0]
        self._out = outputs[0]
        shape = tuple(int(v) for v in self._in["shape"])
        if shape[1:] != self.meta.input_shape[1:]:
            raise ModelError(f"{self.path}: model input shape {list(shape)} does not match metadata {list(self.meta.input_shape)}")
        self._batch = shape[0]
        self._scale, self._zero = self._in.get("quantization", (0.0, 0))
        self._out_scale, self._out_zero = self._out.get("quantization", (0.0, 0))

    @property
    def window_frames(self) -> int:
        return self.meta.window_frames

    def _prepare(self, windows: np.ndarray) -> np.ndarray:
        x = windows[..., None].astype(np.float32)
        dtype = self._in["dtype"]
        if dtype != np.float32:
            if not self._scale:
                raise ModelError(f"{self.path}: quantised input without scale")
            info = np.iinfo(dtype)
            x = np.clip(np.round(x / self._scale + self._zero), info.min, info.max).astype(dtype)
        return x

    def raw_scores(self, windows: np.ndarray) -> np.ndarray:
        """Raw model outputs for windows shaped (n, frames, bands)."""
        windows = np.asarray(windows, dtype=np.float32)
        if windows.ndim == 2:
            windows = windows[None]
        expected = (self.meta.window_frames, self.meta.features.n_bands)
        if windows.shape[1:] != expected:
            raise ValueError(f"window shape {windows.shape[1:]} != {expected}")
        out = np.empty(windows.shape[0], dtype=np.float64)
        if self._batch != 1:
            # Fixed batch models: pad the last batch.
            for start in range(0, windows.shape[0], self._batch):
                chunk = windows[start : start + self._batch]
                pad = self._batch - chunk.shape[0]
                if pad:
                    chunk = np.concatenate([chunk, np.repeat(chunk[-1:], pad, axis=0)])
                out[start : start + self._batch] = self._invoke(chunk)[: self._batch - pad]
            return out
        for i in range(windows.shape[0]):
            out[i] = self._invoke(windows[i : i + 1])[0]
        return out

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        self._interp.set_tensor(self._in["index"], self._prepare(batch))
        self._interp.invoke()
        y = self._interp.get_tensor(self._out["index"]).reshape(batch.shape[0], -1)[:, 0].astype(np.float64)
        if self._out["dtype"] != np.float32 and self._out_scale:
            y = (y - self._out_zero) * self._out_scale
        return y

    def to_logits(self, raw: np.ndarray) -> np.ndarray:
        if self.meta.output_kind == "probability":
            p = np.clip(raw, 1e-7, 1 - 1e-7)
            return np.log(p / (1 - p))
        return raw

    def probabilities(self, windows: np.ndarray) -> np.ndarray:
        """Calibrated probability that each window is machine-generated."""
        logits = self.to_logits(self.raw_scores(windows))
        cal = self.meta.calibration
        # The logistic function as exp(-log(1 + e^-z)): no overflow for logits far below zero, and no SciPy in the runtime
        return np.exp(-np.logaddexp(0.0, -(cal.a * logits + cal.b)))

    def __call__(self, window: np.ndarray) -> float:
        return float(self.probabilities(window[None])[0])
