"""Call tab and channel line with real Qt widgets (offscreen), the real model and real files as live streams."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("PySide6.QtWidgets")

from conftest import flagged_fake, real_clips, write_wav  # noqa: E402

from deepfake_live.call import CALLER, YOU  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path, model):
    from PySide6.QtCore import QSettings

    from deepfake_live.gui.app import configure_pyqtgraph
    from deepfake_live.gui.main_window import MainWindow

    configure_pyqtgraph()
    win = MainWindow(model, None, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), scan_devices=False)
    qtbot.addWidget(win)
    win.show()
    return win


def test_call_tab_flags_only_the_fake_caller_and_exports_both_lanes(qtbot, window, tmp_path):
    real = real_clips(5)[4]  # a clip the model leaves genuine (checked by the assertion below)
    panel = window.call
    window.tabs.setCurrentWidget(panel)
    assert panel.start_files(real, flagged_fake(), realtime=False)
    qtbot.waitUntil(lambda: all(panel.lanes[n].session.stop_reason for n in (YOU, CALLER)), timeout=60000)
    panel.tick()
    caller, you = panel.lanes[CALLER].session, panel.lanes[YOU].session
    assert caller.all_segments(), "the espeak fake on the caller lane was not flagged"
    assert not you.all_segments(), "the real voice on the control lane was flagged"
    assert "ALARM" in panel.note.text()
    for name in (YOU, CALLER):
        assert panel.lanes[name].channel.text().startswith("channel: "), panel.lanes[name].channel.text()
    files = window.export_to(tmp_path / "out")
    call_json = json.loads(next(f for f in files if f.name.endswith("_call.json")).read_text())
    assert call_json["alarm"] is True and set(call_json["lanes"]) == {YOU, CALLER}
    seg = call_json["lanes"][CALLER]["segments"][0]
    assert len(seg["audio_sha256"]) == 64
    assert call_json["lanes"][CALLER]["channel_timeline"], "no channel estimates over time"
    assert any(f.suffix == ".png" for f in files) and any(f.suffix == ".wav" for f in files)


def test_file_tab_shows_a_less_reliable_channel(qtbot, window, tmp_path):
    from deepfake_live.audio.files import read_audio
    from deepfake_live.training.channels import add_noise

    x = read_audio(real_clips(1)[0], 16000)
    noisy = write_wav(tmp_path / "noisy.wav", add_noise(x, np.random.default_rng(0), -5.0, alpha=0.0))
    assert window.analyze(noisy)
    qtbot.waitUntil(lambda: window.files.analysis is not None, timeout=60000)
    label = window.files.channel
    assert not label.reliable and "verdict less reliable" in label.text()
    assert window.files.analysis.result.channel["condition"] == "outside_validated"
