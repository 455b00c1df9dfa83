"""Call tab: both sides of a call as two lanes, "You" (the control) and "Caller" (the one that raises alarms).

Each lane has its own engine (capture + detector thread) and shows a spectrogram,
P(synthetic) over time, a verdict and its channel line. The panel only drains
events on a timer; a lane whose device disappears shows it and the other goes on.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from deepfake_live.call import CALLER, LANE_TITLES, LANES, YOU, CallSession
from deepfake_live.detector import State
from deepfake_live.engine import ChannelEvent
from deepfake_live.errors import DeepfakeLiveError, DeviceError
from deepfake_live.gui import theme
from deepfake_live.gui.channel_label import ChannelLabel
from deepfake_live.gui.indicator import VerdictIndicator
from deepfake_live.gui.probability_plot import ProbabilityPlot
from deepfake_live.gui.session import LiveSession
from deepfake_live.gui.source_picker import SourcePicker
from deepfake_live.gui.spectrogram import ScrollingSpectrogram

REFRESH_MS = 40
ROLES = {YOU: "your microphone: the control (never alarms)", CALLER: "the call's audio: raises alarms"}


def locked_scorer(scorer):
    """Two lanes share one interpreter; LiteRT interpreters must not run on two threads at once."""
    lock = threading.Lock()

    def score(windows):
        with lock:
            return scorer(windows)

    return score


class LaneView(QWidget):
    """One side of the call: title, channel line, spectrogram + probability, compact verdict."""

    def __init__(self, name: str, feature_cfg, threshold: float, parent=None) -> None:
        super().__init__(parent)
        self.name = name
        self.title = QLabel(f"<b>{LANE_TITLES[name]}</b> \u2014 {ROLES[name]}")
        self.source_label = QLabel("not started")
        self.source_label.setStyleSheet(f"color: {theme.SKY};")
        self.channel = ChannelLabel()
        self.spectrogram = ScrollingSpectrogram(feature_cfg)
        self.plot = ProbabilityPlot(threshold, rolling_s=self.spectrogram.seconds)
        self.spectrogram.setMinimumHeight(110)
        self.plot.setMinimumHeight(90)
        self.indicator = VerdictIndicator()
        self.indicator.setMinimumSize(200, 120)
        self.indicator.symbol.setStyleSheet("font-size: 30px; font-weight: bold; color: white; background: transparent;")
        self.indicator.words.setStyleSheet("font-size: 18px; font-weight: bold; color: white; background: transparent;")
        graphs = QVBoxLayout()
        graphs.addWidget(self.spectrogram, 3)
        graphs.addWidget(self.plot, 2)
        side = QVBoxLayout()
        side.addWidget(self.indicator)
        side.addWidget(self.channel)
        side.addStretch(1)
        side_w = QWidget()
        side_w.setLayout(side)
        side_w.setMaximumWidth(360)
        body = QHBoxLayout()
        body.addLayout(graphs, 1)
        body.addWidget(side_w)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.source_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(head)
        layout.addLayout(body, 1)
        self.session: LiveSession | None = None

    def reset(self, source_name: str, sample_rate: int) -> None:
        self.session = LiveSession(source_name, sample_rate)
        self.source_label.setText(source_name)
        self.spectrogram.clear_data()
        self.plot.clear_data()
        self.channel.set_channel(None)
        self.indicator.set_state(State.NO_SPEECH, "Listening")

    def handle(self, events: list, extra_note: str = "") -> None:
        if self.session is None:
            return
        res = self.session.handle(events)
        for ev in events:
            if isinstance(ev, ChannelEvent):
                self.channel.set_channel(ev.assessment, extra_note)
                self.plot.set_threshold(ev.assessment.live_threshold)
        for feats in res.features:
            self.spectrogram.push(feats)
        self.spectrogram.refresh()
        self.plot.add_points(res.points)
        self.plot.set_end(self.spectrogram.end_s)
        if res.segments_changed or self.session.open_segment is not None:
            self.plot.set_segments(self.session.all_segments())
        self.plot.refresh()
        if res.points:
            p = self.session.points[-1].smoothed
            self.indicator.set_state(self.session.state, theme.STATE_HINTS[self.session.state]
                                     + ("" if p is None else f"\nP(synthetic) {p:.2f}"))
        for message in res.errors:
            self.indicator.set_state(State.NO_SPEECH, f"input lost: {message}")
            self.source_label.setText(f"\u26a0 lost: {self.session.source_name}")


class CallPanel(QWidget):
    error = Signal(object, str)
    running_changed = Signal(bool)

    def __init__(self, model, threshold: float, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.threshold = threshold
        self.session: CallSession | None = None
        self.scorer = locked_scorer(model.runner.probabilities) if model is not None else None
        from deepfake_live.dsp.features import FeatureConfig

        cfg = model.feature_cfg if model is not None else FeatureConfig()
        self.you_picker, self.caller_picker = SourcePicker(), SourcePicker()
        self.auto_button = QPushButton("Auto")
        self.auto_button.setToolTip("Pick the default input as You and the default output's monitor as Caller")
        self.auto_button.clicked.connect(self.auto_pick)
        self.start_button = QPushButton("\u25b6 Start call")
        self.start_button.setMinimumWidth(120)
        self.start_button.clicked.connect(self.toggle)
        self.start_button.setEnabled(model is not None)
        top = QHBoxLayout()
        top.addWidget(QLabel("You:"))
        top.addWidget(self.you_picker, 1)
        top.addWidget(QLabel("Caller:"))
        top.addWidget(self.caller_picker, 1)
        top.addWidget(self.auto_button)
        top.addWidget(self.start_button)
        self.note = QLabel("Only the caller lane raises alarms. If your own voice is flagged, this setup produces false "
                           "alarms and the caller's verdicts are marked less reliable.")
        self.note.setWordWrap(True)
        self.lanes = {name: LaneView(name, cfg, threshold) for name in LANES}
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.lanes[CALLER], 1)
        layout.addWidget(self.lanes[YOU], 1)
        self.timer = QTimer(self, interval=REFRESH_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)

    def _make_engine(self):
        from deepfake_live.engine import Engine

        m = self.model
        return Engine(m.feature_cfg, m.detector_cfg, self.scorer, policy=m.policy())

    # -- devices ------------------------------------------------------------
    def populate(self, scan: bool = True) -> None:
        for picker in (self.you_picker, self.caller_picker):
            picker.populate() if scan else picker.populate_offline()
        if scan:
            self.auto_pick()

    def auto_pick(self) -> None:
        from deepfake_live.audio.call_devices import pick_call_devices

        try:
            you, caller, notes = pick_call_devices()
        except DeviceError as exc:  # no inputs at all: the live tab already says so; note it here, no second error
            self.note.setText(f"Call mode unavailable: {exc}")
            return
        for picker, dev in ((self.you_picker, you), (self.caller_picker, caller)):
            if dev is not None:
                idx = next((i for i, c in enumerate(picker.choices) if c.device is not None and c.device.key == dev.key), None)
                if idx is not None:
                    picker.setCurrentIndex(idx)
        if notes:
            self.note.setText("\n".join(notes))

    # -- control ------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.session is not None and self.session.running

    def toggle(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start_selected()

    def start_selected(self) -> bool:
        from deepfake_live.audio.sources import DeviceSource

        sources = {}
        for name, picker in ((YOU, self.you_picker), (CALLER, self.caller_picker)):
            choice = picker.current()
            sources[name] = DeviceSource(choice.device) if choice.device is not None else None
        return self.start_sources(sources)

    def start_files(self, you: str | Path, caller: str | Path, realtime: bool = True) -> bool:
        """Both lanes from files played as live streams (demos, tests, screenshots)."""
        from deepfake_live.audio.sources import FileSource

        return self.start_sources({YOU: FileSource(you, realtime=realtime), CALLER: FileSource(caller, realtime=realtime)})

    def start_sources(self, sources: dict) -> bool:
        if self.model is None:
            from deepfake_live.errors import ModelError

            self.error.emit(ModelError, "no model loaded, so call mode is unavailable")
            return False
        self.stop()
        from deepfake_live.audio.devices import pulse_sources

        self.session = CallSession(self._make_engine, present_sources=lambda: {n for n, _ in pulse_sources()})
        try:
            self.session.start(sources)
        except DeepfakeLiveError as exc:
            self.error.emit(exc, str(exc))
            return False
        for name in LANES:
            st = self.session.states[name]
            self.lanes[name].reset(st.source or "none", self.model.feature_cfg.sample_rate)
            if st.error:
                self.lanes[name].source_label.setText(f"\u26a0 {st.error}")
        self.start_button.setText("\u25a0 Stop call")
        self.timer.start()
        self.running_changed.emit(True)
        return True

    def stop(self) -> None:
        if self.session is None:
            return
        was = self.running
        self.session.stop()
        self.tick()
        self.timer.stop()
        self.start_button.setText("\u25b6 Start call")
        if was:
            self.running_changed.emit(False)

    def tick(self) -> None:
        if self.session is None:
            return
        alive = self.session.running  # read before draining: a lane that ended has queued all its events
        by_lane: dict[str, list] = {name: [] for name in LANES}
        for lane, ev in self.session.poll():
            by_lane[lane].append(ev)
        verdict = self.session.verdict()
        control = self.session.states[YOU].flagged
        for name in LANES:
            note = "your own voice was flagged: this setup produces false alarms" if name == CALLER and control else ""
            self.lanes[name].handle(by_lane[name], note)
        self.note.setText(("\u26a0 " + verdict.note) if verdict.note else
                          ("\u26a0 ALARM: the caller's voice is likely synthetic" if verdict.alarm else
                           "Only the caller lane raises alarms; your own lane is the control."))
        self.note.setStyleSheet(f"color: {theme.SYNTHETIC if verdict.alarm else (theme.UNCERTAIN if verdict.note else theme.FOREGROUND)};"
                                " font-weight: bold;")
        if not alive and self.timer.isActive():
            self.timer.stop()
            self.start_button.setText("\u25b6 Start call")
            self.running_changed.emit(False)

    def report_data(self):
        """The caller lane as a standard report (the window's generic export); ``export`` writes the full call report."""
        if self.session is None or self.lanes[CALLER].session is None:
            return None
        from deepfake_live.gui import export
        from deepfake_live.gui.call_report import lane_report

        return lane_report(self.session, CALLER, self.lanes[CALLER].session, export.model_info(self.model))

    def export(self, out_dir: str | Path, stem: str) -> list[Path]:
        """Both lanes, channel history and flagged segments with audio hashes (see call_report)."""
        from deepfake_live.gui import export
        from deepfake_live.gui.call_report import export_call_report

        lanes = {name: view.session for name, view in self.lanes.items() if view.session is not None}
        return export_call_report(self.session, lanes, export.model_info(self.model), out_dir, stem)

    def shutdown(self) -> None:
        self.stop()
