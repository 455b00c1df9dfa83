"""File analysis tab: open or drop a file, see progress, then its spectrogram, timeline and segments.

Clicking the timeline plays from that point; double-clicking a segment plays it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QWidget,
)

from deepfake_live.detector import Segment
from deepfake_live.errors import DeepfakeLiveError, ModelError
from deepfake_live.gui import export, playback, theme
from deepfake_live.gui.analysis_worker import AnalysisWorker, FileAnalysis
from deepfake_live.gui.channel_label import ChannelLabel
from deepfake_live.gui.indicator import VerdictIndicator
from deepfake_live.gui.layout import tab_layout
from deepfake_live.gui.probability_plot import ProbabilityPlot
from deepfake_live.gui.segment_table import SegmentTable
from deepfake_live.gui.spectrogram import FileSpectrogram

AUDIO_FILTER = "Audio (*.wav *.flac *.ogg *.mp3 *.m4a *.aiff *.opus);;All files (*)"


class FilePanel(QWidget):
    error = Signal(object, str)
    analysis_finished = Signal(object)  # FileAnalysis

    def __init__(self, model, threshold: float, scorer=None, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.threshold = threshold
        self.scorer = scorer  # injected in tests; otherwise a second runner on the model file
        self.analysis: FileAnalysis | None = None
        self.worker: AnalysisWorker | None = None
        from deepfake_live.dsp.features import FeatureConfig

        cfg = model.feature_cfg if model is not None else FeatureConfig()
        self.open_button = QPushButton("Open file\u2026")
        self.open_button.setToolTip("Analyse an audio file (Ctrl+O), or drop files on the window")
        self.open_button.clicked.connect(self.open_dialog)
        self.name_label = QLabel("Drop an audio file here, or open one (Ctrl+O).")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(240)
        self.progress.hide()
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addWidget(self.name_label, 1)
        top.addWidget(self.progress)
        self.spectrogram = FileSpectrogram(cfg)
        self.plot = ProbabilityPlot(threshold, rolling_s=None, max_points=10**7)
        self.plot.setToolTip("Click to play from that point")
        self.plot.clicked.connect(self.play_from)
        # Follow the timeline's zoom by hand: pyqtgraph's setXLink crashes PySide6 6.12 at interpreter exit.
        self.plot.sigXRangeChanged.connect(self._sync_x)
        graphs = QSplitter(Qt.Orientation.Vertical)
        graphs.addWidget(self.spectrogram)
        graphs.addWidget(self.plot)
        self.indicator = VerdictIndicator()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.segments = SegmentTable()
        self.segments.replay_requested.connect(self.play_segment)
        stop = QPushButton("\u25a0 Stop playback")
        stop.clicked.connect(playback.stop)
        self.channel = ChannelLabel()
        tab_layout(self, top, graphs, [(self.indicator, 0), (self.channel, 0), (self.summary, 0), (QLabel("Flagged segments"), 0),
                                       (self.segments, 1), (stop, 0)])
        self.indicator.detail.setText("No file analysed yet")

    def _sync_x(self, _view, x_range) -> None:
        self.spectrogram.setXRange(*x_range, padding=0)

    @property
    def busy(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Analyse an audio file", "", AUDIO_FILTER)
        if path:
            self.analyze(path)

    def analyze(self, path: str | Path) -> bool:
        if self.model is None:
            self.error.emit(ModelError, "no model loaded, so files cannot be analysed")
            return False
        if self.busy:
            self.error.emit(DeepfakeLiveError, "an analysis is already running; wait for it to finish")
            return False
        self.name_label.setText(f"Analysing {Path(path).name}\u2026")
        self.progress.setValue(0)
        self.progress.show()
        self.open_button.setEnabled(False)
        self.worker = AnalysisWorker(path, self.model, self.threshold, self.scorer, self)
        self.worker.progress.connect(lambda f: self.progress.setValue(int(f * 1000)))
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.finished.connect(self._worker_finished)
        self.worker.start()
        return True

    def _worker_finished(self) -> None:
        self.open_button.setEnabled(True)
        self.progress.hide()

    def _failed(self, exc, message: str) -> None:
        self.name_label.setText("Analysis failed; see the message above.")
        self.error.emit(exc, message)

    def _done(self, analysis: FileAnalysis) -> None:
        self.analysis = analysis
        r = analysis.result
        self.name_label.setText(f"{Path(r.path).name}: {r.duration_s:.1f} s, {r.sample_rate} Hz, {r.channels} ch")
        self.spectrogram.set_features(analysis.features, analysis.frame_rate)
        self.plot.clear_data()
        self.plot.set_threshold(r.threshold)
        self.plot.add_points(r.timeline)
        self.plot.set_segments(r.segments)
        self.plot.refresh()
        score = "n/a" if r.clip_score is None else f"{r.clip_score:.2f}"
        self.indicator.set_state(theme.state_from_verdict(r.verdict), f"whole file: P(synthetic) {score}")
        self.segments.set_segments(r.segments)
        self.summary.setText(f"{len(r.segments)} flagged segment(s) \u2022 threshold {r.threshold:.2f}\n"
                             f"audio sha256 {r.sha256[:16]}\u2026")
        self.channel.set_channel(r.channel)
        self.analysis_finished.emit(analysis)

    def set_threshold(self, threshold: float) -> None:
        """Applies to the next analysis (a file's result keeps the threshold it was made with)."""
        self.threshold = threshold

    # -- playback -----------------------------------------------------------
    def play_from(self, t: float) -> None:
        if self.analysis is None or self.analysis.audio is None:
            return
        sr = self.model.feature_cfg.sample_rate
        a = max(0, int(t * sr))
        self.plot.show_cursor(t)
        self._play(self.analysis.audio[a:], sr)

    def play_segment(self, seg: Segment) -> None:
        if self.analysis is None or self.analysis.audio is None:
            return
        sr = self.model.feature_cfg.sample_rate
        self.plot.show_cursor(seg.start_s)
        self._play(self.analysis.audio[int(seg.start_s * sr) : int(seg.end_s * sr)], sr)

    def _play(self, samples, sr: int) -> None:
        try:
            playback.play(samples, sr)
        except DeepfakeLiveError as exc:
            self.error.emit(exc, str(exc))

    def report_data(self) -> export.ReportData | None:
        if self.analysis is None:
            return None
        r = self.analysis.result
        return export.from_file_result(r, export.model_info(self.model), self.model.detector_cfg.release,
                                       self.analysis.audio, self.model.feature_cfg.sample_rate)

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.wait(5000)
