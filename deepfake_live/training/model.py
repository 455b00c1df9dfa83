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
class BandMeanSubtract(layers.Layer):
    """Subtract each band's mean dB over the window: removes level and any fixed channel colouring (a microphone's or
    codec's frequency response adds a constant per band in dB), keeps how each band moves in time. A study option."""

    def __init__(self, scale: float = 20.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, x):
        return (x - ops.mean(x, axis=1, keepdims=True)) / self.scale

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


INPUT_NORMS = {"window": WindowMeanSubtract, "band": BandMeanSubtract}


@keras.saving.register_keras_serializable(package="deepfake_live")
class TimeMean(layers.Layer):
    """Average over the time axis: position-invariant evidence, frequency layout kept."""

    def call(self, x):
        return ops.mean(x, axis=1)


@keras.saving.register_keras_serializable(package="deepfake_live")
class TimeMeanStd(layers.Layer):
    """Mean and standard deviation over time, concatenated per channel: how much an artefact comes and goes, not only
    how strong it is on average (x-vector statistics pooling)."""

    def call(self, x):
        mean = ops.mean(x, axis=1)
        std = ops.sqrt(ops.maximum(ops.mean(ops.square(x), axis=1) - ops.square(mean), 0.0) + 1e-6)
        return ops.concatenate([mean, std], axis=-1)


@keras.saving.register_keras_serializable(package="deepfake_live")
class OCSoftmaxScore(layers.Layer):
    """One-class softmax head (Zhang et al., 2021): the cosine between the L2-normalised embedding and a
    learned "real speech" direction. Output = -scale * cosine, a fake-positive logit-like score.

    Real speech is pulled into a tight cone around that direction and fakes are only pushed out of it,
    so the decision does not depend on what the training fakes have in common (the point: unseen
    generators need only look unlike real speech, not like the fakes seen in training).
    """

    def __init__(self, scale: float = 20.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scale = scale

    def build(self, input_shape) -> None:
        self.center = self.add_weight(name="center", shape=(int(input_shape[-1]), 1), initializer="glorot_uniform")

    def call(self, x):
        xn = x / ops.sqrt(ops.sum(ops.square(x), axis=-1, keepdims=True) + 1e-9)
        wn = self.center / ops.sqrt(ops.sum(ops.square(self.center), axis=0, keepdims=True) + 1e-9)
        return -self.scale * ops.matmul(xn, wn)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


def oc_softmax_loss(scale: float = 20.0, m_real: float = 0.9, m_fake: float = 0.2):
    """OC-softmax loss on the head's output z = -scale*cos: softplus(scale*(m_real - cos)) for real speech,
    softplus(scale*(cos - m_fake)) for fakes. Equals binary cross-entropy on z shifted by scale*m_label."""
    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def loss(y_true, z):
        y = ops.cast(ops.reshape(y_true, (-1, 1)), z.dtype)
        shift = scale * (m_real * (1.0 - y) + m_fake * y)
        return bce(y, z + shift)

    return loss


def genuine_focus_loss(gamma: float = 1.0, label_smoothing: float = 0.05):
    """Binary cross-entropy (fake-positive logits, label smoothing as shipped) in which each real window is weighted by
    its fake probability to the power ``gamma``, the weights renormalised to mean 1 over the batch's real windows
    (no gradient through them); fakes keep weight 1.

    Why: what a user gets is bounded by the genuine upper tail (each threshold sits where about 1 in 100 real
    clips scores), so training spends the real class's share on the real speech that looks most synthetic."""

    def loss(y_true, z):
        y = ops.cast(ops.reshape(y_true, (-1,)), z.dtype)
        z = ops.reshape(z, (-1,))
        target = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
        per = ops.relu(z) - z * target + ops.log1p(ops.exp(-ops.abs(z)))
        real = 1.0 - y
        focus = ops.stop_gradient(ops.power(ops.sigmoid(z), gamma)) * real
        w_real = focus * ops.sum(real) / (ops.sum(focus) + 1e-9)
        return ops.mean(per * (y + w_real))

    return loss


def training_loss(head: str = "bce", genuine_focus: float = 0.0):
    """The loss for a CNN with output ``head``; None means the shipped label-smoothed cross-entropy
    (``train.train_keras``'s default). ``genuine_focus`` > 0 weights the cross-entropy's real windows."""
    if head == "ocsoftmax":
        return oc_softmax_loss()
    return genuine_focus_loss(genuine_focus) if genuine_focus else None


def build_cnn(window_frames: int = 96, n_bands: int = 64, widths: tuple[int, ...] = (8, 16, 32, 64), dropout: float = 0.3,
              head: str = "bce", name: str = "deepfake_live_cnn", pools: int = 3, pooling: str = "mean",
              input_norm: str = "window") -> keras.Model:
    """Input normalisation (``input_norm``: "window", the window's mean dB, or "band", each band's), then
    Conv -> BN -> ReLU blocks (2x2 max-pool after the first ``pools``), pooled over time (``pooling``: "mean", or
    "meanstd" for mean and standard deviation), dense head, logit out (``head``: "bce" or "ocsoftmax")."""
    if pooling not in ("mean", "meanstd"):
        raise ValueError(f"unknown pooling: {pooling}")
    if input_norm not in INPUT_NORMS:
        raise ValueError(f"unknown input normalisation: {input_norm}")
    inp = keras.Input((window_frames, n_bands, 1), name="features")
    x = INPUT_NORMS[input_norm](name="mean_sub")(inp)
    for i, w in enumerate(widths):
        x = layers.Conv2D(w, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        if i < pools:
            x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = TimeMean(name="time_mean")(x) if pooling == "mean" else TimeMeanStd(name="time_mean_std")(x)
    x = layers.Flatten(name="flat")(x)
    x = layers.Dropout(dropout, name="drop")(x)
    x = layers.Dense(64, use_bias=False, name="fc")(x)
    x = layers.BatchNormalization(name="bn_fc")(x)
    if head == "ocsoftmax":
        return keras.Model(inp, OCSoftmaxScore(name="oc_score")(x), name=name)
    x = layers.ReLU(name="relu_fc")(x)
    out = layers.Dense(1, name="logit")(x)
    return keras.Model(inp, out, name=name)


def build_ensemble(members: list[keras.Model]) -> keras.Model:
    """Mean of the members' logits in one graph, so the ensemble ships as one file scored in one call.

    Two trainings of the same recipe differ by 5-10 EER points (measured), so averaging
    independently seeded members is a direct way to spend the training budget on variance.
    """
    inp = keras.Input(members[0].input_shape[1:], name="features")
    return keras.Model(inp, layers.Average(name="mean_logit")([m(inp) for m in members]), name="deepfake_live_ensemble")


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
