"""Choosing the two inputs of a call: the local microphone and the call's audio.

Automatic where the platform allows: the default input is "You", the monitor of
the default output (where the call app plays the other side) is "Caller". Either
can be named by the user instead, with the same syntax as ``--device``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

from deepfake_live.audio.devices import InputDevice, list_input_devices, loopback_help, resolve_device
from deepfake_live.errors import DeviceError


def _pactl(*args: str) -> str | None:
    if not sys.platform.startswith("linux") or not shutil.which("pactl"):
        return None
    try:
        out = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _pulse_default(kind: str) -> str | None:
    """The server's default "Source" or "Sink" name (``pactl info`` works on every PulseAudio/PipeWire version)."""
    info = _pactl("info") or ""
    prefix = f"Default {kind}: "
    return next((line[len(prefix):].strip() for line in info.splitlines() if line.startswith(prefix)), None)


def _pulse_device(devices: list[InputDevice], source: str | None) -> InputDevice | None:
    return next((d for d in devices if source and d.pulse_source == source), None)


def pick_call_devices(you: str | None = None, caller: str | None = None) -> tuple[InputDevice | None, InputDevice | None, list[str]]:
    """(you, caller, notes): the devices to open; a side that cannot be found is None and explained in notes."""
    notes: list[str] = []
    devices = list_input_devices()
    if not devices:
        raise DeviceError("no audio input device found: call mode needs a microphone and the call's audio")
    you_dev = resolve_device(you) if you else (_pulse_device(devices, _pulse_default("Source")) or resolve_device(None))
    if caller:
        caller_dev = resolve_device(caller)
    else:
        sink = _pulse_default("Sink")
        caller_dev = _pulse_device(devices, f"{sink}.monitor" if sink else None)
        if caller_dev is None:
            caller_dev = next((d for d in devices if d.is_loopback and d.key != you_dev.key), None)
        if caller_dev is None:
            notes.append(f"no loopback of the call's audio found, so only your side is monitored: {loopback_help()}")
    if caller_dev is not None and caller_dev.key == you_dev.key:
        notes.append(f"both sides use the same input ({you_dev.key}): choose the call's output monitor with --caller")
    return you_dev, caller_dev, notes
