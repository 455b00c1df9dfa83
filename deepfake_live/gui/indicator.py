"""The big verdict indicator and the input level meter.

The indicator shows the detector's state as colour, symbol and words at once;
it only repaints when the state actually changes, so it never flickers.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QVBoxLayout

from deepfake_live.detector import State
from deepfake_live.gui import theme
from deepfake_live.level import HINT_ADVICE


class VerdictIndicator(QFrame):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("verdict")
        self.setMinimumSize(260, 150)
        layout = QVBoxLayout(self)
        self.symbol = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.words = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.symbol.setStyleSheet("font-size: 46px; font-weight: bold; color: white; background: transparent;")
        self.words.setStyleSheet("font-size: 26px; font-weight: bold; color: white; background: transparent;")
        self.detail.setStyleSheet("font-size: 13px; color: white; background: transparent;")
        self.detail.setWordWrap(True)
        for w in (self.symbol, self.words, self.detail):
            layout.addWidget(w)
        self.state: State | None = None
        self.changes = 0  # how many times the displayed state changed (tests check for flicker)
        self.seen: list[State] = []  # states shown, in order, without repeats
        self.set_state(State.NO_SPEECH)

    def set_state(self, state: State, detail: str | None = None, words: str | None = None) -> None:
        """Show ``state``; ``words`` replaces its standard words (e.g. "Too short", "Analysis failed")."""
        if detail is not None:
            self.detail.setText(detail)
        shown = words or theme.STATE_WORDS[state]
        if state == self.state:
            if shown != self.words.text():
                self.words.setText(shown)
                self.setAccessibleName(f"Verdict: {shown}")
            return
        if self.state is not None:
            self.changes += 1
        self.state = state
        self.seen.append(state)
        colour = theme.STATE_COLOURS[state]
        self.setStyleSheet(f"QFrame#verdict {{ background: {colour}; border-radius: 12px; }}")
        self.symbol.setText(theme.STATE_SYMBOLS[state])
        self.words.setText(shown)
        self.setAccessibleName(f"Verdict: {shown}")
        if detail is None:
            self.detail.setText(theme.STATE_HINTS[state])

    @property
    def text(self) -> str:
        return self.words.text()


class LevelMeter(QProgressBar):
    """Input level in dBFS from -70 to 0, so users see the source is alive; says when it is too low or clips."""

    FLOOR_DB = -70.0

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRange(0, 700)
        self.setTextVisible(True)
        self.setOrientation(Qt.Orientation.Horizontal)
        self.setMaximumHeight(18)
        self.hint: str | None = None
        self._colour = ""
        self.set_level(-120.0)

    def set_level(self, db: float, hint: str | None = None) -> None:
        """Show the level and, when the input needs attention, the level hint in words and colour."""
        v = int(round((max(self.FLOOR_DB, min(0.0, db)) - self.FLOOR_DB) * 10))
        if v != self.value():
            self.setValue(v)
        self.hint = hint
        text = f"input {db:5.1f} dBFS" if db > -119 else "input: silent"
        self.setFormat(text + (f" \u2014 {hint.upper()}" if hint else ""))
        self.setToolTip(HINT_ADVICE.get(hint, "") if hint else "")
        colour = theme.UNCERTAIN if hint else theme.GENUINE
        if colour != self._colour:  # restyle only on change: setStyleSheet is slow
            self._colour = colour
            self.setStyleSheet("QProgressBar { background: #2b2b2b; border: 1px solid #555; border-radius: 3px; "
                               f"text-align: center; color: white; }} QProgressBar::chunk {{ background: {colour}; }}")
