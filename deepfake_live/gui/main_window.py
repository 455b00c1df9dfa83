"""The main window: live and file tabs, menus and shortcuts, status bar, settings, drag and drop, exports."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from deepfake_live.errors import DeepfakeLiveError
from deepfake_live.gui import export, theme
from deepfake_live.gui.call_panel import CallPanel
from deepfake_live.gui.errors_view import ErrorBanner, hint_for
from deepfake_live.gui.file_panel import FilePanel
from deepfake_live.gui.live_panel import LivePanel

SHORTCUTS = (("Space", "start / stop monitoring"), ("Ctrl+O", "analyse a file"), ("Ctrl+E", "export a report"),
             ("Ctrl+1 / Ctrl+2", "live / file tab"), ("Ctrl+Up / Ctrl+Down", "more / less sensitive"),
             ("F5", "re-scan audio inputs"), ("Ctrl+Q", "quit"))


DEFAULT_SIZE = (1200, 720)  # fits a 1366x768 laptop screen with its panel and title bar


def default_size(screen) -> QSize:
    """The first-start size: DEFAULT_SIZE, shrunk to 92% of a smaller screen's free area."""
    w, h = DEFAULT_SIZE
    if screen is not None:
        free = screen.availableGeometry()
        if free.width() > 0 and free.height() > 0:
            w, h = min(w, int(free.width() * 0.92)), min(h, int(free.height() * 0.92))
    return QSize(max(w, 900), max(h, 580))


def default_settings() -> QSettings:
    return QSettings("deepfake-live", "deepfake-live")


