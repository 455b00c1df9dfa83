"""The shared shape of both tabs: controls on top, plots on the left, a side column on the right."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLayout, QVBoxLayout, QWidget

SIDE_WIDTH = 360


def tab_layout(owner: QWidget, top: QLayout, graphs: QWidget, side_items: list[tuple[QWidget | QLayout, int]]) -> None:
    """Lay out ``owner``; ``side_items`` are (widget or layout, stretch) from top to bottom."""
    side = QVBoxLayout()
    for item, stretch in side_items:
        if isinstance(item, QLayout):
            side.addLayout(item, stretch)
        else:
            side.addWidget(item, stretch)
    side_w = QWidget()
    side_w.setLayout(side)
    side_w.setMaximumWidth(SIDE_WIDTH)
    body = QHBoxLayout()
    body.addWidget(graphs, 1)
    body.addWidget(side_w)
    layout = QVBoxLayout(owner)
    layout.addLayout(top)
    layout.addLayout(body, 1)
