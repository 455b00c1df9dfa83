"""The channel line: what the audio path looks like, which threshold is in use, and when to doubt the verdict."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from deepfake_live.channel_policy import ChannelAssessment, describe_channel
from deepfake_live.gui import theme

WAITING = "channel: estimating (needs a few seconds of speech)"


class ChannelLabel(QLabel):
    """One wrapped line; amber with a warning sign when the channel is outside what the model was validated on."""

    def __init__(self, parent=None) -> None:
        super().__init__(WAITING, parent)
        self.setWordWrap(True)
        self.reliable = True
        self.setToolTip("Channel self-check: bandwidth, speech-to-noise ratio, clipping and level, matched to the "
                        "channel conditions the model was validated on; that condition's threshold is used.")
        self._style(True)

    def _style(self, reliable: bool) -> None:
        if reliable:
            self.setStyleSheet("padding: 2px;")  # the window palette's text colour, light or dark theme
        else:
            self.setStyleSheet(f"background: {theme.UNCERTAIN}; color: black; font-weight: bold; padding: 4px; "
                               "border-radius: 4px;")

    def set_channel(self, channel: ChannelAssessment | dict | None, extra_note: str = "") -> None:
        """Show an assessment (or its dict form); ``extra_note`` adds a reason from outside (call mode's control lane)."""
        if channel is None:
            self.reliable = not extra_note
            self.setText(WAITING + (f"\n\u26a0 {extra_note}" if extra_note else ""))
            self._style(self.reliable)
            return
        d = channel.to_dict() if isinstance(channel, ChannelAssessment) else channel
        self.reliable = bool(d.get("reliable", True)) and not extra_note
        text = describe_channel(d)
        if "; verdict less reliable: " in text:
            head, reason = text.split("; verdict less reliable: ", 1)
            text = f"{head}\n\u26a0 verdict less reliable: {reason}"
        if extra_note:
            text += f"\n\u26a0 {extra_note}"
        self.setText(text)
        self._style(self.reliable)
