"""What a live session has produced so far, kept apart from any widget.

The window drains engine events into a :class:`LiveSession`; views read from it
and exports are built from it, so the same facts feed the screen and reports.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np

from deepfake_live.detector import Segment, State, TimelinePoint
from deepfake_live.engine import ErrorEvent, FeaturesEvent, LevelEvent, ScoreEvent, SegmentEvent, StoppedEvent


@dataclass
class DrainResult:
    """What changed in one drain, so views redraw only what they must."""

    features: list[np.ndarray] = field(default_factory=list)
    points: list[TimelinePoint] = field(default_factory=list)
    segments_changed: bool = False
    errors: list[str] = field(default_factory=list)
    stopped: str | None = None
    level_db: float | None = None
    level_hint: str | None = None  # level.hint() of the input's last seconds, when level_db is set


class LiveSession:
    """Accumulates timeline, segments and the audio hash of one run of the engine."""

    def __init__(self, source_name: str = "", sample_rate: int = 16000) -> None:
        self.source_name = source_name
        self.sample_rate = sample_rate
        self.started_wall = time.time()
        self.points: list[TimelinePoint] = []
        self.segments: list[Segment] = []  # ended segments, in order
        self.open_segment: Segment | None = None
        self.state = State.NO_SPEECH
        self.level_db = -120.0
        self.peak = 0.0
        self.level_hint: str | None = None
        self.errors: list[str] = []
        self.stop_reason: str | None = None
        self._hash = hashlib.sha256()
        self._hashed = 0  # history samples already hashed

    def handle(self, events: list) -> DrainResult:
        out = DrainResult()
        for ev in events:
            if isinstance(ev, FeaturesEvent):
                out.features.append(ev.features)
            elif isinstance(ev, ScoreEvent):
                self.points.append(ev.point)
                out.points.append(ev.point)
                self.state = ev.point.state
            elif isinstance(ev, LevelEvent):
                self.level_db, self.peak, self.level_hint = ev.rms_db, ev.peak, ev.hint
                out.level_db, out.level_hint = ev.rms_db, ev.hint
            elif isinstance(ev, SegmentEvent):
                out.segments_changed = True
                if ev.kind == "started":
                    self.open_segment = ev.segment
                else:
                    if ev.segment not in self.segments:
                        self.segments.append(ev.segment)
                    if self.open_segment is ev.segment:
                        self.open_segment = None
            elif isinstance(ev, ErrorEvent):
                self.errors.append(ev.message)
                out.errors.append(ev.message)
            elif isinstance(ev, StoppedEvent):
                self.stop_reason = ev.reason
                out.stopped = ev.reason
        return out

    def verdict(self, speech_s: float, min_speech_s: float) -> tuple[State, str | None, str]:
        """The session's verdict as (state, words or None for the state's own, detail line).

        A flagged segment keeps the session "likely synthetic" until it is reset (Stop/Start),
        and a genuine/uncertain verdict stays when speech pauses or the file ends in silence:
        the card answers "what did this call sound like", the plot shows the moment.
        Less speech than ``min_speech_s`` gets "too short" instead of a verdict.
        """
        from deepfake_live.gui.theme import STATE_HINTS, STATE_WORDS
        from deepfake_live.report import fmt_time, too_short_text

        now = self.points[-1] if self.points else None
        p = "" if now is None or now.smoothed is None else f"P(synthetic) {now.smoothed:.2f} now"
        segs = self.all_segments()
        if segs:
            last = segs[-1]
            when = f"{len(segs)} flagged stretch(es), last {fmt_time(last.start_s)}-{fmt_time(last.end_s)}"
            current = "" if now is None or now.state == State.SYNTHETIC else f"\nnow: {STATE_WORDS[now.state].lower()}"
            return State.SYNTHETIC, None, when + current + (f"\n{p}" if p else "")
        spoken = [pt for pt in self.points if pt.state != State.NO_SPEECH]
        if not spoken:
            return State.NO_SPEECH, None, STATE_HINTS[State.NO_SPEECH]
        if speech_s < min_speech_s:
            return State.NO_SPEECH, "Too short", too_short_text(speech_s, min_speech_s) + " (listening)"
        state = spoken[-1].state
        pause = now is not None and now.state == State.NO_SPEECH
        return state, None, STATE_HINTS[state] + ("\n(no speech now; verdict so far)" if pause else f"\n{p}")

    def all_segments(self) -> list[Segment]:
        """Ended segments plus the one still open (live sessions end at any moment)."""
        return self.segments + ([self.open_segment] if self.open_segment is not None else [])

    @property
    def duration_s(self) -> float:
        return self.points[-1].end_s if self.points else 0.0

    # -- audio fingerprint --------------------------------------------------
    def hash_new_audio(self, history) -> None:
        """Feed samples the engine added to its history since the last call into the session hash.

        Called on the slow timer; the history keeps 5 minutes, far more than one tick adds.
        """
        written = history.written
        new = written - self._hashed
        if new <= 0:
            return
        start, data = history.latest(new)
        if start > self._hashed:  # fell behind the ring: hash covers what was still there
            self._hashed = start
        self._hash.update(np.ascontiguousarray(data.reshape(-1), dtype="<f4").tobytes())
        self._hashed = start + data.shape[0]

    @property
    def audio_sha256(self) -> str:
        """sha256 of the 16 kHz mono float32 (little-endian) samples analysed so far."""
        return self._hash.hexdigest()

    @property
    def hashed_samples(self) -> int:
        return self._hashed
