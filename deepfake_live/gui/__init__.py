"""Desktop GUI (PySide6 + pyqtgraph) built on the engine; views only read engine results."""

from deepfake_live.gui.qt_compat import protect_singletons

protect_singletons()
