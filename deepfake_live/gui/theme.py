"""Colour-blind-safe palette (Okabe-Ito) and the words/icons for each detector state.

State is always shown as text and a symbol as well as colour, so it reads the
same for colour-blind users and in greyscale screenshots.
"""

from __future__ import annotations

from deepfake_live.detector import State

GENUINE = "#0072B2"  # blue
UNCERTAIN = "#E69F00"  # orange
SYNTHETIC = "#D55E00"  # vermillion
NO_SPEECH = "#7F7F7F"  # grey
SKY = "#56B4E9"  # spectrogram / neutral accents
BACKGROUND = "#1E1E1E"
FOREGROUND = "#EEEEEE"

STATE_COLOURS = {State.NO_SPEECH: NO_SPEECH, State.GENUINE: GENUINE, State.UNCERTAIN: UNCERTAIN, State.SYNTHETIC: SYNTHETIC}
STATE_WORDS = {State.NO_SPEECH: "No speech", State.GENUINE: "Likely genuine", State.UNCERTAIN: "Uncertain",
               State.SYNTHETIC: "Likely SYNTHETIC"}
# Distinct shapes, not just colours: circle, check, question mark, warning sign.
STATE_SYMBOLS = {State.NO_SPEECH: "\u25cb", State.GENUINE: "\u2714", State.UNCERTAIN: "?", State.SYNTHETIC: "\u26a0"}
STATE_HINTS = {
    State.NO_SPEECH: "Waiting for speech",
    State.GENUINE: "Sounds like a real human voice",
    State.UNCERTAIN: "Not sure: listen carefully",
    State.SYNTHETIC: "Probably machine-generated speech",
}

VERDICT_STATES = {"no speech": State.NO_SPEECH, "likely genuine": State.GENUINE, "uncertain": State.UNCERTAIN,
                  "likely synthetic": State.SYNTHETIC}

THRESHOLDS_HELP = (
    "Two thresholds, both chosen on the model's validation data:\n"
    "\u2022 file threshold: a whole file's verdict compares the average score over all its speech with it;\n"
    "\u2022 segment (live) threshold: a stretch is flagged once the score, smoothed over the last ~2 s of speech, "
    "reaches it.\nThe Sensitivity slider moves the segment threshold (live, and for the next file's segments); "
    "a file's verdict keeps the file threshold."
)

PRIVACY_NOTE = "\u2714 Everything runs on this computer; no audio leaves it."


def state_from_verdict(verdict: str) -> State:
    """Map analysis.verdict_for() words back to a State for the indicator."""
    return VERDICT_STATES.get(verdict, State.NO_SPEECH)


def rgba(hex_colour: str, alpha: int) -> tuple[int, int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha
