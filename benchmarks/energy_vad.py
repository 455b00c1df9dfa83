"""The retired energy VAD, kept only as the baseline of benchmarks/vad_compare.py (not in the product path).

Replaced by Silero (deepfake_live/speech_activity.py, issue #14): in reverberation with 10 dB noise it left
11.9% of speech clips without a verdict and called quiet far-field speech "no speech".

Voice activity from the shared features, so silence and noise get no score.

A frame counts as voiced when its speech-band energy stands well above a
tracked noise floor and its energy is not concentrated in one band (a pure
tone or hum is not speech). The tracker runs frame by frame, so batch and
streaming use give identical masks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepfake_live.dsp.features import FeatureConfig


@dataclass(frozen=True)
class VadConfig:
    band_lo_hz: float = 250.0
    band_hi_hz: float = 4000.0
    margin_db: float = 9.0  # energy above the noise floor to count as voiced
    min_level_db: float = -62.0  # absolute floor: quieter frames are silence
    floor_rise: float = 0.04  # per-frame fraction the floor climbs towards the level (~0.25 s)
    max_peak_share: float = 0.985  # tonal frames put more than this in their two strongest bands


class VoiceActivity:
    """Frame-level voice activity with an adaptive noise floor (explicit state)."""

    def __init__(self, feature_cfg: FeatureConfig, cfg: VadConfig | None = None) -> None:
        self.cfg = cfg or VadConfig()
        centres = feature_cfg.band_centres_hz()
        self._bands = (centres >= self.cfg.band_lo_hz) & (centres <= self.cfg.band_hi_hz)
        if not self._bands.any():
            self._bands[:] = True
        self._floor: float | None = None

    def reset(self) -> None:
        self._floor = None

    def frame_levels(self, features: np.ndarray) -> np.ndarray:
        """Speech-band energy in dB of each frame."""
        power = np.power(10.0, features[:, self._bands].astype(np.float64) / 10.0)
        return 10.0 * np.log10(power.sum(axis=1) + 1e-10)

    def push(self, features: np.ndarray) -> np.ndarray:
        """Voiced mask (bool per frame) for the next frames of the stream."""
        if features.shape[0] == 0:
            return np.zeros(0, dtype=bool)
        levels = self.frame_levels(features)
        power = np.power(10.0, features[:, self._bands].astype(np.float64) / 10.0)
        top_two = np.sort(power, axis=1)[:, -2:].sum(axis=1)
        peak_share = top_two / (power.sum(axis=1) + 1e-20)
        voiced = np.zeros(levels.shape[0], dtype=bool)
        floor = levels[0] if self._floor is None else self._floor
        rise = self.cfg.floor_rise
        for i, level in enumerate(levels):
            floor = level if level < floor else floor + rise * (level - floor)
            voiced[i] = level > floor + self.cfg.margin_db and level > self.cfg.min_level_db
        self._floor = float(floor)
        return voiced & (peak_share < self.cfg.max_peak_share)


def speech_frame_mask(features: np.ndarray, feature_cfg: FeatureConfig, cfg: VadConfig | None = None) -> np.ndarray:
    """Voiced mask of a whole clip's features."""
    return VoiceActivity(feature_cfg, cfg).push(features)
