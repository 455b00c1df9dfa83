"""Spectrogram views: a scrolling one for live audio and a static one for files.

Both draw the shared front end's dB bands (the very features the model sees)
with one ImageItem, a fixed dB range and a colour-map LUT; the live one rolls a
preallocated array instead of recreating anything.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from deepfake_live.dsp.features import FeatureConfig

DB_LEVELS = (-95.0, -25.0)
LEFT_AXIS_WIDTH = 56  # same in every stacked plot, so time axes line up


def _frequency_ticks(cfg: FeatureConfig) -> list[list[tuple[float, str]]]:
    """Fixed kHz (or band) ticks that stop short of the top edge, so no label is cut in half."""
    if cfg.scale == "linear":
        top = cfg.f_max - 0.04 * (cfg.f_max - cfg.f_min)
        major = [(hz, f"{hz / 1000:g}") for hz in np.arange(0.0, top, 2000.0) if hz >= cfg.f_min]
        minor = [(hz, "") for hz in np.arange(1000.0, top, 2000.0) if hz >= cfg.f_min]
        return [major, minor]
    return [[(b, str(b)) for b in range(0, cfg.n_bands, 16)], []]


def colour_scale_html(cmap, steps: int = 10) -> str:
    """'colour: -95 dB [blocks] -25 dB' in the spectrogram's own colours."""
    lut = cmap.getLookupTable(nPts=steps, alpha=False)
    blocks = "".join(f"<span style='color:#{r:02x}{g:02x}{b:02x}'>\u2588</span>" for r, g, b in lut[:, :3])
    return f"level: {DB_LEVELS[0]:.0f} dB {blocks} {DB_LEVELS[1]:.0f} dB"


def _setup(plot: pg.PlotWidget, cfg: FeatureConfig) -> pg.ImageItem:
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    cmap = pg.colormap.get("inferno")
    item = pg.ImageItem(axisOrder="col-major")
    item.setLookupTable(cmap.getLookupTable(nPts=256))
    item.setLevels(DB_LEVELS)
    plot.addItem(item)
    linear = cfg.scale == "linear"
    left = plot.getAxis("left")
    left.enableAutoSIPrefix(False)  # an empty view must not read "kHz (x1e-06)"
    left.setTicks(_frequency_ticks(cfg))
    left.setWidth(LEFT_AXIS_WIDTH)
    plot.setLabel("left", "kHz" if linear else "band")
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    y0, span = _y_span(cfg)
    plot.setYRange(y0, y0 + span, padding=0)
    # The colour scale as a title row of colour blocks: inside the view it would hide the newest audio,
    # and a colour bar beside it would shift this plot's time axis against the probability plot's.
    plot.setTitle(colour_scale_html(cmap), size="8pt")
    return item


def _y_span(cfg: FeatureConfig) -> tuple[float, float]:
    return (cfg.f_min, cfg.f_max - cfg.f_min) if cfg.scale == "linear" else (0.0, float(cfg.n_bands))


class ScrollingSpectrogram(pg.PlotWidget):
    """The last ``seconds`` of features; x is stream time in seconds, aligned with the probability plot."""

    def __init__(self, cfg: FeatureConfig, seconds: float = 10.0, parent=None) -> None:
        super().__init__(parent)
        self.cfg = cfg
        self.seconds = seconds
        self.n = int(round(seconds * cfg.frame_rate))
        self.buffer = np.full((self.n, cfg.n_bands), DB_LEVELS[0], dtype=np.float32)
        self.frames_seen = 0
        self._dirty = False
        self.image = _setup(self, cfg)
        self.image.setImage(self.buffer, autoLevels=False)
        self.setYRange(*self._y_range(), padding=0)
        self.setLabel("bottom", "seconds ago")
        y0, span = _y_span(cfg)
        # A fixed "seconds ago" axis: only the image changes per frame, the axes are never re-laid out.
        self.image.setRect(QRectF(-seconds, y0, seconds, span))
        self.setXRange(-seconds, 0, padding=0)

    def _y_range(self) -> tuple[float, float]:
        y0, span = _y_span(self.cfg)
        return y0, y0 + span

    def clear_data(self) -> None:
        self.buffer[:] = DB_LEVELS[0]
        self.frames_seen = 0
        self._dirty = True
        self.refresh()

    def push(self, features: np.ndarray) -> None:
        """Add new (n, bands) frames; drawing waits for :meth:`refresh`."""
        n = features.shape[0]
        if n == 0:
            return
        if n >= self.n:
            self.buffer[:] = features[-self.n :]
        else:
            self.buffer[:-n] = self.buffer[n:]
            self.buffer[-n:] = features
        self.frames_seen += n
        self._dirty = True

    def refresh(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.image.setImage(self.buffer, autoLevels=False)

    @property
    def end_s(self) -> float:
        """Stream time of the newest frame shown (the probability plot aligns to it)."""
        return self.frames_seen / self.cfg.frame_rate


class FileSpectrogram(pg.PlotWidget):
    """A whole file's features; pyqtgraph downsamples long files for display."""

    def __init__(self, cfg: FeatureConfig, parent=None) -> None:
        super().__init__(parent)
        self.cfg = cfg
        self.image = _setup(self, cfg)
        self.image.setAutoDownsample(True)
        self.setLabel("bottom", "time (s)")
        self.setXRange(0, 10, padding=0)  # calm empty state: a plain 0-10 s axis until a file is analysed

    def set_features(self, features: np.ndarray, frame_rate: float | None = None) -> None:
        if features.shape[0] == 0:
            self.image.clear()
            return
        self.image.setImage(features, autoLevels=False)
        y0, span = _y_span(self.cfg)
        duration = features.shape[0] / (frame_rate or self.cfg.frame_rate)
        self.image.setRect(QRectF(0.0, y0, duration, span))
        self.setXRange(0, duration, padding=0)
        self.setYRange(y0, y0 + span, padding=0)
