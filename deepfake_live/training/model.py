"""Keras models: the compact CNN that ships, and the MFCC + small CNN baseline.

Both take (batch, frames, bands, 1) dB features from the shared front end and
output one logit (positive = fake). Only training imports this module.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops


@keras.saving.register_keras_serializable(package="deepfake_live")
class WindowMeanSubtract(layers.Layer):
    """Subtract the window's global mean dB: removes level (gain invariance), keeps spectral shape."""

    def __init__(self, scale: float = 20.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, x):
        return (x - ops.mean(x, axis=(1, 2, 3), keepdims=True)) / self.scale

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="deepfake_live")
class TimeMean(layers.Layer):
    """Average over the time axis: position-invariant evidence, frequency layout kept."""

    def call(self, x):
        return ops.mean(x, axis=1)


def build_cnn(window_frames: int = 96, n_bands: int = 64, widths: tuple[int, ...] = (8, 16, 32, 64), dropout: float = 0.3) -> keras.Model:
    """Conv -> BN -> ReLU -> pool blocks, mean over time, dense head, logit out."""
    inp = keras.Input((window_frames, n_bands, 1), name="features")
    x = WindowMeanSubtract(name="mean_sub")(inp)
    for i, w in enumerate(widths):
        x = layers.Conv2D(w, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        if i < len(widths) - 1:
            x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = TimeMean(name="time_mean")(x)
    x = layers.Flatten(name="flat")(x)
    x = layers.Dropout(dropout, name="drop")(x)
    x = layers.Dense(64, use_bias=False, name="fc")(x)
    x = layers.BatchNormalization(name="bn_fc")(x)
    x = layers.ReLU(name="relu_fc")(x)
    out = layers.Dense(1, name="logit")(x)
    return keras.Model(inp, out, name="deepfake_live_cnn")


def mfcc_matrix(n_bands: int = 64, f_max: float = 8000.0, n_mel: int = 40, n_mfcc: int = 20) -> np.ndarray:
    """(n_bands, n_mfcc): linear-band dB -> mel-spaced dB (interpolation) -> DCT-II: MFCCs from the shared features."""
    lin = np.linspace(0.0, f_max, n_bands + 2)[1:-1]
    mel = 2595.0 * np.log10(1.0 + lin / 700.0)
    targets = np.linspace(mel[0], mel[-1], n_mel)
    interp = np.zeros((n_bands, n_mel))
    for j, m in enumerate(targets):
        k = int(np.clip(np.searchsorted(mel, m) - 1, 0, n_bands - 2))
        t = (m - mel[k]) / (mel[k + 1] - mel[k])
        interp[k, j] += 1.0 - t
        interp[k + 1, j] += t
    n = np.arange(n_mel)
    dct = np.stack([np.cos(np.pi * q * (2 * n + 1) / (2 * n_mel)) for q in range(n_mfcc)], axis=1) * np.sqrt(2.0 / n_mel)
    dct[:, 0] /= np.sqrt(2.0)
    return (interp @ dct).astype(np.float32)


def build_mfcc_baseline(window_frames: int = 96, n_bands: int = 64, n_mfcc: int = 20) -> keras.Model:
    """The original Deepfake-Audio-Recognition idea: MFCC + a small CNN (no gain normalisation)."""
    inp = keras.Input((window_frames, n_bands, 1), name="features")
    x = layers.Reshape((window_frames, n_bands))(inp)
    mat = mfcc_matrix(n_bands, n_mfcc=n_mfcc)
    x = layers.Dense(n_mfcc, use_bias=False, trainable=False, name="mfcc")(x)
    x = layers.Reshape((window_frames, n_mfcc, 1))(x)
    x = layers.BatchNormalization(name="bn_in")(x)
    for i, w in enumerate((16, 32)):
        x = layers.Conv2D(w, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(32, activation="relu")(x)
    out = layers.Dense(1, name="logit")(x)
    model = keras.Model(inp, out, name="mfcc_baseline")
    model.get_layer("mfcc").set_weights([mat])
    return model
