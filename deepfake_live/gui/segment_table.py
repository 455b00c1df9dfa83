"""The list of flagged segments: time, duration, peak; replay and save per row."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from deepfake_live.detector import Segment
from deepfake_live.report import fmt_time


class SegmentTable(QTableWidget):
    replay_requested = Signal(object)  # Segment
    HEADERS = ("start", "duration", "peak P", "")

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Flagged segments: double-click (or Enter) to replay, right-click menu / Save button to save as WAV")
        self.segments: list[Segment] = []
        self.cellDoubleClicked.connect(lambda row, _col: self._replay(row))
        self.activated.connect(lambda index: self._replay(index.row()))

    def set_segments(self, segments: list[Segment], open_segment: Segment | None = None) -> None:
        """Rebuild rows (cheap: a handful of segments); keeps the selection by row."""
        row = self.currentRow()
        self.segments = list(segments)
        self.setRowCount(len(self.segments))
        for i, seg in enumerate(self.segments):
            live = seg is open_segment
            cells = (fmt_time(seg.start_s), f"{seg.duration_s:.1f} s" + (" \u2026" if live else ""), f"{seg.peak:.2f}",
                     "\u26a0 now" if live else "\u25b6 replay")
            for col, text in enumerate(cells):
                item = self.item(i, col)
                if item is None:
                    self.setItem(i, col, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
        if 0 <= row < self.rowCount():
            self.selectRow(row)

    def selected_segment(self) -> Segment | None:
        row = self.currentRow()
        return self.segments[row] if 0 <= row < len(self.segments) else None

    def _replay(self, row: int) -> None:
        if 0 <= row < len(self.segments):
            self.replay_requested.emit(self.segments[row])
