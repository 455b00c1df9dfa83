"""Headless view of call mode (``monitor --call``): both lanes as text lines or JSON lines."""

from __future__ import annotations

import json
import time
from typing import TextIO

from deepfake_live.call import CALLER, LANE_TITLES, LANES, YOU, CallSession
from deepfake_live.engine import ChannelEvent, ErrorEvent, LevelEvent, ScoreEvent, SegmentEvent, StoppedEvent
from deepfake_live.monitor_view import STATE_WORDS
from deepfake_live.report import fmt_time, segment_line


class CallMonitorView:
    def __init__(self, session: CallSession, model, jsonl: bool, stream: TextIO) -> None:
        self.session = session
        self.model = model
        self.jsonl = jsonl
        self.out = stream
        self.levels = {name: -120.0 for name in LANES}
        self._channel_keys: dict[str, tuple] = {}
        self._last_status = 0.0
        self._last_note = ""

    def _emit(self, obj: dict) -> None:
        self.out.write(json.dumps(obj) + "\n")
        self.out.flush()

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def started(self, notes: list[str]) -> None:
        st = self.session.states
        if self.jsonl:
            self._emit({"event": "started", "mode": "call", "model": self.model.label, "time": time.time(),
                        "lanes": {n: {"source": st[n].source, "running": st[n].running, "error": st[n].error} for n in LANES},
                        "notes": notes})
            return
        self._line(f"Call mode with {self.model.label}: You = {st[YOU].source or 'none'}, Caller = {st[CALLER].source or 'none'}.")
        self._line("Only the caller lane raises alarms; your own lane is the control. Ctrl-C to stop. Audio stays on this machine.")
        for name in LANES:
            if st[name].error:
                self._line(f"{LANE_TITLES[name]}: not monitored ({st[name].error})")
        for note in notes:
            self._line(f"note: {note}")

    def handle(self, events: list[tuple[str, object]]) -> None:
        for lane, ev in events:
            title = LANE_TITLES[lane]
            if isinstance(ev, LevelEvent):
                self.levels[lane] = ev.rms_db
            elif isinstance(ev, ScoreEvent):
                if self.jsonl:
                    self._emit({"event": "score", "lane": lane, **ev.point.to_dict(), "level_db": round(self.levels[lane], 1)})
            elif isinstance(ev, SegmentEvent):
                self._segment(lane, ev)
            elif isinstance(ev, ChannelEvent):
                a = ev.assessment
                if self.jsonl:
                    self._emit({"event": "channel", "lane": lane, "time_s": round(ev.time_s, 2), "channel": a.to_dict()})
                elif self._channel_keys.get(lane) != (a.condition, a.candidates, a.reliable, a.reason):
                    self._channel_keys[lane] = (a.condition, a.candidates, a.reliable, a.reason)
                    self._line(f"[{fmt_time(ev.time_s)}] {title} {a.line()}")
            elif isinstance(ev, ErrorEvent):
                other = LANE_TITLES[CALLER if lane == YOU else YOU]
                if self.jsonl:
                    self._emit({"event": "error", "lane": lane, "message": ev.message})
                else:
                    self._line(f"{title}: error: {ev.message} ({other} lane keeps running)")
            elif isinstance(ev, StoppedEvent) and self.jsonl:
                self._emit({"event": "lane_stopped", "lane": lane, "reason": ev.reason})
        self._note()
        if not self.jsonl:
            self._status()

    def _segment(self, lane: str, ev: SegmentEvent) -> None:
        if self.jsonl:
            self._emit({"event": f"segment_{ev.kind}", "lane": lane, "alarm": lane == CALLER, **ev.segment.to_dict()})
            return
        if lane == CALLER:
            text = (f"!! CALLER: possible synthetic speech from {fmt_time(ev.segment.start_s)}" if ev.kind == "started"
                    else f"!! CALLER flagged {segment_line(ev.segment)}")
        else:
            text = (f"?? YOU: your own voice is being flagged from {fmt_time(ev.segment.start_s)}: this setup is "
                    "producing false alarms" if ev.kind == "started" else f"?? YOU flagged {segment_line(ev.segment)} (control lane)")
        self._line(text)

    def _note(self) -> None:
        note = self.session.verdict().note
        if note != self._last_note:
            self._last_note = note
            if self.jsonl:
                self._emit({"event": "call_reliability", "reliable": not note, "note": note})
            elif note:
                self._line(note)

    def _status(self) -> None:
        if time.monotonic() - self._last_status < 1.0:
            return
        parts = []
        for name in LANES:
            st = self.session.states[name]
            p = st.last_point
            if st.error and not st.running:
                parts.append(f"{LANE_TITLES[name]}: lost")
            elif p is None:
                parts.append(f"{LANE_TITLES[name]}: waiting")
            else:
                prob = "  -  " if p.smoothed is None else f"{p.smoothed:.2f}"
                band = f" [{st.channel.estimate.band}]" if st.channel else ""
                parts.append(f"{LANE_TITLES[name]} {self.levels[name]:5.0f} dB P {prob} {STATE_WORDS[p.state]}{band}")
        if any(self.session.states[n].last_point for n in LANES):
            self._last_status = time.monotonic()
            self._line(" | ".join(parts))

    def summary(self, interrupted: bool) -> dict:
        lanes = {}
        for name in LANES:
            st = self.session.states[name]
            engine = self.session.engines.get(name)
            segs = st.segments + ([st.open_segment] if st.open_segment else [])
            final = engine.channel.final() if engine is not None and engine.channel is not None else None
            lanes[name] = {
                "source": st.source, "error": st.error, "speech_windows": st.speech_windows,
                "segments": [s.to_dict() for s in segs], "channel": final.to_dict() if final else None,
                "audio_s": round(engine.stats.audio_seconds, 2) if engine else 0.0,
                "dropped_blocks": engine.dropped_blocks if engine else 0,
                "skipped_windows": engine.stats.skipped_windows if engine else 0,
                "realtime_factor": round(engine.stats.realtime_factor, 4) if engine else 0.0,
            }
        verdict = self.session.verdict()
        data = {"event": "summary", "mode": "call", "lanes": lanes, "alarm": verdict.alarm, "reliable": verdict.reliable,
                "reasons": list(verdict.reasons), "stopped_by": "interrupt" if interrupted else "duration"}
        if self.jsonl:
            self._emit(data)
            return data
        self._line("")
        for name in LANES:
            d = lanes[name]
            self._line(f"{LANE_TITLES[name]}: {d['audio_s']:.1f} s of audio, {d['speech_windows']} speech windows, "
                       f"{len(d['segments'])} flagged segment(s), dropped blocks {d['dropped_blocks']}"
                       + (f", error: {d['error']}" if d["error"] else ""))
            for s in (st_seg for st_seg in self.session.states[name].segments):
                self._line(f"  flagged {segment_line(s)}")
            if d["channel"]:
                from deepfake_live.channel_policy import describe_channel

                self._line(f"  {describe_channel(d['channel'])}")
        self._line("Call verdict: " + ("ALARM: the caller was flagged as likely synthetic" if verdict.alarm
                                       else "no alarm on the caller") + (f" ({verdict.note})" if verdict.note else ""))
        return data
