"""Call mode: both sides of a call, each through its own engine and detector.

The caller lane (the call's audio, from a loopback/monitor source) is the one that
can raise alarms. The local lane ("You", the microphone) is the control: the user
knows their own voice is real, so if it gets flagged the setup (room, microphone,
channel) is producing false alarms and the caller's verdicts are marked less
reliable. Each lane has its own source, engine thread and model interpreter, so
one device disappearing stops only its lane.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from deepfake_live.audio.sources import AudioSource
from deepfake_live.channel_policy import ChannelAssessment
from deepfake_live.detector import Segment, TimelinePoint
from deepfake_live.engine import ChannelEvent, Engine, ErrorEvent, Event, ScoreEvent, SegmentEvent, StoppedEvent
from deepfake_live.errors import DeepfakeLiveError, DeviceError

YOU = "you"
CALLER = "caller"
LANES = (YOU, CALLER)
LANE_TITLES = {YOU: "You", CALLER: "Caller"}


@dataclass
class LaneState:
    """What one lane has shown so far (for views and the session report)."""

    name: str
    source: str = ""
    running: bool = False
    error: str | None = None
    last_point: TimelinePoint | None = None
    channel: ChannelAssessment | None = None
    segments: list[Segment] = field(default_factory=list)
    open_segment: Segment | None = None
    speech_windows: int = 0
    channel_history: list[tuple[float, ChannelAssessment]] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.segments) or self.open_segment is not None


@dataclass(frozen=True)
class CallVerdict:
    """The call as a whole, from both lanes: pure, recomputed from the lane states."""

    alarm: bool  # the caller lane is flagging now or has flagged
    reliable: bool
    reasons: tuple[str, ...]

    @property
    def note(self) -> str:
        return "" if self.reliable else "caller verdict less reliable: " + "; ".join(self.reasons)


def judge(you: LaneState, caller: LaneState) -> CallVerdict:
    """Only the caller raises alarms; a flagged local voice or a doubtful channel weakens them."""
    reasons = []
    if you.flagged:
        reasons.append("your own voice was flagged, so this setup is producing false alarms")
    if caller.channel is not None and not caller.channel.reliable:
        reasons.append(f"caller channel: {caller.channel.reason}")
    if caller.error:
        reasons.append(f"caller audio lost ({caller.error})")
    return CallVerdict(alarm=caller.flagged, reliable=not reasons, reasons=tuple(reasons))


EngineFactory = Callable[[], Engine]


class CallSession:
    """Two engines, one per lane, started and polled together; a lane that fails does not stop the other."""

    def __init__(self, make_engine: EngineFactory, present_sources: Callable[[], set[str]] | None = None,
                 check_every_s: float = 2.0) -> None:
        self.make_engine = make_engine
        self.engines: dict[str, Engine] = {}
        self.states = {name: LaneState(name) for name in LANES}
        # PulseAudio/PipeWire move a stream whose source vanished to the default source, so an
        # unplugged call device would silently turn into the microphone: check that it still exists.
        self.present_sources = present_sources
        self.check_every_s = check_every_s
        self._last_check = time.monotonic()

    def start(self, sources: dict[str, AudioSource | None]) -> None:
        """Start each lane that has a source; raise only if no lane could start."""
        failures = []
        for name in LANES:
            source = sources.get(name)
            state = self.states[name]
            if source is None:
                state.error = "no input chosen"
                continue
            engine = self.engines.get(name) or self.make_engine()
            self.engines[name] = engine
            state.source = source.describe()
            try:
                engine.start(source)
            except DeepfakeLiveError as exc:
                state.error = str(exc)
                failures.append(f"{LANE_TITLES[name]}: {exc}")
                continue
            state.running, state.error = True, None
        if not any(s.running for s in self.states.values()):
            raise DeviceError("call mode could not open any input (" + "; ".join(failures or ["no inputs"]) + ")")

    def restart_lane(self, name: str, source: AudioSource) -> None:
        """Switch one lane to another input (the user picked a different device)."""
        engine = self.engines.get(name) or self.make_engine()
        self.engines[name] = engine
        state = self.states[name] = LaneState(name, source=source.describe())
        try:
            engine.start(source)
        except DeepfakeLiveError as exc:
            state.error = str(exc)
            return
        state.running = True

    def stop(self) -> None:
        for engine in self.engines.values():
            engine.stop()

    @property
    def running(self) -> bool:
        return any(e.running for e in self.engines.values())

    def _lost_lanes(self) -> list[tuple[str, str]]:
        if self.present_sources is None or time.monotonic() - self._last_check < self.check_every_s:
            return []
        self._last_check = time.monotonic()
        wanted = {name: getattr(getattr(e.source, "device", None), "pulse_source", None) for name, e in self.engines.items()
                  if e.running}
        if not any(wanted.values()):
            return []
        present = self.present_sources()
        if not present:  # the server did not answer: no evidence that anything vanished
            return []
        return [(name, src) for name, src in wanted.items() if src and src not in present]

    def poll(self) -> list[tuple[str, Event]]:
        """Drain both lanes' events, updating the lane states; returns (lane, event) pairs."""
        out: list[tuple[str, Event]] = []
        for name, src in self._lost_lanes():
            self.engines[name].stop()
            for ev in (ErrorEvent(f"input '{src}' disappeared (unplugged or removed)"), StoppedEvent("error")):
                self.engines[name].events.put(ev)
        for name, engine in self.engines.items():
            state = self.states[name]
            for ev in engine.poll():
                self._track(state, ev)
                out.append((name, ev))
            state.running = engine.running
        return out

    @staticmethod
    def _track(state: LaneState, ev: Event) -> None:
        if isinstance(ev, ScoreEvent):
            state.last_point = ev.point
            state.speech_windows += ev.point.probability is not None
        elif isinstance(ev, SegmentEvent):
            if ev.kind == "started":
                state.open_segment = ev.segment
            else:
                state.open_segment = None
                state.segments.append(ev.segment)
        elif isinstance(ev, ChannelEvent):
            state.channel = ev.assessment
            state.channel_history.append((ev.time_s, ev.assessment))
        elif isinstance(ev, ErrorEvent):
            state.error = ev.message
        elif isinstance(ev, StoppedEvent):
            state.running = False

    def verdict(self) -> CallVerdict:
        return judge(self.states[YOU], self.states[CALLER])
