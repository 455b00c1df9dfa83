"""Live monitoring tab: pick a source, start/stop, and watch spectrogram, P(synthetic) and verdict.

A fast timer only drains ``engine.poll()`` and redraws what changed; capture and
scoring run on the engine's own threads, so a slow repaint can never drop audio.
Slow text (status, audio hash) updates on a 1 s timer so it stays readable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSplitter,
    QWidget,
)

from deepfake_live.detector import Segment, State
from deepfake_live.engine import ChannelEvent
from deepfake_live.errors import DeepfakeLiveError, DeviceError
from deepfake_live.gui import export, playback, theme
from deepfake_live.gui.channel_label import ChannelLabel
from deepfake_live.gui.file_panel import AUDIO_FILTER
from deepfake_live.gui.frame_stats import FrameStats
from deepfake_live.gui.indicator import LevelMeter, VerdictIndicator
from deepfake_live.gui.layout import tab_layout
from deepfake_live.gui.probability_plot import ProbabilityPlot
from deepfake_live.gui.segment_table import SegmentTable
from deepfake_live.gui.session import LiveSession
from deepfake_live.gui.source_picker import SourcePicker
from deepfake_live.gui.spectrogram import ScrollingSpectrogram

REFRESH_MS = 20  # 50 fps target: stays above 25 fps even on a busy 2-core machine
STATUS_MS = 1000


def history_slice(history, start_s: float, end_s: float, sample_rate: int) -> np.ndarray:
    """Samples [start_s, end_s) of the session from the engine's 5-minute history (empty if gone)."""
    a, b = int(round(start_s * sample_rate)), int(round(end_s * sample_rate))
    first, data = history.latest(history.written)
    a, b = max(a, first), min(b, first + data.shape[0])
    return data[a - first : b - first, 0].copy() if b > a else np.zeros(0, dtype=np.float32)


