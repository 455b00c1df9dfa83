"""File analysis tab: open or drop a file, see progress, then its spectrogram, timeline and segments.

Clicking the timeline plays from that point; double-clicking a segment plays it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QWidget,
)

from deepfake_live.analysis import TOO_SHORT
from deepfake_live.detector import Segment, State
from deepfake_live.errors import DeepfakeLiveError, ModelError
from deepfake_live.gui import export, playback, theme
from deepfake_live.gui.analysis_worker import AnalysisWorker, FileAnalysis
from deepfake_live.gui.channel_label import ChannelLabel
from deepfake_live.gui.indicator import VerdictIndicator
from deepfake_live.gui.layout import tab_layout
from deepfake_live.gui.probability_plot import ProbabilityPlot
from deepfake_live.gui.segment_table import SegmentTable
from deepfake_live.gui.spectrogram import FileSpectrogram
from deepfake_live.level import HINT_ADVICE

AUDIO_FILTER = "Audio (*.wav *.flac *.ogg *.mp3 *.m4a *.aac *.mp4 *.webm *.opus *.aiff);;All files (*)"


class FilePanel(QWidget):
    error = Signal(object, str)
    analysis_finished = Signal(object)  # FileAnalysis

    def __init__(self, model, threshold: float, scorer=None, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.threshold = threshold
        self.segment_threshold = threshold
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
        self.stop_button = QPushButton("\u25a0 Stop playback")
        self.stop_button.clicked.connect(self.stop_playback)
        self.stop_button.setEnabled(False)  # enabled while something plays
        self._playing = QTimer(self, singleShot=True)
        self._playing.timeout.connect(lambda: self.stop_button.setEnabled(False))
        self.channel = ChannelLabel()
        tab_layout(self, top, graphs, [(self.indicator, 0), (self.channel, 0), (self.summary, 0), (QLabel("Flagged segments"), 0),
                                       (self.segments, 1), (self.stop_button, 0)])
        self.clear_result("No file analysed yet")

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
        self.clear_result(f"Analysing {Path(path).name}\u2026", words="Analysing\u2026")
        self.progress.setValue(0)
        self.progress.show()
        self.open_button.setEnabled(False)
        self.segment_threshold = self.threshold  # what this analysis flags segments with (the slider may move on)
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

    def _delivered(self) -> None:
        """The worker emits its result as its last act: let its thread end, so the panel is not 'busy' any more
        when the result is shown (otherwise a file opened right after one finishes was refused as a second run)."""
        if self.worker is not None:
            self.worker.wait(2000)

    def _failed(self, exc, message: str) -> None:
        self._delivered()
        self.name_label.setText("Analysis failed; see the message above.")
        self.clear_result("The file could not be analysed (see the message above)", words="No result")
        self.error.emit(exc, message)

    def clear_result(self, detail: str, words: str | None = None) -> None:
        """Forget the shown result: a failed analysis must not leave the previous file's verdict on screen."""
        self.analysis = None
        self.spectrogram.set_features(np.zeros((0, self.spectrogram.cfg.n_bands), dtype=np.float32))
        self.plot.clear_data()
        self.plot.show_cursor(None)
        self.plot.setXRange(0, 10, padding=0)
        self.segments.set_segments([])
        self.summary.setText("")
        self.channel.set_channel(None)
        self.indicator.set_state(State.NO_SPEECH, detail, words=words or "No file yet")
        self.stop_playback()

    def _done(self, analysis: FileAnalysis) -> None:
        self._delivered()
        self.analysis = analysis
        r = analysis.result
        self.name_label.setText(f"{Path(r.path).name}: {r.duration_s:.1f} s, {r.sample_rate} Hz, {r.channels} ch")
        self.spectrogram.set_features(analysis.features, analysis.frame_rate)
        self.plot.clear_data()
        if r.channel:  # the channel's segment threshold (the telephone-band model's own on a telephone line)
            self.segment_threshold = float(r.channel["live_threshold_used"])
        self.plot.set_threshold(self.segment_threshold)  # the dashed line is what the smoothed curve is compared with
        self.plot.add_points(r.timeline)
        self.plot.set_segments(r.segments)
        self.plot.refresh()
        score = "n/a" if r.clip_score is None else f"{r.clip_score:.2f}"
        note = f"\n{HINT_ADVICE[r.level_hint]}" if r.level_hint else ""  # e.g. "input level low: ..."
        if r.verdict == TOO_SHORT:
            from deepfake_live.report import too_short_text

            self.indicator.set_state(State.NO_SPEECH, too_short_text(r.speech_s or 0.0, r.min_speech_s) + note,
                                     words="Too short")
        else:
            self.indicator.set_state(theme.state_from_verdict(r.verdict), f"whole file: P(synthetic) {score}{note}")
        self.segments.set_segments(r.segments)
        warnings = "".join(f"\n\u26a0 {w}" for w in r.warnings)
        self.summary.setText(f"{len(r.segments)} flagged segment(s) \u2022 thresholds: file {r.threshold:.2f}, "
                             f"segments {self.segment_threshold:.2f} (dashed; hover for why two)\n"
                             f"audio sha256 {r.sha256[:16]}\u2026{warnings}")
        self.summary.setToolTip(theme.THRESHOLDS_HELP)
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
            return
        self.stop_button.setEnabled(True)
        self._playing.start(int(len(samples) / sr * 1000) + 200)

    def stop_playback(self) -> None:
        playback.stop()
        self._playing.stop()
        self.stop_button.setEnabled(False)

    def report_data(self) -> export.ReportData | None:
        if self.analysis is None:
            return None
        r = self.analysis.result
        return export.from_file_result(r, export.model_info(self.model), self.model.detector_cfg.release,
                                       self.analysis.audio, self.model.feature_cfg.sample_rate)

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.wait(5000)
