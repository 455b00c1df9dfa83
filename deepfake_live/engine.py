"""The engine: source -> ring buffer -> features -> detector, on one worker thread.

Data flows one way. The source's thread only fills the ring buffer; the worker
drains it, resamples, computes features, scores and publishes events on a
queue that views (CLI, GUI) drain at their own pace. If scoring falls behind
real time the worker skips ahead (counted) instead of lagging further.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from deepfake_live import level
from deepfake_live.audio.ring_buffer import RingBuffer
from deepfake_live.audio.sources import AudioSource, mono
from deepfake_live.channel_policy import ChannelAssessment, ConditionPolicy
from deepfake_live.channel_watch import ChannelWatch
from deepfake_live.detector import Detector, DetectorConfig, DetectorUpdate, Scorer, Segment, TimelinePoint
from deepfake_live.dsp.features import FeatureConfig, StreamingFeatures
from deepfake_live.dsp.resample import StreamingResampler
from deepfake_live.speech_activity import SpeechActivity

LEVEL_SPAN_S = 3.0  # the level hint judges the last few seconds, so a pause between words does not trigger it
LEVEL_EVERY_S = 0.25  # and is re-judged at most this often
# The worker sleeps this long when it has caught up, then takes what arrived in one step. Capture blocks come every
# 20 ms; a step per block cost a third of a live lane's CPU in fixed per-step work (features, channel check, VAD
# group, events) for no visible gain: scores come every hop (200 ms), the spectrogram repaints at ~30 Hz.
TICK_S = 0.05


@dataclass
class LevelEvent:
    time_s: float
    rms_db: float
    peak: float
    hint: str | None = None  # level.hint() of the last few seconds: "input level low", "clipping", "no signal"


@dataclass
class FeaturesEvent:
    start_frame: int
    features: np.ndarray  # (n, bands) dB, for the spectrogram


@dataclass
class ScoreEvent:
    point: TimelinePoint


@dataclass
class SegmentEvent:
    kind: str  # "started" or "ended"
    segment: Segment


@dataclass
class ChannelEvent:
    time_s: float
    assessment: ChannelAssessment  # the channel self-check; thresholds already applied


@dataclass
class ErrorEvent:
    message: str
    fatal: bool = True


@dataclass
class StoppedEvent:
    reason: str  # "stopped", "finished" or "error"


Event = LevelEvent | FeaturesEvent | ScoreEvent | SegmentEvent | ChannelEvent | ErrorEvent | StoppedEvent


@dataclass
class EngineStats:
    audio_seconds: float = 0.0
    busy_seconds: float = 0.0
    updates: int = 0
    skipped_windows: int = 0
    skips: int = 0
    latencies_ms: deque = field(default_factory=lambda: deque(maxlen=20000))

    @property
    def realtime_factor(self) -> float:
        """Processing time per second of audio (lower is better; < 1 keeps up)."""
        return self.busy_seconds / self.audio_seconds if self.audio_seconds else 0.0

    def latency_percentiles(self) -> tuple[float, float]:
        if not self.latencies_ms:
            return 0.0, 0.0
        arr = np.asarray(self.latencies_ms)
        return float(np.median(arr)), float(np.percentile(arr, 99))


def _level_db(x: np.ndarray) -> float:
    if x.size == 0:
        return -120.0
    return float(10.0 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


class Engine:
    """Runs one source through the detector on a worker thread."""

    def __init__(self, feature_cfg: FeatureConfig, detector_cfg: DetectorConfig, scorer: Scorer,
                 max_backlog_s: float = 1.0, tick_s: float = TICK_S, history_s: float = 300.0,
                 policy: ConditionPolicy | None = None) -> None:
        self.feature_cfg = feature_cfg
        self.policy = policy  # per-condition thresholds; None: fixed thresholds, no channel self-check
        self.channel: ChannelWatch | None = None
        self.detector_cfg = detector_cfg
        self.scorer = scorer
        self.max_backlog_s = max_backlog_s
        self.tick_s = tick_s
        self.history = RingBuffer(int(history_s * feature_cfg.sample_rate), 1)
        self.events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self.source: AudioSource | None = None
        self.detector: Detector | None = None
        self.stats = EngineStats()
        self.started_wall: float | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._hint: str | None = None  # the last level hint and the history position it was judged at
        self._hint_at = 0
        self._speech = SpeechActivity(feature_cfg)  # reset at each start

    # -- control ------------------------------------------------------------
    def start(self, source: AudioSource) -> None:
        """Start capturing from ``source``; raises DeviceError/AudioFileError if it cannot open."""
        self.stop()
        self.source = source
        self.stats = EngineStats()
        self.history = RingBuffer(self.history.capacity, 1)
        self.detector = Detector(self.feature_cfg, self.detector_cfg, self.scorer)
        self.channel = ChannelWatch(self.feature_cfg, self.policy) if self.policy is not None else None
        self._stop.clear()
        source.start()
        self.started_wall = time.time()
        self._thread = threading.Thread(target=self._run, name="engine-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
            if thread.is_alive():  # a stuck worker keeps its VAD stream; the next run gets a fresh one
                self._speech = SpeechActivity(self.feature_cfg)
        if self.source is not None:
            self.source.stop()

    def set_threshold(self, threshold: float) -> None:
        """Change sensitivity live; takes effect on the next window."""
        self.detector_cfg = replace(self.detector_cfg, threshold=threshold)
        if self.policy is not None:  # the user's choice wins over the channel's condition
            self.policy = replace(self.policy, override=threshold)
            if self.channel is not None:
                self.channel.policy = self.policy
        if self.detector is not None:
            self.detector.cfg = self.detector_cfg

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def poll(self, max_events: int = 100000) -> list[Event]:
        """Drain pending events (call from the consumer's thread)."""
        out: list[Event] = []
        try:
            while len(out) < max_events:
                out.append(self.events.get_nowait())
        except queue.Empty:
            pass
        return out

    @property
    def dropped_blocks(self) -> int:
        """Capture blocks lost: PortAudio overflows plus ring-buffer overruns."""
        if self.source is None:
            return 0
        return self.source.health.input_overflows + self.source.ring.overruns

    # -- worker -------------------------------------------------------------
    def _run(self) -> None:
        assert self.source is not None and self.detector is not None
        source, detector = self.source, self.detector
        ring = source.ring
        resampler = StreamingResampler(source.sample_rate, self.feature_cfg.sample_rate)
        features = StreamingFeatures(self.feature_cfg)
        speech = self._speech
        speech.reset()
        self._hint, self._hint_at = None, 0
        ratio = self.feature_cfg.sample_rate / source.sample_rate
        max_backlog = int(self.max_backlog_s * source.sample_rate)
        reason = "stopped"
        try:
            while not self._stop.is_set():
                error = source.check_alive()
                if error:
                    self.events.put(ErrorEvent(error))
                    reason = "error"
                    break
                backlog = ring.written - ring.read_position
                if source.is_live and backlog > max_backlog:
                    target = ring.written
                    skipped = ring.skip_to(target)
                    # Keep the history aligned with stream time: the skipped stretch becomes silence.
                    self.history.write(np.zeros(int(round(skipped * ratio)), dtype=np.float32))
                    resampler = StreamingResampler(source.sample_rate, self.feature_cfg.sample_rate)
                    features = StreamingFeatures(self.feature_cfg)
                    speech.reset()
                    frame = int(round(target * ratio / self.feature_cfg.hop_length))
                    self.stats.skipped_windows += detector.skip_to(frame)
                    self.stats.skips += 1
                    continue
                if backlog == 0:
                    if source.health.finished and ring.written == ring.read_position:  # re-read: last block may be new
                        reason = "finished"
                        self._publish(detector.push(features.push(np.zeros(0, np.float32)), speech.flush()), source, 0.0)
                        break
                    self._stop.wait(self.tick_s)
                    continue
                self._process(ring, resampler, features, speech, detector, source)
        except Exception as exc:  # noqa: BLE001 - report, never crash the app
            self.events.put(ErrorEvent(f"processing failed: {exc.__class__.__name__}: {exc}"))
            reason = "error"
        finally:
            if reason == "finished":
                for seg in detector.finish().ended:
                    self.events.put(SegmentEvent("ended", seg))
            source.stop()
            self.events.put(StoppedEvent(reason))

    def _level_hint(self) -> str | None:
        """Re-judge the input level on the last LEVEL_SPAN_S of history every LEVEL_EVERY_S of new audio."""
        written, sr = self.history.written, self.feature_cfg.sample_rate
        if written - self._hint_at >= LEVEL_EVERY_S * sr:
            self._hint_at = written
            _, recent = self.history.latest(min(written, int(LEVEL_SPAN_S * sr)))
            self._hint = level.hint(level.measure(recent[:, 0], sr))
        return self._hint

    def _process(self, ring: RingBuffer, resampler: StreamingResampler, features: StreamingFeatures,
                 speech: SpeechActivity, detector: Detector, source: AudioSource) -> None:
        write_time = ring.last_write_time
        t_start = time.perf_counter()
        start, block = ring.read(max_samples=source.sample_rate)  # at most 1 s per step
        if block.shape[0] == 0:
            return
        samples = resampler.push(mono(block))
        self.history.write(samples)
        feats = features.push(samples)
        t_stream = (start + block.shape[0]) / source.sample_rate
        assessment = self.channel.push(samples, feats, t_stream, detector) if self.channel is not None else None
        update = detector.push(feats, speech.push(samples))
        if assessment is not None:
            self.events.put(ChannelEvent(t_stream, assessment))
        self.events.put(LevelEvent(t_stream, _level_db(samples), float(np.max(np.abs(samples))) if samples.size else 0.0,
                                   self._level_hint()))
        if feats.shape[0]:
            self.events.put(FeaturesEvent(features.frames_emitted - feats.shape[0], feats))
        self._publish(update, source, write_time)
        self.stats.audio_seconds += block.shape[0] / source.sample_rate
        self.stats.busy_seconds += time.perf_counter() - t_start

    def _publish(self, update: DetectorUpdate, source: AudioSource, write_time: float) -> None:
        now = time.monotonic()
        for seg in update.started:
            self.events.put(SegmentEvent("started", seg))
        for point in update.points:
            self.events.put(ScoreEvent(point))
            if source.is_live and write_time:
                self.stats.latencies_ms.append((now - write_time) * 1000.0)
        for seg in update.ended:
            self.events.put(SegmentEvent("ended", seg))
        self.stats.updates += len(update.points)
