"""Glue between the channel self-check and a running detector (live or file).

One object per stream: feeds the tracker, turns each new estimate into an
assessment, moves the detector's thresholds to the matching condition (and its
scorer to the condition's specialist, where the policy routes one) and keeps
the history for reports. Single-threaded: the engine's worker and the file
analysis call it the same way, so a file and a live stream agree. Each watch
opens its own specialist runners, so streams on different threads share none.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from deepfake_live.channel_policy import ChannelAssessment, ConditionPolicy, Route
from deepfake_live.codec_check import OpusCheck
from deepfake_live.detector import Detector, Scorer
from deepfake_live.dsp.channel import ChannelTracker
from deepfake_live.dsp.features import FeatureConfig, StreamingFeatures
from deepfake_live.model.runner import ModelRunner

_SHIPPED = object()  # ChannelWatch's default: the Opus check shipped beside the model, if there is one


class ChannelWatch:
    def __init__(self, feature_cfg: FeatureConfig, policy: ConditionPolicy, context_s: float = 6.0,
                 update_s: float = 1.0, opus_check: OpusCheck | None | object = _SHIPPED) -> None:
        self.policy = policy
        self.tracker = ChannelTracker(feature_cfg, context_s=context_s, update_s=update_s)
        self.opus_check: OpusCheck | None = OpusCheck.load(feature_cfg) if opus_check is _SHIPPED else opus_check  # type: ignore[assignment]
        if self.opus_check is not None:
            self.opus_check.reset()  # a check handed in may have read another stream
        self.latest: ChannelAssessment | None = None
        self.history: list[tuple[float, ChannelAssessment]] = []  # (stream time at the estimate, assessment)
        self._specialists: dict[Route, Scorer] = {}
        self._main_scorer: Scorer | None = None  # the detector's own scorer while a specialist stands in for it

    def push(self, samples: np.ndarray, features: np.ndarray, time_s: float,
             detector: Detector | None = None) -> ChannelAssessment | None:
        """Feed the next block; on a new estimate, retune ``detector`` and return the assessment."""
        if self.opus_check is not None:
            self.opus_check.push(features)
        est = self.tracker.push(samples, features)
        if est is None or not est.confident:
            return None
        if self.opus_check is not None:
            est = replace(est, opus_logit=self.opus_check.recent_logit())
        assessment = self.policy.assess(est)
        self.latest = assessment
        self.history.append((time_s, assessment))
        if detector is not None:
            self.apply(detector, assessment)
        return assessment

    def apply(self, detector: Detector, assessment: ChannelAssessment) -> None:
        """Use the condition's thresholds, and its specialist or the main model, from the next window on.

        The smoothed score spans the switch for a few windows: each window's probability is calibrated by the
        model that scored it, so the average stays a probability."""
        cfg = detector.cfg
        if cfg.threshold != assessment.live_threshold or cfg.clip_threshold != assessment.clip_threshold:
            detector.cfg = replace(cfg, threshold=assessment.live_threshold, clip_threshold=assessment.clip_threshold)
        if assessment.route is not None:
            if self._main_scorer is None:
                self._main_scorer = detector.scorer
            detector.scorer = self.scorer_for(assessment.route)
        elif self._main_scorer is not None:
            detector.scorer, self._main_scorer = self._main_scorer, None

    def scorer_for(self, route: Route) -> Scorer:
        """The specialist's calibrated scorer, opened on first use by this watch."""
        if route not in self._specialists:
            self._specialists[route] = ModelRunner(route.path).probabilities
        return self._specialists[route]

    def final(self) -> ChannelAssessment:
        """The assessment of everything seen (a whole file or session)."""
        summary = self.tracker.summary()
        if self.opus_check is not None:
            summary = replace(summary, opus_logit=self.opus_check.overall_logit())
        return self.policy.assess(summary)

    def timeline(self) -> list[dict]:
        return [{"time_s": round(t, 2), **a.to_dict()} for t, a in self.history]


def assess_audio(samples: np.ndarray, feature_cfg: FeatureConfig, policy: ConditionPolicy,
                 block_s: float = 2.0, opus_check: OpusCheck | None | object = _SHIPPED) -> ChannelAssessment:
    """The whole-recording assessment of audio already in memory, fed in blocks as a file analysis feeds it:
    for studies and benchmarks that must pick the threshold the app would pick."""
    watch = ChannelWatch(feature_cfg, policy, opus_check=opus_check)
    feats = StreamingFeatures(feature_cfg)
    step = int(block_s * feature_cfg.sample_rate)
    for i in range(0, samples.size, step):
        block = samples[i : i + step]
        watch.push(block, feats.push(block), i / feature_cfg.sample_rate)
    return watch.final()
