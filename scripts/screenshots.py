"""Screenshots of the window at its default size in four states: empty, live, file, error.

    python scripts/screenshots.py [OUT_DIR]      # default docs/screenshots; needs a display (or Xvfb)

The window is made exactly as ``deepfake-live gui`` makes it (fresh settings, so its default size),
with the shipped model and the bundled demo clips; live audio is a demo clip played as a live stream.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "assets" / "demo"


def _wait(app, seconds: float, until=None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.01)


def main(out_dir: Path) -> int:
    from PySide6.QtCore import QSettings

    from deepfake_live.gui.app import app_instance, configure_pyqtgraph
    from deepfake_live.gui.main_window import MainWindow
    from deepfake_live.pipeline import load_model

    app = app_instance()
    configure_pyqtgraph()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat)
        win = MainWindow(load_model(), settings=settings)
        win.show()
        _wait(app, 1.0)
        print(f"default size {win.width()}x{win.height()}")
        win.grab().save(str(out_dir / "empty.png"))

        win.live.start_file(DEMO / "espeak_6s.flac")
        _wait(app, 20.0, until=lambda: win.live.session.stop_reason is not None)
        _wait(app, 1.5)
        win.update_status()
        win.grab().save(str(out_dir / "live.png"))
        win.live.stop()

        win.analyze(DEMO / "piper_joe_8s.flac")
        _wait(app, 60.0, until=lambda: win.files.analysis is not None and not win.files.busy)
        _wait(app, 0.5)
        win.grab().save(str(out_dir / "file.png"))

        bad = Path(tmp) / "voice_memo.wav"
        bad.write_text("not audio, only a text file renamed to .wav\n" * 50)
        win.analyze(bad)
        _wait(app, 20.0, until=lambda: win.banner.isVisible() and not win.files.busy)
        _wait(app, 0.5)
        win.grab().save(str(out_dir / "error.png"))
        win.close()
    for name in ("empty", "live", "file", "error"):
        p = out_dir / f"{name}.png"
        print(f"{p} {p.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"))
