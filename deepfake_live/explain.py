"""Why did the model say 'fake'? Occlusion saliency over time-frequency patches.

Each non-overlapping window of the clip is scored with patches of the spectrogram
replaced by the window's mean level (what the model was trained to see as "no
information"); the drop in the window's logit is the patch's evidence for "fake"
(negative values are evidence for "real"). Runs on the LiteRT runner only (no
tensorflow). Renders spectrogram, saliency and window probabilities to a PNG with
matplotlib when installed, otherwise with Qt offscreen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from deepfake_live.audio.files import read_audio
from deepfake_live.dsp.features import FeatureConfig, compute_features
from deepfake_live.speech_activity import frame_speech_mask

PATCH_FRAMES, PATCH_BANDS = 12, 8
MAX_WINDOWS = 60  # occlusion cost grows with length; longer files are explained on their first minute
SALIENCY_LABEL = "logit drop when hidden\n(> 0: evidence for fake, < 0: for real)"


def default_output(audio_path: str | Path) -> Path:
    """``explain FILE`` writes here by default: the working directory, never the input's folder
    (which may be a read-only data set or the bundled demo folder)."""
    return Path.cwd() / f"{Path(audio_path).stem}.explain.png"


@dataclass
class Explanation:
    features: np.ndarray  # (frames, bands) dB
    saliency: np.ndarray  # (frames, bands) logit drop when occluded; > 0 supports "fake"
    times_s: np.ndarray  # window end times
    probs: np.ndarray  # calibrated window P(fake)
    threshold: float
    clip_probability: float | None
    band_importance: np.ndarray  # (bands,) mean positive saliency


def _logits(runner, windows: np.ndarray) -> np.ndarray:
    p = np.clip(runner.probabilities(windows), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def occlusion_saliency(features: np.ndarray, runner, patch_frames: int = PATCH_FRAMES, patch_bands: int = PATCH_BANDS,
                       max_windows: int = MAX_WINDOWS) -> np.ndarray:
    """Saliency map (frames, bands) from non-overlapping windows of the clip."""
    wf = runner.meta.window_frames
    sal = np.zeros_like(features, dtype=np.float64)
    n_win = min(features.shape[0] // wf, max_windows)
    for k in range(n_win):
        w = features[k * wf : (k + 1) * wf]
        base = _logits(runner, w[None])[0]
        mean = float(w.mean())
        occluded, spots = [], []
        for t0 in range(0, wf, patch_frames):
            for f0 in range(0, w.shape[1], patch_bands):
                o = w.copy()
                o[t0 : t0 + patch_frames, f0 : f0 + patch_bands] = mean
                occluded.append(o)
                spots.append((t0, f0))
        z = _logits(runner, np.stack(occluded))
        for (t0, f0), zi in zip(spots, z, strict=True):
            sal[k * wf + t0 : k * wf + t0 + patch_frames, f0 : f0 + patch_bands] = base - zi
    return sal


def explain_features(features: np.ndarray, runner, voiced: np.ndarray) -> Explanation:
    """``voiced``: speech decision per frame (``speech_activity.frame_speech_mask`` of the same audio)."""
    from deepfake_live.analysis import clip_score, pad_to_window, score_features
    from deepfake_live.detector import DetectorConfig
    from deepfake_live.speech_activity import speech_mask

    meta = runner.meta
    voiced = pad_to_window(speech_mask(voiced)[:, None], meta.window_frames)[:, 0]
    features = pad_to_window(features, meta.window_frames)
    cfg = DetectorConfig(window_frames=meta.window_frames, hop_frames=meta.hop_frames)
    ws = score_features(features, meta.features, cfg, runner.probabilities, voiced)
    probs = ws.probs
    if np.all(np.isnan(probs)):  # no speech window: still show what the model sees
        ws = score_features(features, meta.features, cfg, runner.probabilities, voiced, min_voiced_fraction=0.0)
        probs = ws.probs
    sal = occlusion_saliency(features, runner)
    band = np.clip(sal, 0, None).mean(axis=0) if sal.size else np.zeros(features.shape[1])
    return Explanation(features, sal, ws.times_s, probs, meta.threshold, clip_score(ws.probs, ws.speech), band)


def explain_file(path: str | Path, out_png: str | Path, runner=None) -> Explanation:
    """Explain one audio file's verdict and save the picture to ``out_png``."""
    if runner is None:
        from deepfake_live.model.runner import ModelRunner

        runner = ModelRunner()
    cfg: FeatureConfig = runner.meta.features
    x = read_audio(path, cfg.sample_rate)
    exp = explain_features(compute_features(x, cfg), runner, frame_speech_mask(x, cfg))
    title = f"{Path(path).name}: clip P(fake) = " + ("n/a (no speech)" if exp.clip_probability is None else f"{exp.clip_probability:.2f}")
    render_png(exp, cfg, Path(out_png), title)
    return exp


