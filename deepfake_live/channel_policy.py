"""From a channel estimate to the validated condition, its thresholds and a reliability note.

The model's metadata carries one calibrated clip threshold per channel condition it
was validated on (``calibration_info.per_condition_threshold``); this module picks
the condition the measured channel matches and says plainly when the channel is
outside all of them, rather than pretending the verdict is as good as on test data.
Pure logic: the engine and the file analysis both call :meth:`ConditionPolicy.assess`.

A condition may also have a *route*: a specialist model trained for that channel alone (the telephone-band
model shipped beside the detector), with its own calibrated thresholds. The policy only names the route;
``channel_watch`` runs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from deepfake_live.dsp.channel import ChannelEstimate

CLEAN = "clean"
TELEPHONE = "telephone_8k_mulaw"
OPUS = "opus_12k"
MP3 = "mp3_32k"
NOISY = "reverb_noise_10db"
NOISY_CALL = "noisy_call_opus_12k"  # a noisy room heard through an Opus call (threshold from a simulated one, training.channels)
HD_VOICE = "hd_voice_g722"  # a G.722 call: its 7 kHz band edge reads as a lossy codec's lowpass, as MP3's does
HD_VOICE_MAX_HOLES = 0.006  # under a codec lowpass, fewer spectral holes than this: G.722-like (chosen on training clips:
# 96.9% of HD-voice copies and 0.7% of MP3 copies lie below it, session 12)
OUTSIDE = "outside_validated"
MAIN_MODEL = "main model"

NOISY_BELOW_DB = 20.0  # estimated SNR under this: the noisy condition (validated at 10 dB)
UNRELIABLE_SNR_DB = 7.0  # under this: noisier than anything validated
UNRELIABLE_BANDWIDTH_HZ = 2500.0  # narrower than a telephone
UNRELIABLE_CLIPPING = 0.01  # 1% of samples in flat tops: clipping was not a validated condition
UNRELIABLE_LEVEL_DBFS = -55.0  # speech this quiet sits near the front end's floor


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Route:
    """A specialist model for one validated condition, and the thresholds its own metadata calibrated there."""

    condition: str
    path: Path
    label: str  # what the user is told scored the audio, e.g. "telephone-band model (deepfake-live-cnn-telephone 2026.12.01)"
    clip_threshold: float
    live_threshold: float
    sha256: str = ""

    def to_dict(self) -> dict:
        return {"model": self.label, "file": self.path.name, "sha256": self.sha256,
                "clip_threshold": round(self.clip_threshold, 4), "live_threshold": round(self.live_threshold, 4)}


@dataclass(frozen=True)
class ChannelAssessment:
    """A channel estimate read against the model's validated conditions."""

    estimate: ChannelEstimate
    condition: str  # best-matching validated condition, or OUTSIDE
    candidates: tuple[str, ...]  # conditions the estimate cannot tell apart
    threshold_condition: str  # the condition whose threshold is used (or "override"/"model")
    clip_threshold: float
    live_threshold: float
    reliable: bool
    reason: str | None
    route: Route | None = None  # the specialist that scores this channel; None: the main model

    @property
    def note(self) -> str:
        return "" if self.reliable else f"verdict less reliable: {self.reason}"

    def line(self) -> str:
        """One human line: what the channel is and which threshold is in use."""
        return describe_channel(self.to_dict())

    def to_dict(self) -> dict:
        e = self.estimate
        return {
            "bandwidth_hz": round(e.bandwidth_hz, 1), "band": e.band,
            "snr_db": None if e.snr_db is None else round(e.snr_db, 1),
            "clipping": round(e.clipping, 5), "level_dbfs": None if e.level_dbfs is None else round(e.level_dbfs, 1),
            "codec": e.codec, "condition": self.condition, "candidates": list(self.candidates),
            "threshold_used": round(self.clip_threshold, 4), "live_threshold_used": round(self.live_threshold, 4),
            "threshold_condition": self.threshold_condition, "reliable": self.reliable, "reason": self.reason,
            "speech_s": round(e.speech_s, 1), "confident": e.confident,
            "opus_check": None if e.opus_logit is None else round(e.opus_logit, 2),
            "scored_by": MAIN_MODEL if self.route is None else self.route.label,
        }


def describe_channel(d: dict) -> str:
    """The channel line shown by the CLI, the GUI and reports, from :meth:`ChannelAssessment.to_dict`."""
    snr = "n/a" if d.get("snr_db") is None else f"{d['snr_db']:.0f} dB"
    clip = d.get("clipping", 0.0)
    parts = [f"{d['band']} {d['bandwidth_hz'] / 1000:.1f} kHz", f"SNR {snr}",
             f"clipping {clip * 100:.1f}%" if clip >= 0.001 else "no clipping"]
    if d.get("level_dbfs") is not None:
        parts.append(f"level {d['level_dbfs']:.0f} dBFS")
    if d.get("codec"):
        parts.append("lossy-codec lowpass")
    if d.get("opus_check") is not None:
        parts.append("Opus check: " + ("clean" if d["opus_check"] < 0 else "Opus-like"))
    cands = d.get("candidates") or [d["condition"]]
    cond = d["condition"] if d["condition"] == OUTSIDE else " or ".join(cands)
    text = f"channel: {', '.join(parts)} -> {cond}; threshold {d['threshold_used']:.2f} ({d['threshold_condition']})"
    if d.get("scored_by", MAIN_MODEL) != MAIN_MODEL:
        text += f"; scored by the {d['scored_by']}"
    if not d.get("confident", True):
        text += " [little speech: estimate uncertain]"
    if not d.get("reliable", True):
        text += f"; verdict less reliable: {d.get('reason')}"
    return text


