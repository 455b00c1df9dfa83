"""The window on a real capture device: start/stop on the PulseAudio virtual microphone."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import flagged_fake, write_wav  # noqa: E402

from deepfake_live.detector import State  # noqa: E402

pytestmark = pytest.mark.audio


def test_window_starts_and_stops_on_the_virtual_mic_and_flags_synthetic_speech(qtbot, pulse_mic, model, tmp_path):
    from PySide6.QtCore import QSettings

    from deepfake_live.audio.files import read_audio
    from deepfake_live.gui.app import configure_pyqtgraph
    from deepfake_live.gui.main_window import MainWindow

    configure_pyqtgraph()
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(model, None, settings=settings, scan_devices=True)
    qtbot.addWidget(win)
    win.show()
    picker = win.live.picker
    names = picker.device_names()
    assert "vsink.monitor" in names, names
    picker.setCurrentIndex(names.index("vsink.monitor"))
    win.live.start_selected()
    assert win.live.running
    qtbot.waitUntil(lambda: win.live.source.health.callbacks > 10, timeout=10000)
    fake = read_audio(flagged_fake(), 16000)
    wav = write_wav(tmp_path / "fake.wav", np.concatenate([np.zeros(8000), fake, np.zeros(16000)]))
    player = pulse_mic.play(wav, wait=False)
    seen: set[State] = set()
    qtbot.waitUntil(lambda: (seen.add(win.live.indicator.state), player.poll() is not None)[1], timeout=30000)
    qtbot.wait(800)
    assert State.SYNTHETIC in seen | {win.live.indicator.state}
    assert win.live.session.all_segments()
    win.live.stop()
    assert not win.live.running
    assert win.live.engine.dropped_blocks == 0
    assert win.live.session.stop_reason == "stopped"
    assert not win.live.session.errors
