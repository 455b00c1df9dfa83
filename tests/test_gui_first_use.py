"""The window after a failure, for short clips and at the end of a session (issue #15, offscreen Qt)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import soundfile as sf  # noqa: E402

pytest.importorskip("PySide6.QtWidgets")
pytest.importorskip("pyqtgraph")

import test_gui  # noqa: E402

from deepfake_live.detector import Segment, State, TimelinePoint  # noqa: E402

settings, make_window = test_gui.settings, test_gui.make_window  # the same fixtures as the main GUI tests
run_stream, stub_model = test_gui.run_stream, test_gui.stub_model

ROOT = Path(__file__).resolve().parents[1]
ESPEAK = ROOT / "assets" / "demo" / "espeak_6s.flac"
SR = 16000


def _speech() -> np.ndarray:
    from deepfake_live.audio.files import read_audio

    return read_audio(ESPEAK, SR)


def test_failed_analysis_clears_previous_result(qtbot, make_window, tmp_path):
    win = make_window(stub_model(0.9))
    with qtbot.waitSignal(win.files.analysis_finished, timeout=30000):
        assert win.analyze(ESPEAK)
    fp = win.files
    assert fp.indicator.state == State.SYNTHETIC and fp.segments.rowCount() >= 1 and fp.plot._t
    bad = tmp_path / "renamed.wav"
    bad.write_text("this is a text file\n" * 100)
    with qtbot.waitSignal(win.files.error, timeout=10000):
        win.analyze(bad)
    assert win.banner.isVisible()
    assert fp.analysis is None and fp.indicator.state != State.SYNTHETIC and "SYNTHETIC" not in fp.indicator.text
    assert fp.segments.rowCount() == 0 and not fp.plot._t and fp.summary.text() == ""
    assert fp.spectrogram.image.image is None or fp.spectrogram.image.image.size == 0
    assert win.export_to(tmp_path) is None  # nothing left to export as if it were this file's result


def test_short_file_says_too_short(qtbot, make_window, tmp_path):
    speech = _speech()
    onset = int(np.argmax(np.abs(speech) > 0.05))
    clip = tmp_path / "short.wav"
    sf.write(str(clip), speech[onset : onset + int(0.2 * SR)], SR)
    win = make_window(stub_model(0.95))
    with qtbot.waitSignal(win.files.analysis_finished, timeout=30000):
        assert win.analyze(clip)
    assert win.files.indicator.text == "Too short" and "at least" in win.files.indicator.detail.text()


def test_session_verdict_persists_after_flagged_speech(qtbot, make_window, tmp_path):
    """A flagged segment, then 4 s of silence up to the end of the file: the card stays 'likely synthetic'."""
    path = tmp_path / "then_silence.wav"
    sf.write(str(path), np.concatenate([_speech(), np.zeros(4 * SR, dtype=np.float32)]), SR)
    win = make_window(stub_model(0.95))
    run_stream(qtbot, win, path)
    live = win.live
    assert live.session.points[-1].state == State.NO_SPEECH  # the moment: silence
    assert live.indicator.state == State.SYNTHETIC  # the session: it was flagged
    assert "flagged" in live.indicator.detail.text() and "end of file" in live.indicator.detail.text()


def _pt(t: float, state: State, p: float | None) -> TimelinePoint:
    return TimelinePoint(t - 0.975, t, p, p, state, 0.9 if p is not None else 0.0)


def test_session_verdict_rules():
    from deepfake_live.gui.session import LiveSession

    s = LiveSession()
    assert s.verdict(0.0, 1.0)[0] == State.NO_SPEECH
    s.points = [_pt(1.0, State.GENUINE, 0.1)]
    assert s.verdict(0.5, 1.0)[:2] == (State.NO_SPEECH, "Too short")
    s.points.append(_pt(1.2, State.NO_SPEECH, None))
    state, words, detail = s.verdict(2.0, 1.0)
    assert state == State.GENUINE and words is None and "no speech now" in detail
    s.segments = [Segment(1.0, 3.0, 0.9, 0.9, 5)]
    s.points.append(_pt(9.0, State.GENUINE, 0.2))
    state, _, detail = s.verdict(5.0, 1.0)
    assert state == State.SYNTHETIC and "now: likely genuine" in detail


def test_empty_window_is_calm(qtbot, make_window):
    win = make_window(stub_model(0.5))
    fp = win.files
    assert not fp.stop_button.isEnabled()  # nothing plays yet
    assert fp.indicator.text == "No file yet"
    assert win.live.threshold_label.toolTip() and "file threshold" in win.live.threshold_label.toolTip()


def test_silent_file_draws_without_warnings(qtbot, make_window):
    """All-NaN probabilities (no speech anywhere) used to print pyqtgraph 'All-NaN slice' warnings."""
    import warnings

    win = make_window(stub_model(0.5))
    tone = ROOT / "assets" / "demo" / "tone_and_noise_5s.flac"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with qtbot.waitSignal(win.files.analysis_finished, timeout=30000):
            assert win.analyze(tone)
        run_stream(qtbot, win, tone)
        win.grab()  # paint: pyqtgraph computes data bounds here
        win.tabs.setCurrentIndex(0)
        win.grab()
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "NaN" in m], messages


def test_default_size_fits_small_screens():
    from PySide6.QtCore import QRect

    from deepfake_live.gui.main_window import DEFAULT_SIZE, default_size

    class Screen:
        def __init__(self, w: int, h: int) -> None:
            self.rect = QRect(0, 0, w, h)

        def availableGeometry(self) -> QRect:  # noqa: N802 - Qt's name
            return self.rect

    assert (default_size(Screen(1920, 1040)).width(), default_size(Screen(1920, 1040)).height()) == DEFAULT_SIZE
    small = default_size(Screen(1024, 700))
    assert small.width() <= 1024 and small.height() <= 700
