"""P(synthetic) over time: smoothed curve, threshold line and shaded flagged segments.

Used live (a rolling window that follows the stream) and for files (the whole
timeline, clickable to play from a point). Curves are updated with setData.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from deepfake_live.detector import Segment, TimelinePoint
from deepfake_live.gui import theme
from deepfake_live.gui.spectrogram import LEFT_AXIS_WIDTH


class ProbabilityPlot(pg.PlotWidget):
    clicked = Signal(float)  # time in seconds where the user clicked

    def __init__(self, threshold: float, rolling_s: float | None = 10.0, max_points: int = 4000, parent=None) -> None:
        super().__init__(parent)
        self.rolling_s = rolling_s
        self.max_points = max_points
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=rolling_s is None, y=False)
        self.hideButtons()
        self.setYRange(0, 1, padding=0.04)
        self.setLabel("left", "P(synthetic)")
        left = self.getAxis("left")
        left.setWidth(LEFT_AXIS_WIDTH)
        left.setTicks([[(v, f"{v:.1f}") for v in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)], []])
        self.getAxis("bottom").enableAutoSIPrefix(False)
        self.setLabel("bottom", "time (s)")
        self.showGrid(x=True, y=True, alpha=0.2)
        line_pen = pg.mkPen(theme.SKY, width=2)
        dots = {"symbol": "o", "symbolSize": 3, "symbolBrush": pg.mkBrush(200, 200, 200, 110), "symbolPen": None}
        threshold_pen = pg.mkPen(theme.SYNTHETIC, width=1.5, style=Qt.PenStyle.DashLine)
        self.curve = self.plot([], [], pen=line_pen, connect="finite")
        self.raw = self.plot([], [], pen=None, **dots)
        self.threshold_line = pg.InfiniteLine(angle=0, movable=False, pen=threshold_pen)
        self.addItem(self.threshold_line)
        self._add_legend()
        if rolling_s is None:
            self.setXRange(0, 10, padding=0)  # calm empty state until a file is analysed
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(theme.FOREGROUND, width=1))
        self.cursor.setVisible(False)
        self.addItem(self.cursor)
        self.set_threshold(threshold)
        self._t: list[float] = []
        self._smoothed: list[float] = []
        self._prob: list[float] = []
        self._regions: list[tuple[Segment, pg.LinearRegionItem]] = []
        self._dirty = False
        self._end = 0.0
        self.scene().sigMouseClicked.connect(self._on_click)
        if rolling_s:
            self.setXRange(-rolling_s, 0, padding=0)
            self.setLabel("bottom", "seconds ago")

    def _add_legend(self) -> None:
        """A title row saying what the line, the dots, the dashed line and the shading mean (never over the data)."""
        def span(colour: str, text: str) -> str:
            return f"<span style='color:{colour}'>{text}</span>"

        self.setTitle("&nbsp;&nbsp;".join([
            span(theme.SKY, "\u2501\u2501 smoothed P (decides)"), span("#c8c8c8", "\u2022 P per window"),
            span(theme.SYNTHETIC, "- - threshold"), span(theme.SYNTHETIC, "\u2588 flagged")]), size="8pt")

    def set_threshold(self, threshold: float) -> None:
        self.threshold_line.setValue(threshold)

    def clear_data(self) -> None:
        self._t, self._smoothed, self._prob = [], [], []
        for _, region in self._regions:
            self.removeItem(region)
        self._regions = []
        self._end = 0.0
        self._dirty = True
        self.refresh()

    def add_points(self, points: list[TimelinePoint]) -> None:
        for p in points:
            self._t.append(p.end_s)
            self._smoothed.append(np.nan if p.smoothed is None else p.smoothed)
            self._prob.append(np.nan if p.probability is None else p.probability)
        if len(self._t) > self.max_points:
            cut = len(self._t) - self.max_points
            del self._t[:cut], self._smoothed[:cut], self._prob[:cut]
        if points:
            self._dirty = True

    def set_end(self, t: float) -> None:
        """Live: the stream time the view should end at (follows the spectrogram)."""
        if t != self._end:
            self._end = t
            self._dirty = True

    def set_segments(self, segments: list[Segment]) -> None:
        """Shade flagged segments; an open segment's region grows as it is extended."""
        known = {id(s) for s, _ in self._regions}
        for seg in segments:
            if id(seg) not in known:
                region = pg.LinearRegionItem(values=(seg.start_s, seg.end_s), movable=False,
                                             brush=pg.mkBrush(*theme.rgba(theme.SYNTHETIC, 70)),
                                             pen=pg.mkPen(theme.SYNTHETIC, width=1))
                region.setZValue(-10)
                self.addItem(region)
                self._regions.append((seg, region))
        keep = {id(s) for s in segments}
        for seg, region in list(self._regions):
            if id(seg) not in keep:
                self.removeItem(region)
                self._regions.remove((seg, region))
        self._dirty = True

    def refresh(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        t = np.asarray(self._t, dtype=np.float64)
        # Live: x is "seconds before now" on a fixed axis, so the axes never re-layout (the costly part of a repaint).
        shift = max(self._end, t[-1] if t.size else 0.0) if self.rolling_s else 0.0
        for seg, region in self._regions:
            want = (seg.start_s - shift, seg.end_s - shift)
            if region.getRegion() != want:
                region.setRegion(want)
        smoothed = np.asarray(self._smoothed, dtype=np.float64)
        prob = np.asarray(self._prob, dtype=np.float64)
        # Only finite values reach pyqtgraph: all-NaN data (silence) makes its bounds code warn on the terminal.
        scored = np.isfinite(prob)
        if np.isfinite(smoothed).any():
            self.curve.setData(t - shift, smoothed)
        else:
            self.curve.setData([], [])
        self.raw.setData(t[scored] - shift, prob[scored])
        if not self.rolling_s and t.size:
            self.setXRange(0, float(t[-1]), padding=0.01)

    def show_cursor(self, t: float | None) -> None:
        self.cursor.setVisible(t is not None)
        if t is not None:
            self.cursor.setValue(t)

    def _on_click(self, event) -> None:
        vb = self.getPlotItem().getViewBox()
        if event.button() != Qt.MouseButton.LeftButton or not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        self.clicked.emit(float(vb.mapSceneToView(event.scenePos()).x()))