class MainWindow(QMainWindow):
    def __init__(self, model, model_error: DeepfakeLiveError | None = None, settings: QSettings | None = None,
                 file_scorer=None, scan_devices: bool = True) -> None:
        super().__init__()
        self.model = model
        self.settings = settings or default_settings()
        self.last_error: tuple[object, str] | None = None
        self.setWindowTitle("deepfake-live \u2014 synthetic speech detector")
        self.setAcceptDrops(True)
        default_t = model.detector_cfg.threshold if model is not None else 0.5
        # The sensitivity is saved per model: a threshold tuned for an older model must not override a new one's
        self._threshold_key = f"threshold/{model.meta.sha256[:16]}" if model is not None else "threshold/none"
        threshold = _float(self.settings.value(self._threshold_key), default_t) if model is not None else default_t
        self.banner = ErrorBanner()
        self.live = LivePanel(model, threshold)
        self.files = FilePanel(model, threshold, scorer=file_scorer)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.live, "Live monitoring")
        self.tabs.addTab(self.files, "File analysis")
        self.call = CallPanel(model, threshold)
        self.tabs.addTab(self.call, "Call (both sides)")
        self.privacy = QLabel(theme.PRIVACY_NOTE)
        self.privacy.setStyleSheet(f"color: {theme.SKY}; font-weight: bold;")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.privacy)
        self.setCentralWidget(central)
        for panel in (self.live, self.files, self.call):
            panel.error.connect(self.show_error)
        self.live.slider.valueChanged.connect(lambda v: self._threshold_changed(v / 100.0))
        self.files.analysis_finished.connect(lambda _a: self.tabs.setCurrentWidget(self.files))
        self._build_status_bar()
        self._build_menus()
        if scan_devices:
            self.live.picker.populate(remembered=self.settings.value("device"))
        else:
            self.live.picker.populate_offline()
        self.call.populate(scan=scan_devices)
        self.restoreGeometry(self.settings.value("geometry") or b"")
        if not self.settings.value("geometry"):
            self.resize(default_size(self.screen()))
        if model_error is not None:
            self.show_error(model_error, str(model_error))
        elif self.live.picker.scan_error:
            self.show_error(DeepfakeLiveError, f"{self.live.picker.scan_error} (files can still be analysed)")

    # -- chrome -------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_label = QLabel("ready")
        m = self.model
        text = f"model {m.meta.version}" if m is not None else "no model loaded"
        self.model_label = QLabel(text)
        if m is not None:
            lines = [f"{m.label}, sha256 {m.meta.sha256}"]
            lines += [f"{r.condition} audio: {r.label}, sha256 {r.sha256}" for r in m.routes.values()]
            self.model_label.setToolTip("\n".join(lines))
        # long status text is cut at the window edge (the tooltip has it all); it never widens the window
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.model_label)
        self.status_timer = QTimer(self, interval=1000)
        self.status_timer.timeout.connect(self.update_status)
        self.status_timer.start()

    def _action(self, menu, text: str, shortcut, slot) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)
        return act

    def _build_menus(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._action(f, "&Open audio file\u2026", QKeySequence.StandardKey.Open, self._open_file)
        self._action(f, "&Export report\u2026", "Ctrl+E", self.export_dialog)
        f.addSeparator()
        self._action(f, "&Quit", QKeySequence.StandardKey.Quit, lambda: self.close())
        mon = mb.addMenu("&Monitor")
        self._action(mon, "Start / stop\tSpace", None, self.live.toggle)
        self._action(mon, "Re-scan inputs", "F5", lambda: self.live.rescan_button.click())
        self._action(mon, "More sensitive", "Ctrl+Up", lambda: self.live.set_threshold(max(0.05, self.live.threshold - 0.05)))
        self._action(mon, "Less sensitive", "Ctrl+Down", lambda: self.live.set_threshold(min(0.95, self.live.threshold + 0.05)))
        self._action(mon, "Live tab", "Ctrl+1", lambda: self.tabs.setCurrentIndex(0))
        self._action(mon, "File tab", "Ctrl+2", lambda: self.tabs.setCurrentIndex(1))
        h = mb.addMenu("&Help")
        self._action(h, "Monitoring a call (loopback)\u2026", None, self._loopback_help)
        self._action(h, "Keyboard shortcuts\u2026", "F1", self._shortcuts_help)
        # Space works everywhere in the window, also when a button or the source list has focus.
        self.space = QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.live.toggle)

    def _loopback_help(self) -> None:
        from deepfake_live.audio.devices import loopback_help

        QMessageBox.information(self, "Monitoring a call", "To check the other side of a call, record what your speakers play: "
                                + loopback_help() + ". Inputs marked \u260e call audio are loopback/monitor inputs.")

    def _shortcuts_help(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", "\n".join(f"{k}: {v}" for k, v in SHORTCUTS))

    # -- behaviour ----------------------------------------------------------
    def show_error(self, exc, message: str) -> None:
        self.last_error = (exc, message)
        self.banner.show_error(message, hint_for(exc))

    def _threshold_changed(self, threshold: float) -> None:
        self.files.set_threshold(threshold)
        self.settings.setValue(self._threshold_key, threshold)

    def _open_file(self) -> None:
        self.tabs.setCurrentWidget(self.files)
        self.files.open_dialog()

    def analyze(self, path: str | Path) -> bool:
        self.tabs.setCurrentWidget(self.files)
        self.banner.hide()
        return self.files.analyze(path)

    def update_status(self) -> None:
        parts = self.live.status_parts()
        self.status_label.setText("  \u2022  ".join(parts))
        self.status_label.setToolTip(self.live.status_details())
        if self.live.source is not None and self.live.source.__class__.__name__ == "DeviceSource":
            self.settings.setValue("device", self.live.source.name)

    def current_report(self) -> export.ReportData | None:
        panel = self.tabs.currentWidget()
        data = panel.report_data() if panel is not None else None
        return data or self.live.report_data() or self.files.report_data()

    def export_to(self, out_dir: str | Path) -> export.ExportedFiles | list[Path] | None:
        if self.tabs.currentWidget() is self.call and self.call.session is not None:
            try:
                files = self.call.export(out_dir, "call_" + time.strftime("%Y%m%d_%H%M%S"))
            except OSError as exc:
                self.show_error(exc, f"could not write the report to {out_dir}: {exc}")
                return None
            self.statusBar().showMessage(f"exported {len(files)} file(s) to {out_dir}", 8000)
            return files
        data = self.current_report()
        if data is None:
            self.show_error(DeepfakeLiveError, "nothing to export yet: monitor a source or analyse a file first")
            return None
        stem = ("session_" if data.kind == "live_session" else Path(data.source).stem + "_") + time.strftime("%Y%m%d_%H%M%S")
        try:
            files = export.export_report(data, out_dir, stem)
        except OSError as exc:
            self.show_error(exc, f"could not write the report to {out_dir}: {exc}")
            return None
        self.statusBar().showMessage(f"exported {len(files.all())} file(s) to {out_dir}", 8000)
        return files

    def export_dialog(self) -> None:
        out = QFileDialog.getExistingDirectory(self, "Export report to folder", str(self.settings.value("export_dir") or ""))
        if out:
            self.settings.setValue("export_dir", out)
            self.export_to(out)

    # -- drag and drop ------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.analyze(paths[0])
            event.acceptProposedAction()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("threshold", self.live.threshold)
        if self.live.picker.current_device_name():
            self.settings.setValue("device", self.live.picker.current_device_name())
        self.settings.sync()
        self.status_timer.stop()
        self.live.shutdown()
        self.files.shutdown()
        self.call.shutdown()
        super().closeEvent(event)


def _float(value, default: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return default
    return v if 0.0 < v < 1.0 else default
