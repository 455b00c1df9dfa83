"""An in-window error banner: what went wrong and what to do, never a crash dialog chain."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from deepfake_live.errors import AudioFileError, DeviceError, ModelError
from deepfake_live.gui import theme

HINTS = {
    DeviceError: "Check the input is plugged in and not used by another program, pick another source (or 'File as a live "
                 "stream…'), or analyse a file with Ctrl+O.",
    AudioFileError: "Choose another file (WAV, FLAC, OGG, MP3, M4A, …); the file may be damaged or not audio.",
    ModelError: "Reinstall deepfake-live, or start it with --model PATH pointing at a .tflite whose .json sits beside it. "
                "File analysis and monitoring are disabled until a model loads.",
}


def hint_for(exc: BaseException | type) -> str:
    cls = exc if isinstance(exc, type) else type(exc)
    for base, hint in HINTS.items():
        if issubclass(cls, base):
            return hint
    return "If this keeps happening, restart the app; run 'deepfake-live --debug gui' from a terminal for details."


class ErrorBanner(QFrame):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setStyleSheet(f"QFrame#errorBanner {{ background: #3a2618; border: 2px solid {theme.SYNTHETIC}; border-radius: 6px; }}"
                           "QLabel { color: white; background: transparent; }")
        layout = QHBoxLayout(self)
        icon = QLabel("\u26a0")
        icon.setStyleSheet(f"font-size: 22px; color: {theme.UNCERTAIN};")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton(text="\u2715")
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.message = ""
        self.hide()

    def show_error(self, message: str, hint: str = "") -> None:
        self.message = message
        self.label.setText(f"<b>{_escape(message)}</b>" + (f"<br>What to do: {_escape(hint)}" if hint else ""))
        self.show()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
