"""Headless live view: one updating status line, segment lines, or JSON lines."""

from __future__ import annotations

import json
import time
from typing import TextIO

from deepfake_live.detector import State
from deepfake_live.engine import ChannelEvent, Engine, ErrorEvent, LevelEvent, ScoreEvent, SegmentEvent, StoppedEvent
from deepfake_live.level import HINT_ADVICE
from deepfake_live.report import fmt_time, segment_line, too_short_text

STATE_WORDS = {State.NO_SPEECH: "no speech", State.GENUINE: "likely genuine", State.UNCERTAIN: "uncertain",
               State.SYNTHETIC: "LIKELY SYNTHETIC"}


class MonitorView:
    def __init__(self, engine: Engine, model, jsonl: bool, stream: TextIO) -> None:
        self.engine = engine
        self.model = model
        self.jsonl = jsonl
        self.out = stream
        self.tty = stream.isatty()
        self.level_db = -120.0
        self.level_hint: str | None = None  # level.hint() of the last seconds: shown beside the meter
        self.hints_seen: set[str] = set()
        self.last_point = None
        self.segments = []
        self.error: str | None = None
        self.stop_reason = ""
        self.max_prob = 0.0
        self.speech_windows = 0
        self._last_plain = 0.0
        self._line_open = False
        self.channel = None  # latest ChannelAssessment
        self._channel_key: tuple | None = None

    def _emit_json(self, obj: dict) -> None:
        self.out.write(json.dumps(obj) + "\n")
        self.out.flush()

    def _println(self, text: str) -> None:
        if self._line_open:
            self.out.write("\r\033[K" if self.tty else "\n")
            self._line_open = False
        self.out.write(text + "\n")
        self.out.flush()

    def started(self, source) -> None:
        msg = {"event": "started", "source": source.describe(), "model": self.model.label,
               "threshold": self.model.detector_cfg.threshold, "time": time.time()}
        if self.jsonl:
            self._emit_json(msg)
        else:
            self._println(f"Monitoring {source.describe()} with {self.model.label} (threshold "
                          f"{self.model.detector_cfg.threshold:.2f} until the channel is known); Ctrl-C to stop. "
                          "Audio stays on this machine.")

    def handle(self, events: list) -> None:
        for ev in events:
            if isinstance(ev, LevelEvent):
                self.level_db, self.level_hint = ev.rms_db, ev.hint
                if ev.hint:
                    self.hints_seen.add(ev.hint)
            elif isinstance(ev, ScoreEvent):
                p = ev.point
                self.last_point = p
                if p.probability is not None:
                    self.speech_windows += 1
                    self.max_prob = max(self.max_prob, p.probability)
                if self.jsonl:
                    self._emit_json({"event": "score", **p.to_dict(), "level_db": round(self.level_db, 1), "level_hint": self.level_hint})
            elif isinstance(ev, SegmentEvent):
                if ev.kind == "ended":
                    self.segments.append(ev.segment)
                if self.jsonl:
                    self._emit_json({"event": f"segment_{ev.kind}", **ev.segment.to_dict()})
                elif ev.kind == "started":
                    self._println(f"!! possible synthetic speech from {fmt_time(ev.segment.start_s)}")
                else:
                    self._println(f"!! flagged {segment_line(ev.segment)}")
            elif isinstance(ev, ChannelEvent):
                self._channel(ev)
            elif isinstance(ev, ErrorEvent):
                self.error = ev.message
                if self.jsonl:
                    self._emit_json({"event": "error", "message": ev.message})
                else:
                    self._println(f"error: {ev.message}")
            elif isinstance(ev, StoppedEvent):
                self.stop_reason = ev.reason
        if not self.jsonl:
            self._status_line()

    def _channel(self, ev: ChannelEvent) -> None:
        """JSON: every estimate. Text: a line whenever the condition or its reliability changes."""
        a = ev.assessment
        self.channel = a
        if self.jsonl:
            self._emit_json({"event": "channel", "time_s": round(ev.time_s, 2), "channel": a.to_dict()})
            return
        key = (a.condition, a.candidates, a.reliable, a.reason)
        if key != self._channel_key:
            self._channel_key = key
            self._println(f"[{fmt_time(ev.time_s)}] {a.line()}")

    def _status_line(self) -> None:
        p = self.last_point
        if p is None:
            return
        meter = "#" * max(0, min(10, int((self.level_db + 70) / 6)))
        prob = "  -  " if p.smoothed is None else f"{p.smoothed:.2f}"
        words = STATE_WORDS[p.state]
        if p.state in (State.GENUINE, State.UNCERTAIN) and self._too_short():
            words = "too short to judge"
        text = f"[{fmt_time(p.end_s)}] level {self.level_db:6.1f} dB |{meter:10s}| P(fake) {prob}  {words}"
        if self.level_hint:
            text += f"  ({self.level_hint.upper()})"
        if self.channel is not None:
            text += f"  [{self.channel.estimate.band}{'' if self.channel.reliable else ', less reliable'}]"
        if self.tty:
            self.out.write("\r\033[K" + text)
            self.out.flush()
            self._line_open = True
        elif time.monotonic() - self._last_plain >= 1.0:
            self._last_plain = time.monotonic()
            self.out.write(text + "\n")
            self.out.flush()

    def _speech_s(self) -> float:
        det = self.engine.detector
        return det.speech_seconds if det is not None else 0.0

    def _too_short(self) -> bool:
        return self._speech_s() < self.engine.detector_cfg.min_speech_s

    def verdict(self, segments: list) -> str:
        """The session's verdict: flagged once means flagged; too little speech means none."""
        if segments:
            return "likely synthetic"
        if 0 < self._speech_s() < self.engine.detector_cfg.min_speech_s:
            return "too short"
        if self.speech_windows == 0:
            return "no speech"
        return "no synthetic speech flagged"

    def summary(self, interrupted: bool, by_duration: bool = False) -> None:
        stats = self.engine.stats
        med, p99 = stats.latency_percentiles()
        det = self.engine.detector
        open_seg = det.open_segment if det else None
        segs = self.segments + ([open_seg] if open_seg else [])
        data = {
            "event": "summary", "audio_s": round(stats.audio_seconds, 2), "speech_windows": self.speech_windows,
            "speech_s": round(self._speech_s(), 2), "verdict": self.verdict(segs),
            "windows_scored": det.windows_scored if det else 0, "segments": [s.to_dict() for s in segs],
            "max_probability": round(self.max_prob, 4), "dropped_blocks": self.engine.dropped_blocks,
            "skipped_windows": stats.skipped_windows, "realtime_factor": round(stats.realtime_factor, 4),
            "latency_ms_median": round(med, 2), "latency_ms_p99": round(p99, 2),
            "stopped_by": "interrupt" if interrupted else "duration" if by_duration else (self.stop_reason or "stopped"),
            "error": self.error, "level_hints": sorted(self.hints_seen),
        }
        final = self.engine.channel.final() if self.engine.channel is not None else None
        if final is not None:
            data["channel"] = final.to_dict()
        if self.jsonl:
            self._emit_json(data)
            return
        self._println("")
        self._println(f"Summary: {stats.audio_seconds:.1f} s of audio, {self.speech_windows} speech windows, "
                      f"{len(segs)} flagged segment(s), max P(fake) {self.max_prob:.2f}")
        verdict = data["verdict"]
        if verdict == "too short":
            verdict += f" ({too_short_text(self._speech_s(), self.engine.detector_cfg.min_speech_s)})"
        self._println(f"Verdict: {verdict.upper() if segs else verdict}")
        for s in segs:
            self._println(f"  flagged {segment_line(s)}")
        for h in sorted(self.hints_seen):
            self._println(f"  note: {HINT_ADVICE[h]}")
        if final is not None:
            self._println(f"  {final.line()}")
        self._println(f"  dropped blocks {data['dropped_blocks']}, skipped windows {stats.skipped_windows}, "
                      f"real-time factor {stats.realtime_factor:.4f}, update latency median {med:.1f} ms / p99 {p99:.1f} ms")