def match_conditions(e: ChannelEstimate) -> tuple[tuple[str, ...], str | None]:
    """Validated conditions the estimate is consistent with, and why it is outside them all (or None)."""
    reasons = []
    if e.snr_db is not None and e.snr_db < UNRELIABLE_SNR_DB:
        reasons.append(f"speech-to-noise ratio {e.snr_db:.0f} dB is below the tested range (10 dB)")
    if e.bandwidth_hz < UNRELIABLE_BANDWIDTH_HZ:
        reasons.append(f"bandwidth {e.bandwidth_hz / 1000:.1f} kHz is narrower than a telephone line")
    if e.clipping >= UNRELIABLE_CLIPPING:
        reasons.append(f"{e.clipping * 100:.1f}% of samples are clipped")
    if e.level_dbfs is not None and e.level_dbfs < UNRELIABLE_LEVEL_DBFS:
        reasons.append(f"speech level {e.level_dbfs:.0f} dBFS is very low")
    noisy = e.snr_db is not None and e.snr_db < NOISY_BELOW_DB
    if e.band == "narrowband":
        if noisy:
            reasons.append("noise on a telephone-band channel was not tested")
            return (TELEPHONE, NOISY), "; ".join(reasons)
        return (TELEPHONE,), "; ".join(reasons) or None
    if noisy:
        # Through an Opus call a noisy room's genuine speech scores higher than in the room itself (validation, simulated:
        # 5.1% of genuine copies flagged at the room's threshold), so a noisy line the Opus check reads as Opus-like gets
        # the noisy call's own threshold (a model without one: its strictest).
        if e.codec != "lowpass_codec" and e.opus_logit is not None and e.opus_logit >= 0.0:
            return (NOISY_CALL,), "; ".join(reasons) or None
        return (NOISY,), "; ".join(reasons) or None
    if e.codec == "lowpass_codec":
        # MP3 and an HD-voice (G.722) call both end in a brick-wall edge near 7 kHz; MP3 leaves spectral holes under it,
        # G.722 does not. Without holes: the stricter of the two thresholds (a model calibrated before HD voice had a
        # threshold: MP3's), so an MP3 file read as HD voice is never judged more leniently.
        if e.hf_holes is not None and e.hf_holes < HD_VOICE_MAX_HOLES:
            return (HD_VOICE, MP3), "; ".join(reasons) or None
        return (MP3,), "; ".join(reasons) or None
    # A wideband channel without a visible lowpass: clean and a low-bitrate Opus call look alike here,
    # unless the Opus check (a CNN on the same windows, ``codec_check``) read the audio as clean.
    if e.opus_logit is not None and e.opus_logit < 0.0:
        return (CLEAN,), "; ".join(reasons) or None
    return (CLEAN, OPUS), "; ".join(reasons) or None


@dataclass(frozen=True)
class ConditionPolicy:
    """The model's per-condition thresholds and how to use them.

    ``clip_thresholds``: condition -> calibrated clip threshold (from metadata).
    ``base_clip`` / ``base_live``: the model's own clip and live thresholds. The live
    (smoothed-window) threshold was chosen on clean audio, so a condition's live
    threshold is the clean one moved by the same logit step as its clip threshold.
    ``override``: a threshold the user set; it wins everywhere (and keeps the main model: it is on its scale).
    ``routes``: condition -> specialist model; used only where that condition is read reliably on its own.
    """

    clip_thresholds: dict[str, float]
    base_clip: float
    base_live: float
    override: float | None = None
    routes: dict[str, Route] = field(default_factory=dict)

    @classmethod
    def from_model(cls, meta, detector_cfg, override: float | None = None,
                   routes: dict[str, Route] | None = None) -> ConditionPolicy:
        extra = getattr(meta, "extra", None) or {}
        info = extra.get("calibration_info") if isinstance(extra.get("calibration_info"), dict) else {}
        per = info.get("per_condition_threshold") if isinstance(info, dict) else None
        table = {str(k): float(v) for k, v in per.items() if 0.0 < float(v) < 1.0} if isinstance(per, dict) else {}
        return cls(table, float(meta.threshold) if override is None else override,
                   float(detector_cfg.threshold), override, dict(routes or {}))

    def thresholds(self, conditions: tuple[str, ...]) -> tuple[float, float, str]:
        """(clip, live, condition used) for a set of candidate conditions: the strictest among them."""
        if self.override is not None:
            return self.override, self.override, "override"
        known = [c for c in conditions if c in self.clip_thresholds]
        if not known:
            return self.base_clip, self.base_live, "model"
        cond = max(known, key=lambda c: self.clip_thresholds[c])
        clip = self.clip_thresholds[cond]
        ref = self.clip_thresholds.get(CLEAN)
        live = self.base_live if ref is None else _sigmoid(_logit(self.base_live) + _logit(clip) - _logit(ref))
        return clip, live, cond

    def assess(self, e: ChannelEstimate) -> ChannelAssessment:
        candidates, reason = match_conditions(e)
        if reason is None:
            clip, live, used = self.thresholds(candidates)
            assessment = ChannelAssessment(e, candidates[0], candidates, used, clip, live, True, None)
            route = self.routes.get(used) if self.override is None else None
            if route is None:
                return assessment
            return replace(assessment, clip_threshold=route.clip_threshold, live_threshold=route.live_threshold, route=route)
        # Outside every validated condition: the strictest calibrated threshold, and say so.
        clip, live, used = self.thresholds(tuple(self.clip_thresholds) or candidates)
        return ChannelAssessment(e, OUTSIDE, candidates, used, clip, live, False, reason)

    def unknown(self) -> tuple[float, float]:
        """Thresholds before any channel estimate exists: the model's own (its strictest)."""
        return (self.override, self.override) if self.override is not None else (self.base_clip, self.base_live)
