"""Work around a PySide6 reference-counting bug that crashes the app on Python < 3.12.

PySide6-Essentials 6.12.0 drops one reference to ``None`` on every call of a
void C++ method (QPainter.drawLine, setRenderHint, ...; measured: -1 per call)
and sometimes to ``True``/``False``. Python 3.12+ made these singletons immortal,
so nothing happens there; on 3.11 the count reaches zero after some 10^4-10^5
repaints and the interpreter aborts ("Fatal Python error: none_dealloc"), within
seconds of live plotting. Giving the three singletons a huge reference count
makes them effectively immortal, exactly as on 3.12. pyproject.toml keeps 3.11
installs below 6.12; this is the safety net for an environment that has 6.12
anyway. Remove once fixed upstream.
"""

from __future__ import annotations

import sys

_HEADROOM = 1 << 40  # ~10^12 stray decrements before it could matter


def protect_singletons() -> bool:
    """Make None/True/False effectively immortal on CPython < 3.12; returns whether it did."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    import PySide6

    if not PySide6.__version__.startswith("6.12."):
        return False
    import ctypes

    for obj in (None, True, False):
        # ob_refcnt is the first field of every CPython object.
        ref = ctypes.c_ssize_t.from_address(id(obj))
        if ref.value < _HEADROOM:
            ref.value += _HEADROOM
    return True
