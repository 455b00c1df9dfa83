"""Is there a screen to open the window on?

Without one, Qt aborts the whole process with several lines of advice that do
not apply (e.g. to reinstall). Checking first lets ``deepfake-live gui`` say
in one line what to use instead, and lets plain ``deepfake-live`` fall back to
a headless demo.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

NO_DISPLAY_ADVICE = ("use 'deepfake-live analyze FILE' or 'deepfake-live monitor' here, "
                     "or 'deepfake-live gui --offscreen --screenshot out.png' for a picture of the window")


def _x11_socket_missing(display: str) -> bool:
    """True only when DISPLAY names a local server (":N") whose socket does not exist."""
    host, _, rest = display.partition(":")
    if host not in ("", "unix") or not rest:
        return False  # remote or unusual display: let Qt try
    number = rest.split(".")[0]
    return number.isdigit() and not Path(f"/tmp/.X11-unix/X{number}").exists()


def display_problem() -> str | None:
    """None when a window can open; otherwise why not, in a few words."""
    if sys.platform in ("win32", "darwin"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(("offscreen", "minimal", "vnc", "eglfs", "linuxfb")):
        return None
    wayland = os.environ.get("WAYLAND_DISPLAY")
    if wayland:
        runtime = os.environ.get("XDG_RUNTIME_DIR", "")
        if Path(wayland).is_absolute() or not runtime or (Path(runtime) / wayland).exists():
            return None
    display = os.environ.get("DISPLAY")
    if display:
        if _x11_socket_missing(display):
            return f"the X display {display} is not running"
        return None
    return "no display found (DISPLAY and WAYLAND_DISPLAY are not set)"


def has_display() -> bool:
    return display_problem() is None
