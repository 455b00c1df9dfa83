"""Render docs/screenshots/call_mode.png and channel_less_reliable.png offscreen with the real model.

    QT_QPA_PLATFORM=offscreen python scripts/call_screenshots.py [REAL_CLIP]

REAL_CLIP (a real human recording, default: one from ../shared) plays on the "You" lane;
the bundled espeak demo (a fake this project generated) plays on the "Caller" lane. The
less-reliable shot streams REAL_CLIP overdriven into hard clipping.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
DEFAULT_REAL = ROOT.parent / "shared" / "data" / "speech" / "real" / "librispeech"


def wait(app, cond, limit_s: float = 120.0) -> None:
    t0 = time.monotonic()
    while not cond() and time.monotonic() - t0 < limit_s:
        app.processEvents()
        time.sleep(0.02)


def save(widget, path: Path) -> None:
    image = widget.grab().toImage()
    image.save(str(path), "PNG")
    if path.stat().st_size > 300_000:  # keep the repository light
        image.scaledToWidth(image.width() * 3 // 4).save(str(path), "PNG")
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


def main() -> int:
    import numpy as np
    import soundfile as sf
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from deepfake_live.audio.files import read_audio
    from deepfake_live.call import CALLER, YOU
    from deepfake_live.gui.app import configure_pyqtgraph
    from deepfake_live.gui.main_window import MainWindow
    from deepfake_live.pipeline import load_model

    real = Path(sys.argv[1]) if len(sys.argv) > 1 else sorted(DEFAULT_REAL.glob("*.flac"))[4]
    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    with tempfile.TemporaryDirectory() as tmp:
        win = MainWindow(load_model(), None, settings=QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat),
                         scan_devices=False)
        win.resize(1280, 860)
        win.show()
        panel = win.call
        win.tabs.setCurrentWidget(panel)
        panel.start_files(real, ROOT / "assets" / "demo" / "espeak_6s.flac", realtime=False)
        wait(app, lambda: all(panel.lanes[n].session.stop_reason for n in (YOU, CALLER)))
        panel.tick()
        app.processEvents()
        save(win, OUT / "call_mode.png")

        x = read_audio(real, 16000)
        # An overdriven line: the speech is amplified 6x into hard clipping at 0.9 of full scale.
        clipped = np.clip(x / (float(np.max(np.abs(x))) + 1e-9) * 6.0, -0.9, 0.9)
        path = Path(tmp) / "clipped_call.wav"
        sf.write(str(path), clipped, 16000, subtype="PCM_16")
        win.tabs.setCurrentWidget(win.live)
        win.live.start_file(path, realtime=False)
        wait(app, lambda: win.live.session.stop_reason is not None)
        win.live.tick()
        app.processEvents()
        save(win, OUT / "channel_less_reliable.png")
        win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
