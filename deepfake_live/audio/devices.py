"""Finding capture devices, including the loopback/monitor of an output.

Monitoring a call means recording what the speakers play: on Linux that is the
``<sink>.monitor`` source of PulseAudio/PipeWire; Windows and macOS need a
loopback-capable host API or a virtual device, which we say plainly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace

from deepfake_live.errors import DeviceError

LOOPBACK_HINTS = ("monitor", "loopback", "stereo mix", "what u hear", "blackhole", "soundflower", "cable output", "vb-audio")

LOOPBACK_HELP = {
    "linux": "choose the '<output>.monitor' source (PulseAudio/PipeWire); `pactl list short sources` lists them",
    "win32": "enable 'Stereo Mix' in Sound settings > Recording, or install VB-CABLE and pick 'CABLE Output'",
    "darwin": ("install BlackHole (brew install blackhole-2ch), route the call app's output to a Multi-Output device "
               "including it, and pick 'BlackHole'"),
}


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    host_api: str
    channels: int
    default_rate: float
    is_default: bool
    is_loopback: bool
    pulse_source: str | None = None  # a PulseAudio/PipeWire source reached through the ALSA 'pulse' device

    @property
    def key(self) -> str:
        """What to pass to --device to get this input back."""
        return self.pulse_source or str(self.index)

    def label(self) -> str:
        tags = [t for t, on in (("default", self.is_default), ("loopback", self.is_loopback)) if on]
        extra = f" [{', '.join(tags)}]" if tags else ""
        return f"{self.key}: {self.name} ({self.host_api}, {self.channels} ch, {self.default_rate:g} Hz){extra}"

    def select(self) -> None:
        """Route the 'pulse' device to this source (libpulse reads PULSE_SOURCE when a stream opens)."""
        if self.pulse_source:
            os.environ["PULSE_SOURCE"] = self.pulse_source
        else:  # another lane may have set it: this device means the server's default
            os.environ.pop("PULSE_SOURCE", None)


def _sd():
    try:
        import sounddevice
    except OSError as exc:
        raise DeviceError(f"audio capture unavailable: the PortAudio library is missing ({exc}); "
                          "on Debian/Ubuntu: apt install libportaudio2") from None
    return sounddevice


def rescan() -> None:
    """PortAudio lists devices once at start; re-scan after servers or devices appear."""
    sd = _sd()
    try:
        sd._terminate()
        sd._initialize()
    except Exception as exc:  # noqa: BLE001 - PortAudio raises several types here
        raise DeviceError(f"could not re-scan audio devices ({exc})") from None


def list_input_devices() -> list[InputDevice]:
    sd = _sd()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        try:
            default_in = sd.default.device[0]
        except Exception:  # noqa: BLE001
            default_in = -1
    except Exception as exc:  # noqa: BLE001
        raise DeviceError(f"could not list audio devices ({exc})") from None
    result = []
    for idx, dev in enumerate(devices):
        if dev.get("max_input_channels", 0) < 1:
            continue
        name = str(dev["name"])
        result.append(InputDevice(
            index=idx, name=name, host_api=str(apis[dev["hostapi"]]["name"]), channels=int(dev["max_input_channels"]),
            default_rate=float(dev["default_samplerate"]), is_default=idx == default_in,
            is_loopback=any(h in name.lower() for h in LOOPBACK_HINTS),
        ))
    return _with_pulse_sources(result)


def pulse_sources() -> list[tuple[str, str]]:
    """(name, description) of PulseAudio/PipeWire sources, monitors included; empty without pactl."""
    if not sys.platform.startswith("linux") or not shutil.which("pactl"):
        return []
    try:
        out = subprocess.run(["pactl", "list", "short", "sources"], capture_output=True, text=True, timeout=3)
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    rows = []
    for line in out.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            rows.append((parts[1], parts[3] if len(parts) > 3 else ""))
    return rows


def _with_pulse_sources(devices: list[InputDevice]) -> list[InputDevice]:
    """Expose each Pulse source (monitors = loopback of an output) as its own input."""
    pulse = next((d for d in devices if d.name == "pulse"), None)
    if pulse is None:
        return devices
    extra = [replace(pulse, name=name, host_api="PulseAudio", is_default=False, is_loopback=name.endswith(".monitor"),
                     pulse_source=name, channels=min(pulse.channels, 2))
             for name, _ in pulse_sources()]
    return devices + extra


def loopback_help() -> str:
    key = "win32" if sys.platform.startswith("win") else "darwin" if sys.platform == "darwin" else "linux"
    return LOOPBACK_HELP[key]


def resolve_device(spec: str | int | None, loopback: bool = False) -> InputDevice:
    """Pick an input by index, name substring, the default, or the first loopback."""
    devices = list_input_devices()
    if not devices:
        wanted = f" (asked for {spec!r})" if spec not in (None, "") else ""
        raise DeviceError(f"no audio input device found{wanted}: no sound card or audio server? Files can still be analysed: "
                          "deepfake-live analyze FILE")
    if loopback and spec is None:
        loops = [d for d in devices if d.is_loopback]
        if not loops:
            raise DeviceError(f"no loopback/monitor input found: {loopback_help()}")
        return loops[0]
    if spec is None or spec == "":
        for d in devices:
            if d.is_default:
                return d
        return devices[0]
    if isinstance(spec, int) or str(spec).isdigit():
        idx = int(spec)
        for d in devices:
            if d.index == idx:
                return d
        raise DeviceError(f"input device {idx} not found; run 'deepfake-live devices' to list inputs")
    needle = str(spec).lower()
    exact_key = [d for d in devices if d.key.lower() == needle]
    if exact_key:
        return exact_key[0]
    matches = [d for d in devices if needle in d.name.lower()]
    if not matches:
        raise DeviceError(f"no input device matches {spec!r}; run 'deepfake-live devices' to list inputs")
    exact = [d for d in matches if d.name.lower() == needle]
    return (exact or matches)[0]
