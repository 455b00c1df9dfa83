"""The source picker: microphones, loopback/monitor inputs (for calls) and 'file as a live stream'."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QComboBox

from deepfake_live.audio.devices import InputDevice
from deepfake_live.errors import DeviceError

FILE_ITEM = "\u25b6 File as a live stream\u2026"


@dataclass(frozen=True)
class SourceChoice:
    kind: str  # "device" or "file"
    device: InputDevice | None = None


class SourcePicker(QComboBox):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(280)
        self.choices: list[SourceChoice] = []
        self.scan_error: str | None = None
        self.setToolTip("Microphones, and loopback/monitor inputs that carry a call's audio (marked \u260e call audio)")

    def populate(self, rescan: bool = False, remembered: str | None = None) -> None:
        """List inputs; a missing sound system is reported, never raised (files still work)."""
        from deepfake_live.audio import devices

        found: list[InputDevice] = []
        self.scan_error = None
        try:
            if rescan:
                devices.rescan()
            found = devices.list_input_devices()
        except DeviceError as exc:
            self.scan_error = str(exc)
        self.clear()
        self.choices = []
        for dev in sorted(found, key=lambda d: (not d.is_loopback, not d.is_default, d.index)):
            tag = "\u260e call audio (loopback): " if dev.is_loopback else "mic: "
            default = " [default]" if dev.is_default else ""
            self.addItem(f"{tag}{dev.name}{default}")
            self.setItemData(self.count() - 1, dev.label(), role=3)  # tooltip role
            self.choices.append(SourceChoice("device", dev))
        if not found:
            self.addItem("(no microphone or call input found: play a file instead)")
            self.choices.append(SourceChoice("none"))
        self.addItem(FILE_ITEM)
        self.choices.append(SourceChoice("file"))
        self.select_remembered(remembered)

    def show_playing_file(self, name: str, playing: bool = True) -> None:
        """While a file plays as a live stream, the box names it (not "(no audio inputs found)")."""
        i = next(i for i, c in enumerate(self.choices) if c.kind == "file")
        self.setItemText(i, f"\u25b6 file: {name} ({'playing as a live stream' if playing else 'ended; choose to play another'})")
        self.setCurrentIndex(i)

    def populate_offline(self) -> None:
        """Only the file entry (tests, or when the sound system must not be touched)."""
        self.clear()
        self.choices = [SourceChoice("file")]
        self.addItem(FILE_ITEM)

    def select_remembered(self, name: str | None) -> None:
        default = next((i for i, c in enumerate(self.choices) if c.device is not None and c.device.is_default), 0)
        index = next((i for i, c in enumerate(self.choices) if c.device is not None and c.device.name == name), default)
        self.setCurrentIndex(index)

    def current(self) -> SourceChoice:
        i = self.currentIndex()
        return self.choices[i] if 0 <= i < len(self.choices) else SourceChoice("none")

    def current_device_name(self) -> str | None:
        device = self.current().device
        return device.name if device is not None else None

    def device_names(self) -> list[str]:
        return [c.device.name for c in self.choices if c.device is not None]
