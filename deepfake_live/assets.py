"""Where the bundled assets (demo clips, icons) live, from a checkout and inside the frozen app.

Several parts need these paths (the CLI's demo and self-test, ``bench``, the window's icon); keeping
them here, below all of those parts, lets imports run one way instead of in circles through commands.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

ASSETS = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1])) / "assets"
DEMO_DIR = ASSETS / "demo"
ICON = ASSETS / "icons" / "deepfake-live.svg"
DEMO_SUFFIXES = (".flac", ".wav", ".ogg", ".mp3")


def demo_files() -> list[Path]:
    """The demo clips this project generated itself (see assets/demo/README.md), sorted by name."""
    return sorted(p for p in DEMO_DIR.glob("*") if p.suffix.lower() in DEMO_SUFFIXES)
