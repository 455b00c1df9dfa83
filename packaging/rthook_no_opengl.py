"""Runtime hook: stand-ins for PySide6.QtOpenGL / QtOpenGLWidgets, which the bundle leaves out (~10 MB).

pyqtgraph imports both at module level although it only uses them when OpenGL
drawing is switched on, which deepfake-live never does. The stand-ins satisfy
those imports; touching anything else in them raises ImportError.
"""

import sys
import types


def _stub(name: str, classes: dict) -> types.ModuleType:
    mod = types.ModuleType(name)

    def __getattr__(attr):  # noqa: N807 - module-level __getattr__ (PEP 562)
        if attr in classes:
            value = classes[attr]()
            setattr(mod, attr, value)
            return value
        raise ImportError(f"{name}.{attr} is not bundled: OpenGL drawing is disabled in this build")

    mod.__getattr__ = __getattr__
    return mod


def _qopenglwidget():
    from PySide6.QtWidgets import QWidget

    class QOpenGLWidget(QWidget):  # only subclassed at import time, never instantiated
        pass

    return QOpenGLWidget


try:
    import PySide6.QtOpenGL  # noqa: F401
except ImportError:
    sys.modules["PySide6.QtOpenGL"] = _stub("PySide6.QtOpenGL", {})
try:
    import PySide6.QtOpenGLWidgets  # noqa: F401
except ImportError:
    sys.modules["PySide6.QtOpenGLWidgets"] = _stub("PySide6.QtOpenGLWidgets", {"QOpenGLWidget": _qopenglwidget})
