"""Channel self-check: what the audio path did to the speech, measured from the audio itself.

Thresholds are calibrated per channel condition and accuracy collapses on channels
the model never saw, so the product must know which channel it is listening to.
Everything here is cheap and pure: it reuses the feature frames the model already
gets (log-power bands) plus a clipping count on the raw samples, and keeps a few
seconds of context. ``ChannelTracker`` is the streaming form; ``estimate_channel``
is the one function both the live and the file path call.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, replace

import numpy as np

from deepfake_live.dsp.features import FeatureConfig

NARROWBAND_MAX_HZ = 4600.0  # a band edge below this is a telephone (300-3400 Hz) channel
FULLBAND_MIN_HZ = 7500.0  # no edge below this: the whole band the model sees (8 kHz at 16 kHz)
EDGE_MIN_DROP_DB = 20.0  # how far the spectrum must fall at a band edge
LOWPASS_CODEC_DROP_DB = 25.0  # a brick-wall edge this deep with a flat floor above: a lossy encoder's lowpass
BELOW_EDGE_HZ = 375.0  # an edge's drop is measured from the mean level of this span under it
TELEPHONE_SLOPE_HZ = 750.0  # a telephone filter's slope: the spectrum must stay down from this far above the edge
CODEC_SLOPE_HZ = 250.0  # an encoder's brick-wall lowpass is steeper
SNR_CAP_DB = 60.0
MIN_SPEECH_FRAMES = 100  # 1 s of speech before an estimate is trusted
FULL_SCALE_SINE_DB = 3.0  # the front end puts a full-scale sine at ~0 dB; its RMS is -3 dBFS
HOLES_BAND_HZ = (4200.0, 6800.0)  # under a codec's lowpass, where MP3 leaves spectral holes and G.722 leaves noise
HOLE_DEPTH_DB = 15.0  # a band this far under its frame's median in that span is a hole


@dataclass(frozen=True)
class ChannelEstimate:
    """What the channel looks like over the frames it was computed on."""

    bandwidth_hz: float
    band: str  # "narrowband", "wideband" or "fullband"
    snr_db: float | None  # None: no speech above the noise floor
    clipping: float  # fraction of samples in flat tops at the peak
    level_dbfs: float | None  # active-speech level
    codec: str | None  # "lowpass_codec" when a lossy encoder's brick-wall lowpass is visible
    speech_s: float  # seconds of speech the estimate rests on
    seconds: float  # seconds of audio it covers
    opus_logit: float | None = None  # the Opus check's reading (below 0: clean), when it ran (``codec_check``)
    hf_holes: float | None = None  # with a codec lowpass: share of 4.2-6.8 kHz cells in holes during speech (MP3 leaves them)

    @property
    def confident(self) -> bool:
        return self.speech_s * 100.0 >= MIN_SPEECH_FRAMES

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("bandwidth_hz", "snr_db", "level_dbfs", "speech_s", "seconds", "opus_logit"):
            if d[k] is not None:
                d[k] = round(float(d[k]), 1)
        d["clipping"] = round(self.clipping, 5)
        if d["hf_holes"] is not None:
            d["hf_holes"] = round(float(d["hf_holes"]), 4)
        return d


def _bands(hz: float, centres: np.ndarray) -> int:
    """How many bands of the front end span ``hz`` (at least one)."""
    step = float(centres[1] - centres[0]) if centres.size > 1 else hz
    return max(1, int(round(hz / step)))


def _band_edge(ltas_db: np.ndarray, centres: np.ndarray, lo_hz: float, hi_hz: float, gap_hz: float) -> tuple[int | None, float]:
    """Index of the steepest lasting drop in the long-term spectrum between ``lo_hz`` and ``hi_hz``, and its depth (dB).

    A channel's band edge is a drop that stays down: everything from ``gap_hz`` above
    the candidate edge up to the top must sit below the mean of the bands in the
    ``BELOW_EDGE_HZ`` under it, so a single spectral dip does not count. A telephone's
    filter slope spans several hundred hertz (wide gap); an encoder's lowpass is a
    brick wall. Spans are in hertz, so the estimate does not change with the number
    of bands of the front end (set at 64 bands; in bands, v3's 128 halved them and a
    quiet telephone line's slope no longer fitted in the gap).
    """
    below, gap = _bands(BELOW_EDGE_HZ, centres), _bands(gap_hz, centres)
    best, best_drop = None, 0.0
    n = ltas_db.size
    for k in range(below, n - gap):
        if centres[k] < lo_hz or centres[k] > hi_hz:
            continue
        drop = float(np.mean(ltas_db[k - below : k])) - float(np.max(ltas_db[k + gap :]))
        if drop > best_drop:
            best, best_drop = k, drop
    return best, best_drop


def high_band_holes(speech_frames_db: np.ndarray, centres: np.ndarray) -> float:
    """Share of the 4.2-6.8 kHz cells of speech frames lying HOLE_DEPTH_DB under their frame's median there.

    Both MP3 at low bitrates and a G.722 (HD voice) call end in a brick-wall edge near 7 kHz, so the band edge cannot
    tell them apart; under it MP3 drops whole scale-factor bands to zero while G.722's coarsely coded high sub-band fills
    them with noise (session 12, 160 training clips: medians 0.0007 for HD-voice copies and 0.049 for MP3 copies).
    """
    span = (centres >= HOLES_BAND_HZ[0]) & (centres < HOLES_BAND_HZ[1])
    cells = speech_frames_db[:, span]
    if cells.size == 0:
        return 0.0
    return float(np.mean(cells < np.median(cells, axis=1, keepdims=True) - HOLE_DEPTH_DB))


def estimate_channel(features: np.ndarray, cfg: FeatureConfig, clipping: float = 0.0) -> ChannelEstimate:
    """Bandwidth, speech-to-noise ratio, level and codec signs from feature frames (n, bands) in dB."""
    seconds = features.shape[0] / cfg.frame_rate
    centres = cfg.band_centres_hz()
    if features.shape[0] < 10:
        return ChannelEstimate(float(cfg.f_max), "fullband", None, clipping, None, None, 0.0, seconds)
    power = np.power(10.0, features.astype(np.float64) / 10.0)
    frame_power = power.sum(axis=1)
    quiet = frame_power <= np.percentile(frame_power, 15)
    noise_bands = power[quiet].mean(axis=0)  # stationary noise floor: the mean of the quietest frames, band by band
    noise = float(noise_bands.sum())
    speech = frame_power > 2.0 * noise  # 3 dB above the mean noise floor
    if speech.sum() < 5:
        return ChannelEstimate(float(cfg.f_max), "fullband", None, clipping, None, None, 0.0, seconds)
    speech_power = power[speech].mean(axis=0)
    s = float(frame_power[speech].mean())
    snr = SNR_CAP_DB if noise <= 0 else min(SNR_CAP_DB, 10.0 * np.log10(max(s - noise, 1e-12) / noise))
    ltas = 10.0 * np.log10(speech_power + 1e-12)
    bandwidth = float(cfg.f_max)
    codec = None
    edge, drop = _band_edge(ltas, centres, 1500.0, 6000.0, TELEPHONE_SLOPE_HZ)
    if edge is not None and drop >= EDGE_MIN_DROP_DB:
        bandwidth = float(centres[edge])
    else:
        edge, drop = _band_edge(ltas, centres, 6000.0, FULLBAND_MIN_HZ, CODEC_SLOPE_HZ)
        if edge is not None and drop >= EDGE_MIN_DROP_DB:
            bandwidth = float(centres[edge])
            if drop >= LOWPASS_CODEC_DROP_DB and float(np.ptp(ltas[edge + _bands(CODEC_SLOPE_HZ, centres) :])) < 4.0:
                codec = "lowpass_codec"
    band = "narrowband" if bandwidth < NARROWBAND_MAX_HZ else ("fullband" if bandwidth >= FULLBAND_MIN_HZ else "wideband")
    level = 10.0 * np.log10(s + 1e-12) - FULL_SCALE_SINE_DB
    holes = high_band_holes(features[speech], centres) if codec else None
    return ChannelEstimate(bandwidth, band, float(snr), clipping, float(level), codec,
                           float(speech.sum()) / cfg.frame_rate, seconds, hf_holes=holes)


def clipped_fraction(samples: np.ndarray) -> tuple[int, int]:
    """(clipped, total): samples in runs of >= 2 equal-magnitude samples at the block's peak.

    Natural audio reaches its peak once; a clipped waveform sits there flat. Only
    counted when the peak is a hard limit (flat), so quiet clipped audio that was
    turned down afterwards is still caught and loud clean audio is not.
    """
    x = np.abs(np.asarray(samples, dtype=np.float32).reshape(-1))
    if x.size < 2:
        return 0, int(x.size)
    peak = float(x.max())
    if peak <= 1e-4:
        return 0, int(x.size)
    at_peak = x >= peak * 0.999
    flat = at_peak[1:] & at_peak[:-1]
    member = np.zeros(x.size, dtype=bool)
    member[1:] |= flat
    member[:-1] |= flat
    clipped = int(np.count_nonzero(member))
    return (clipped if clipped >= 3 else 0), int(x.size)


class ChannelTracker:
    """Streaming channel estimate over the last ``context_s`` seconds, refreshed every ``update_s``.

    Also keeps a bounded, evenly thinned sample of every frame seen, so a whole
    recording gets one summary estimate without holding all of its frames.
    """

    def __init__(self, cfg: FeatureConfig, context_s: float = 6.0, update_s: float = 1.0, summary_frames: int = 6000) -> None:
        self.cfg = cfg
        self.context_frames = int(round(context_s * cfg.frame_rate))
        self.update_frames = max(1, int(round(update_s * cfg.frame_rate)))
        self._recent: deque[np.ndarray] = deque()
        self._recent_n = 0
        self._since_update = 0
        self._clip_recent: deque[tuple[int, int, int]] = deque()  # (frame index at end, clipped, total)
        self._frames_seen = 0
        self._clipped_total = 0
        self._samples_total = 0
        self._summary: list[np.ndarray] = []
        self._summary_n = 0  # frames held in _summary (a running count: summing the list each push grew with the session)
        self._summary_limit = summary_frames
        self._stride = 1
        self.latest: ChannelEstimate | None = None

    def reset(self) -> None:
        self.__init__(self.cfg, self.context_frames / self.cfg.frame_rate, self.update_frames / self.cfg.frame_rate,
                      self._summary_limit)

    def push(self, samples: np.ndarray, features: np.ndarray) -> ChannelEstimate | None:
        """Add the next samples and their feature frames; returns a new estimate once per ``update_s``."""
        clipped, total = clipped_fraction(samples)
        self._clipped_total += clipped
        self._samples_total += total
        n = int(features.shape[0])
        self._frames_seen += n
        self._clip_recent.append((self._frames_seen, clipped, total))
        while self._clip_recent and self._clip_recent[0][0] < self._frames_seen - self.context_frames:
            self._clip_recent.popleft()
        if n:
            self._recent.append(features)
            self._recent_n += n
            while self._recent_n - self._recent[0].shape[0] >= self.context_frames:
                self._recent_n -= self._recent.popleft().shape[0]
            self._keep_for_summary(features)
        self._since_update += n
        if self._since_update < self.update_frames:
            return None
        self._since_update = 0
        self.latest = self.current()
        return self.latest

    def current(self) -> ChannelEstimate:
        """Estimate over the recent context now."""
        feats = np.concatenate(list(self._recent))[-self.context_frames :] if self._recent else np.zeros((0, self.cfg.n_bands))
        c = sum(x[1] for x in self._clip_recent)
        t = sum(x[2] for x in self._clip_recent)
        return estimate_channel(feats, self.cfg, c / t if t else 0.0)

    def _keep_for_summary(self, features: np.ndarray) -> None:
        start = (-(self._frames_seen - features.shape[0])) % self._stride
        kept = features[start :: self._stride]
        self._summary.append(kept)
        self._summary_n += kept.shape[0]
        if self._summary_n > self._summary_limit:
            merged = np.concatenate(self._summary)[::2]
            self._summary = [merged]
            self._summary_n = merged.shape[0]
            self._stride *= 2

    def summary(self) -> ChannelEstimate:
        """One estimate for everything pushed so far (a whole file or session)."""
        feats = np.concatenate(self._summary) if self._summary else np.zeros((0, self.cfg.n_bands))
        clip = self._clipped_total / self._samples_total if self._samples_total else 0.0
        est = estimate_channel(feats, self.cfg, clip)
        # The thinned sample covers the whole stream: report its true length.
        return replace(est, speech_s=est.speech_s * self._stride, seconds=self._frames_seen / self.cfg.frame_rate)