def render_png(exp: Explanation, cfg: FeatureConfig, out_png: Path, title: str = "") -> Path:
    out_png.parent.mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib
    except ImportError:
        return _render_qt(exp, cfg, out_png, title)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dur = exp.features.shape[0] / cfg.frame_rate
    ext = [0, dur, 0, cfg.f_max / 1000.0]
    fig, ax = plt.subplots(3, 1, figsize=(12, 8), sharex=True, gridspec_kw={"height_ratios": [2, 2, 1]})
    spec = ax[0].imshow(exp.features.T, origin="lower", aspect="auto", extent=ext, cmap="magma",
                        vmin=float(np.percentile(exp.features, 5)))
    ax[0].set_ylabel("kHz")
    fig.colorbar(spec, ax=ax[0], fraction=0.02, pad=0.01).set_label("level (dB)")
    ax[0].set_title(title, fontsize=10)
    lim = float(np.abs(exp.saliency).max()) or 1.0
    ax[1].imshow(exp.features.T, origin="lower", aspect="auto", extent=ext, cmap="gray", alpha=0.6)
    im = ax[1].imshow(exp.saliency.T, origin="lower", aspect="auto", extent=ext, cmap="coolwarm", vmin=-lim, vmax=lim, alpha=0.75)
    ax[1].set_ylabel("kHz")
    ax[1].set_title("occlusion saliency (red: evidence for fake, blue: for real)", fontsize=9)
    bar = fig.colorbar(im, ax=ax[1], fraction=0.02, pad=0.01)
    bar.set_label(SALIENCY_LABEL, fontsize=8)
    ax[2].plot(exp.times_s, exp.probs, ".-", lw=1, ms=3)
    ax[2].axhline(exp.threshold, color="r", ls="--", lw=1, label=f"file threshold {exp.threshold:.2f}")
    ax[2].set_ylim(-0.02, 1.02)
    ax[2].set_ylabel("P(fake)")
    ax[2].set_xlabel("time (s)")
    ax[2].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    plt.close(fig)
    return out_png


def _colormap(v: np.ndarray, diverging: bool) -> np.ndarray:
    """uint32 ARGB pixels from values in [0, 1]."""
    v = np.clip(v, 0, 1)
    if diverging:
        r = np.clip(2 * v, 0, 1)
        b = np.clip(2 - 2 * v, 0, 1)
        g = 1 - np.abs(2 * v - 1)
        rgb = np.stack([r, np.minimum(g, np.minimum(r, b)), b], -1)
    else:
        rgb = np.stack([np.clip(1.5 * v, 0, 1), np.clip(1.5 * v - 0.5, 0, 1), np.clip(0.4 + v * 0.2 - (v > 0.7) * 0.4, 0, 1)], -1)
    c = (rgb * 255).astype(np.uint32)
    return (0xFF << 24) | (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2]


def _render_qt(exp: Explanation, cfg: FeatureConfig, out_png: Path, title: str) -> Path:
    """Fallback renderer without matplotlib: three stacked panels drawn with QPainter."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter, QPen
    from PySide6.QtWidgets import QApplication

    # A QApplication (not a bare QGuiApplication), so widgets can still be made in this process later.
    _app = QApplication.instance() or QApplication([])
    W, H, pad, bar_w = 1400, 900, 28, 150  # the right margin holds the saliency colour bar and its label
    panel_h = (H - 4 * pad) // 3
    img = QImage(W, H, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    f = exp.features.T[::-1]
    spec = (f - np.percentile(f, 5)) / max(float(np.ptp(f)), 1e-6)
    lim = float(np.abs(exp.saliency).max()) or 1.0
    sal = exp.saliency.T[::-1] / (2 * lim) + 0.5
    for k, (arr, div) in enumerate(((spec, False), (sal, True))):
        px = np.ascontiguousarray(_colormap(arr, div))
        q = QImage(px.data, px.shape[1], px.shape[0], px.shape[1] * 4, QImage.Format.Format_ARGB32)
        p.drawImage(pad, pad + k * (panel_h + pad), q.scaled(W - 2 * pad - bar_w, panel_h))
    _qt_colour_bar(p, QImage, QColor, pad, W - bar_w + 8, pad + panel_h + pad, panel_h, lim)
    y0 = pad + 2 * (panel_h + pad)
    p.setPen(QPen(QColor("gray")))
    p.drawRect(pad, y0, W - 2 * pad - bar_w, panel_h)
    dur = max(exp.features.shape[0] / cfg.frame_rate, 1e-6)
    ty = y0 + panel_h * (1 - exp.threshold)
    p.setPen(QPen(QColor("red"), 1, Qt.PenStyle.DashLine))
    p.drawLine(QPointF(pad, ty), QPointF(W - pad - bar_w, ty))
    p.setPen(QPen(QColor("blue"), 2))
    pts = [QPointF(pad + (W - 2 * pad - bar_w) * t / dur, y0 + panel_h * (1 - pr))
           for t, pr in zip(exp.times_s, exp.probs, strict=False) if np.isfinite(pr)]
    for a, b in zip(pts, pts[1:], strict=False):
        p.drawLine(a, b)
    p.setPen(QPen(QColor("black")))
    p.drawText(pad, pad - 8, title)
    p.drawText(pad, pad + panel_h + pad - 8, "occlusion saliency (red: evidence for fake, blue: for real)")
    p.drawText(pad, y0 - 8, f"P(fake) per window; dashed: file threshold {exp.threshold:.2f}")
    p.end()
    img.save(str(out_png))
    return out_png


def _qt_colour_bar(p, QImage, QColor, x_pad: int, x: int, y: int, h: int, lim: float) -> None:  # noqa: N803 - Qt classes
    """A vertical diverging colour bar with its scale and label, beside the saliency panel."""
    values = np.linspace(1, 0, h)[:, None].repeat(16, axis=1)
    px = np.ascontiguousarray(_colormap(values, True))
    p.drawImage(x, y, QImage(px.data, px.shape[1], px.shape[0], px.shape[1] * 4, QImage.Format.Format_ARGB32))
    p.setPen(QColor("black"))
    p.drawText(x + 20, y + 10, f"+{lim:.2f}")
    p.drawText(x + 20, y + h // 2 + 4, "0")
    p.drawText(x + 20, y + h, f"-{lim:.2f}")
    for i, line in enumerate(("logit drop when hidden:", "> 0 evidence for fake", "< 0 evidence for real")):
        p.drawText(x - 40, y + h + 16 + 14 * i, line)
