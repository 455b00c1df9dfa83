"""A PNG of a probability timeline drawn with QPainter on a QImage (no widgets).

Reports need a picture that does not depend on what is on screen, so it is drawn
directly: shaded flagged segments, the threshold line and P(fake) per window.
Needs a QGuiApplication (for fonts), which the GUI and the tests provide.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

from deepfake_live.detector import Segment, TimelinePoint
from deepfake_live.gui import theme


def render_timeline_png(path: str | Path, points: list[TimelinePoint], segments: list[Segment], threshold: float,
                        title: str = "", width: int = 1200, height: int = 360) -> Path:
    path = Path(path)
    img = QImage(width, height, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPixelSize(13)
    p.setFont(font)
    left, right, top, bottom = 56, 16, 34, 40
    plot = QRectF(left, top, width - left - right, height - top - bottom)
    t_end = max([pt.end_s for pt in points] + [s.end_s for s in segments] + [1.0])

    def x(t: float) -> float:
        return plot.left() + plot.width() * t / t_end

    def y(v: float) -> float:
        return plot.bottom() - plot.height() * v

    p.setPen(QColor("black"))
    p.drawText(QRectF(left, 4, width - left - right, 24), Qt.AlignmentFlag.AlignLeft, title or "P(synthetic) over time")
    for seg in segments:  # shaded flagged regions
        p.fillRect(QRectF(x(seg.start_s), plot.top(), max(1.0, x(seg.end_s) - x(seg.start_s)), plot.height()),
                   QColor(*theme.rgba(theme.SYNTHETIC, 60)))
    p.setPen(QPen(QColor("#999999"), 1))
    p.drawRect(plot)
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        p.drawText(QRectF(4, y(v) - 8, left - 10, 16), Qt.AlignmentFlag.AlignRight, f"{v:.2f}")
    step = _tick_step(t_end)
    t = 0.0
    while t <= t_end + 1e-9:
        p.drawText(QRectF(x(t) - 30, plot.bottom() + 4, 60, 16), Qt.AlignmentFlag.AlignHCenter, f"{t:g} s")
        t += step
    p.setPen(QPen(QColor(theme.SYNTHETIC), 1.5, Qt.PenStyle.DashLine))
    p.drawLine(QPointF(plot.left(), y(threshold)), QPointF(plot.right(), y(threshold)))
    p.setPen(QPen(QColor(theme.GENUINE), 2))
    curve = QPainterPath()
    pen_down = False
    for pt in points:
        v = pt.smoothed if pt.smoothed is not None else pt.probability
        if v is None:
            pen_down = False
            continue
        xy = QPointF(x(pt.end_s), y(v))
        if pen_down:
            curve.lineTo(xy)
        else:
            curve.moveTo(xy)
            pen_down = True
    p.drawPath(curve)
    p.setPen(QColor("black"))
    p.drawText(QRectF(left, height - 20, width - left - right, 18), Qt.AlignmentFlag.AlignLeft,
               f"blue: P(synthetic), smoothed   dashed: threshold {threshold:.2f}   shaded: flagged segments ({len(segments)})")
    p.end()
    if not img.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


def _tick_step(span: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600):
        if span / step <= 10:
            return float(step)
    return 7200.0
