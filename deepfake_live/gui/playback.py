"""Playing audio back through sounddevice (QtMultimedia is not in PySide6-Essentials).

``sd.play`` is non-blocking, so the GUI thread never waits; a missing output
device becomes a DeviceError with a one-line message for the window.
"""

from __future__ import annotations

import numpy as np

from deepfake_live.errors import DeviceError


def play(samples: np.ndarray, sample_rate: int) -> None:
    if samples is None or samples.size == 0:
        raise DeviceError("nothing to play: that audio is no longer held (the live history keeps the last 5 minutes)")
    from deepfake_live.audio.devices import _sd

    sd = _sd()
    try:
        sd.play(np.asarray(samples, dtype=np.float32).reshape(-1), int(sample_rate))
    except Exception as exc:  # noqa: BLE001 - PortAudioError and friends
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise DeviceError(f"cannot play audio: no usable output device ({first}); save the segment as WAV instead") from None


def stop() -> None:
    try:
        from deepfake_live.audio.devices import _sd

        _sd().stop()
    except Exception:  # noqa: BLE001 - nothing playing, or no audio at all
        pass
