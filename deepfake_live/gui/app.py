"""GUI entry point: ``run_gui(args)`` as called by ``deepfake-live gui`` (and no-argument starts on a desktop).

Headless use (tests, docs, CI): ``--offscreen`` sets QT_QPA_PLATFORM before Qt
starts, ``--source FILE`` plays a file as a live stream, ``--screenshot`` saves
the window as a user would see it and ``--quit-after`` ends the run; a one-line
JSON summary with the refresh cost and dropped blocks is printed on quit.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HARMLESS_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)  # the offscreen platform, every start


def _prepare_environment(offscreen: bool) -> None:
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _quiet_qt_messages() -> None:
    """Drop Qt's known harmless chatter; everything else still reaches stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if not message.startswith(HARMLESS_QT_MESSAGES):
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(handler)


def configure_pyqtgraph() -> None:
    import pyqtgraph as pg

    from deepfake_live.gui import theme

    pg.setConfigOptions(antialias=False, background=theme.BACKGROUND, foreground=theme.FOREGROUND, imageAxisOrder="col-major")


def load_model_or_error(model_path: str | None, threshold: float | None):
    """(model, None) or (None, error): the window opens either way and explains a model problem."""
    from deepfake_live.errors import DeepfakeLiveError, ModelError
    from deepfake_live.pipeline import load_model

    if threshold is not None and not 0.0 < threshold < 1.0:
        return None, DeepfakeLiveError(f"--threshold {threshold} must lie between 0 and 1")
    try:
        return load_model(model_path, threshold), None
    except DeepfakeLiveError as exc:
        return None, exc
    except Exception as exc:  # noqa: BLE001 - a broken runtime must still open the window
        return None, ModelError(f"the model could not be loaded ({exc.__class__.__name__}: {exc})")


def app_instance():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("deepfake-live")
    app.setOrganizationName("deepfake-live")
    icon = _icon_path()
    if icon is not None:
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    return app


def _icon_path():
    from deepfake_live.assets import ICON

    return ICON if ICON.exists() else None


def run_gui(args: argparse.Namespace) -> int:
    offscreen = bool(getattr(args, "offscreen", False))
    _prepare_environment(offscreen)
    from PySide6.QtCore import QTimer

    from deepfake_live.gui.main_window import MainWindow

    _quiet_qt_messages()
    app = app_instance()
    configure_pyqtgraph()
    model, error = load_model_or_error(getattr(args, "model", None), getattr(args, "threshold", None))
    window = MainWindow(model, error)
    if model is not None and getattr(args, "threshold", None) is not None:
        window.live.set_threshold(args.threshold)
    if offscreen:  # screenshots show the first-start size, whatever size was remembered
        from deepfake_live.gui.main_window import DEFAULT_SIZE

        window.resize(*DEFAULT_SIZE)
    window.show()
    screenshot = getattr(args, "screenshot", None)
    quit_after = getattr(args, "quit_after", None)
    source = getattr(args, "source", None)
    state = {"done": False}

    def finish() -> None:
        if state["done"]:
            return
        state["done"] = True
        if screenshot:
            window.live.tick()
            window.grab().save(str(screenshot))
        window.close()
        app.quit()

    if source and model is not None:  # without a model the banner already says why nothing runs
        window.live.start_file(source)
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), finish)
    elif offscreen and source:  # headless without a time limit: end with the stream, briefly showing the end
        window.live.running_changed.connect(lambda running: running or QTimer.singleShot(500, finish))
    elif offscreen:
        QTimer.singleShot(0, finish)
    app.exec()
    summary = run_summary(window)
    if offscreen or quit_after is not None or screenshot:
        print(json.dumps(summary))
    if window.last_error is not None and (offscreen or quit_after is not None):
        exc = window.last_error[0]
        return int(getattr(exc, "exit_code", 1))
    return 0


def run_summary(window) -> dict:
    """What a headless run measured: refresh cost, engine health and detection outcome."""
    live = window.live
    engine = live.engine
    out = {"gui": live.frame_stats.summary()}
    if engine is not None and live.session is not None:
        st = engine.stats
        med, p99 = st.latency_percentiles()
        s = live.session
        out.update({"audio_s": round(st.audio_seconds, 2), "dropped_blocks": engine.dropped_blocks,
                    "skipped_windows": st.skipped_windows, "realtime_factor": round(st.realtime_factor, 4),
                    "latency_ms_median": round(med, 1), "latency_ms_p99": round(p99, 1), "state": s.state.value,
                    "segments": [seg.to_dict() for seg in s.all_segments()]})
    if window.last_error is not None:
        out["error"] = window.last_error[1]
    return out