class LivePanel(QWidget):
    error = Signal(object, str)  # exception-or-class, message
    running_changed = Signal(bool)

    def __init__(self, model, threshold: float, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.threshold = threshold
        self.engine = None
        if model is not None:
            from deepfake_live.engine import Engine

            self.engine = Engine(model.feature_cfg, model.detector_cfg, model.runner.probabilities, policy=model.policy())
            if abs(threshold - model.detector_cfg.threshold) > 1e-6:  # a sensitivity the user chose wins over the channel's
                self.engine.set_threshold(threshold)
        self.session: LiveSession | None = None
        self.source = None
        self.frame_stats = FrameStats()
        self.max_dropped = 0
        self._build(model.feature_cfg if model is not None else None)
        self.timer = QTimer(self, interval=REFRESH_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)
        self.slow_timer = QTimer(self, interval=STATUS_MS)
        self.slow_timer.timeout.connect(self.slow_tick)

    # -- layout ---------------------------------------------------------------
    def _build(self, feature_cfg) -> None:
        from deepfake_live.dsp.features import FeatureConfig

        cfg = feature_cfg or FeatureConfig()
        self.picker = SourcePicker()
        self.rescan_button = QPushButton("\u21bb")
        self.rescan_button.setToolTip("Re-scan audio inputs (after plugging in a device or starting a call)")
        self.rescan_button.setMaximumWidth(36)
        self.start_button = QPushButton("\u25b6 Start")
        self.start_button.setToolTip("Start / stop monitoring (Space)")
        self.start_button.setMinimumWidth(110)
        self.start_button.clicked.connect(self.toggle)
        self.rescan_button.clicked.connect(lambda: self.picker.populate(rescan=True, remembered=self.picker.current_device_name()))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(5, 95)
        self.slider.setInvertedAppearance(True)  # right = lower threshold = more sensitive
        self.slider.setMaximumWidth(180)
        self.slider.setToolTip("Sensitivity: to the right flags more (lower threshold), to the left flags less\n\n"
                               + theme.THRESHOLDS_HELP)
        self.slider.setValue(int(round(self.threshold * 100)))
        self.slider.valueChanged.connect(lambda v: self.set_threshold(v / 100.0))
        self.threshold_label = QLabel()
        self.threshold_label.setToolTip(theme.THRESHOLDS_HELP)
        top = QHBoxLayout()
        top.addWidget(QLabel("Source:"))
        top.addWidget(self.picker, 1)
        top.addWidget(self.rescan_button)
        top.addWidget(self.start_button)
        top.addSpacing(12)
        top.addWidget(QLabel("Sensitivity:"))
        top.addWidget(self.slider)
        top.addWidget(self.threshold_label)

        self.spectrogram = ScrollingSpectrogram(cfg)
        self.plot = ProbabilityPlot(self.threshold, rolling_s=self.spectrogram.seconds)
        # Both views set the same x range themselves; pyqtgraph's setXLink crashes PySide6 6.12 at exit.
        graphs = QSplitter(Qt.Orientation.Vertical)
        graphs.addWidget(self.spectrogram)
        graphs.addWidget(self.plot)

        self.indicator = VerdictIndicator()
        self.channel = ChannelLabel()
        self.level = LevelMeter()
        self.segments = SegmentTable()
        self.segments.replay_requested.connect(self.replay)
        self.replay_button = QPushButton("\u25b6 Replay")
        self.save_button = QPushButton("Save WAV\u2026")
        self.replay_button.clicked.connect(lambda: self.replay(self.segments.selected_segment()))
        self.save_button.clicked.connect(self.save_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.replay_button)
        buttons.addWidget(self.save_button)
        tab_layout(self, top, graphs, [(self.indicator, 0), (self.channel, 0), (self.level, 0), (QLabel("Flagged segments"), 0),
                                       (self.segments, 1), (buttons, 0)])
        self._update_threshold_label()
        self.start_button.setEnabled(self.engine is not None)
        self.indicator.set_state(State.NO_SPEECH, "Choose a source and press Start (Space)", words="Not listening")
        for button in (self.replay_button, self.save_button):  # enabled once a segment is selected
            button.setEnabled(False)
        self.segments.itemSelectionChanged.connect(self._selection_changed)

    def _selection_changed(self) -> None:
        has = self.segments.selected_segment() is not None
        self.replay_button.setEnabled(has)
        self.save_button.setEnabled(has)

    # -- control ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.engine is not None and self.engine.running

    def toggle(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start_selected()

    def start_selected(self) -> None:
        if self.engine is None:
            self._start(None)  # explains that no model is loaded
            return
        choice = self.picker.current()
        if choice.kind == "file":
            path, _ = QFileDialog.getOpenFileName(self, "Play a file as a live stream", "",
                                                  AUDIO_FILTER)
            if path:
                self.start_file(path)
            return
        if choice.device is None:
            self.error.emit(DeviceError, self.picker.scan_error or "no audio input device found (no sound card or audio server?)")
            return
        from deepfake_live.audio.sources import DeviceSource

        self._start(lambda: DeviceSource(choice.device))

    def start_file(self, path: str | Path, realtime: bool = True) -> bool:
        from deepfake_live.audio.sources import FileSource

        started = self._start(lambda: FileSource(path, realtime=realtime))
        if started:
            self.picker.show_playing_file(Path(path).name)
        return started

    def _start(self, make_source) -> bool:
        if self.engine is None:
            from deepfake_live.errors import ModelError

            self.error.emit(ModelError, "no model loaded, so monitoring is unavailable")
            return False
        self.stop()
        try:
            source = make_source()
            self.engine.start(source)
        except DeepfakeLiveError as exc:
            self.error.emit(exc, str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - never crash the window
            self.error.emit(exc, f"could not start: {exc.__class__.__name__}: {exc}")
            return False
        self.source = source
        self.session = LiveSession(source.describe(), self.engine.feature_cfg.sample_rate)
        self.max_dropped = 0
        self.spectrogram.clear_data()
        self.plot.clear_data()
        self.segments.set_segments([])
        self.channel.set_channel(None)
        self.indicator.set_state(State.NO_SPEECH, f"Listening to {source.name}")
        self.start_button.setText("\u25a0 Stop")
        self.timer.start()
        self.slow_timer.start()
        self.running_changed.emit(True)
        return True

    def stop(self) -> None:
        if self.engine is None:
            return
        was_running = self.running
        self.engine.stop()
        self.tick()  # drain the last events (segments closed at the end)
        if self.session is not None:
            self.session.hash_new_audio(self.engine.history)
        self.timer.stop()
        self.slow_timer.stop()
        self.start_button.setText("\u25b6 Start")
        if was_running:
            self.running_changed.emit(False)

    def set_threshold(self, threshold: float) -> None:
        self.threshold = threshold
        if self.engine is not None:
            self.engine.set_threshold(threshold)
        self.plot.set_threshold(threshold)
        if self.slider.value() != int(round(threshold * 100)):
            self.slider.setValue(int(round(threshold * 100)))
        self._update_threshold_label()

    def _update_threshold_label(self) -> None:
        self.threshold_label.setText(f"flag at P \u2265 {self.threshold:.2f}")

    # -- refresh ------------------------------------------------------------
    def tick(self) -> None:
        """One GUI frame: drain events and redraw only what changed."""
        if self.engine is None or self.session is None:
            return
        self.frame_stats.begin()
        events = self.engine.poll()
        res = self.session.handle(events)
        for ev in events:
            if isinstance(ev, ChannelEvent):
                self.channel.set_channel(ev.assessment)
                self.plot.set_threshold(ev.assessment.live_threshold)
        for feats in res.features:
            self.spectrogram.push(feats)
        self.spectrogram.refresh()
        self.plot.add_points(res.points)
        self.plot.set_end(self.spectrogram.end_s)
        if res.segments_changed or self.session.open_segment is not None:
            segs = self.session.all_segments()
            self.plot.set_segments(segs)
            self.segments.set_segments(segs, self.session.open_segment)
        self.plot.refresh()
        if res.points:
            self._show_state()
        if res.level_db is not None:
            self.level.set_level(res.level_db, res.level_hint)
        for message in res.errors:
            self.error.emit(DeviceError, message)
        if res.stopped:
            self._on_stopped(res.stopped)
        self.frame_stats.end()

    def _show_state(self) -> None:
        """The card shows the session's verdict, which persists until Stop/Start (see LiveSession.verdict)."""
        detector = self.engine.detector
        speech_s = detector.speech_seconds if detector is not None else 0.0
        state, words, detail = self.session.verdict(speech_s, self.engine.detector_cfg.min_speech_s)
        self.indicator.set_state(state, detail, words=words)

    def _on_stopped(self, reason: str) -> None:
        self.timer.stop()
        self.slow_timer.stop()
        if self.session is not None:
            self.session.hash_new_audio(self.engine.history)
        self.start_button.setText("\u25b6 Start")
        if reason == "finished":
            self.indicator.detail.setText(self.indicator.detail.text() + "\n(end of file)")
            if self.source is not None and hasattr(self.source, "path"):
                self.picker.show_playing_file(self.source.path.name, playing=False)
        self.running_changed.emit(False)

    def slow_tick(self) -> None:
        if self.engine is not None and self.session is not None:
            self.session.hash_new_audio(self.engine.history)
            self.max_dropped = max(self.max_dropped, self.engine.dropped_blocks)

    def status_parts(self) -> list[str]:
        """Slow status-bar text: device, rate, real-time factor, dropped blocks, frame time."""
        if self.engine is None or self.source is None:
            return ["not monitoring"]
        st = self.engine.stats
        med, _p99 = st.latency_percentiles()
        head = f"{self.source.name} @ {self.source.sample_rate / 1000:g} kHz" + ("" if self.running else " (stopped)")
        return [head, f"RTF {st.realtime_factor:.3f}", f"latency {med:.0f} ms", f"dropped {self.engine.dropped_blocks}",
                f"skipped {st.skipped_windows}"]

    def status_details(self) -> str:
        """Longer status for the tooltip: what the short parts mean, and the window's own refresh cost."""
        return ("RTF: processing time per second of audio (below 1 keeps up). latency: capture to score. dropped: "
                "capture blocks lost. skipped: windows skipped to catch up.\nGUI refresh: " + self.frame_stats.text())

    # -- segments -----------------------------------------------------------
    def segment_samples(self, seg: Segment) -> np.ndarray:
        sr = self.engine.feature_cfg.sample_rate
        return history_slice(self.engine.history, seg.start_s, seg.end_s, sr)

    def replay(self, seg: Segment | None) -> None:
        if seg is None or self.engine is None:
            return
        try:
            playback.play(self.segment_samples(seg), self.engine.feature_cfg.sample_rate)
        except DeepfakeLiveError as exc:
            self.error.emit(exc, str(exc))

    def save_selected(self) -> None:
        seg = self.segments.selected_segment()
        if seg is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save segment as WAV", f"segment_{seg.start_s:.1f}s.wav", "WAV (*.wav)")
        if path:
            self.save_segment(seg, path)

    def save_segment(self, seg: Segment, path: str | Path) -> Path | None:
        import soundfile as sf

        samples = self.segment_samples(seg)
        if samples.size == 0:
            self.error.emit(DeviceError, "that segment's audio is older than the 5-minute history and was not kept")
            return None
        try:
            sf.write(str(path), samples, self.engine.feature_cfg.sample_rate, subtype="PCM_16")
        except Exception as exc:  # noqa: BLE001 - disk full, permissions...
            self.error.emit(exc, f"could not save {path}: {exc}")
            return None
        return Path(path)

    # -- export -------------------------------------------------------------
    def report_data(self) -> export.ReportData | None:
        if self.session is None or self.engine is None:
            return None
        s, eng = self.session, self.engine
        s.hash_new_audio(eng.history)
        start, audio = eng.history.latest(eng.history.written)
        med, p99 = eng.stats.latency_percentiles()
        extra = {"realtime_factor": round(eng.stats.realtime_factor, 4), "latency_ms_median": round(med, 1),
                 "latency_ms_p99": round(p99, 1), "dropped_blocks": eng.dropped_blocks,
                 "skipped_windows": eng.stats.skipped_windows, "gui": self.frame_stats.summary(),
                 "audio_hashed_samples": s.hashed_samples, "started_at_unix": round(s.started_wall, 3)}
        speech_s = eng.detector.speech_seconds if eng.detector is not None else 0.0
        extra["speech_s"] = round(speech_s, 2)
        too_short = 0 < speech_s < eng.detector_cfg.min_speech_s and not s.all_segments()
        if eng.channel is not None:
            extra["channel"] = eng.channel.final().to_dict()
            extra["channel_timeline"] = eng.channel.timeline()
        return export.ReportData(
            verdict="too short" if too_short else "",
            kind="live_session", source=s.source_name, points=list(s.points), segments=s.all_segments(),
            threshold=eng.detector_cfg.threshold, release=eng.detector_cfg.release, model=export.model_info(self.model),
            audio_sha256=s.audio_sha256, audio_hash_of=export.SESSION_HASH_OF, duration_s=s.hashed_samples / s.sample_rate,
            audio=audio[:, 0], audio_start_index=start, sample_rate=s.sample_rate, extra=extra)

    def shutdown(self) -> None:
        self.stop()
        playback.stop()
