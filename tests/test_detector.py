"""Detector logic on synthetic feature streams with a transparent scorer.

Frames carry their own "fakeness" in the top band: the scorer reads it back, so every
expected state can be computed by hand. The speech decisions the detector receives
from upstream are equally transparent: a frame is speech when its speech band is loud.
"""

import numpy as np
import pytest

from deepfake_live.analysis import clip_score
from deepfake_live.detector import Detector, DetectorConfig, State
from deepfake_live.dsp.features import FeatureConfig

FCFG = FeatureConfig()
CFG = DetectorConfig(window_frames=50, hop_frames=10, threshold=0.5, release_margin=0.15, smooth_windows=1, max_gap_s=1.0)
FPS = 100  # frames per second (10 ms hop)


def speech_frames(n: int, p: float, seed: int = 0) -> np.ndarray:
    """Syllable-like level pattern in the speech band, P(fake)=p coded in the top band."""
    rng = np.random.default_rng(seed)
    f = np.full((n, FCFG.n_bands), -90.0, dtype=np.float32)
    env = np.where((np.arange(n) // 8) % 3 == 2, -80.0, -25.0)  # 80 ms on, 80 on, 80 off
    f[:, 2:30] = env[:, None] + rng.normal(0, 3, (n, 28))
    f[:, -1] = -100.0 + 100.0 * p
    return f


def silence_frames(n: int) -> np.ndarray:
    f = np.full((n, FCFG.n_bands), -95.0, dtype=np.float32)
    return f


class CountingScorer:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        self.calls += windows.shape[0]
        return np.clip((windows[:, :, -1].mean(axis=1) + 100.0) / 100.0, 0.0, 1.0)


def speech_of(frames: np.ndarray) -> np.ndarray:
    """The speech decision upstream would send: loud speech band."""
    return frames[:, 2:30].mean(axis=1) > -60.0


def run(frames: np.ndarray, cfg: DetectorConfig = CFG, block: int = 7, lag: int = 0):
    """Stream ``frames`` in blocks; speech decisions arrive ``lag`` frames behind the features, as from the VAD."""
    scorer = CountingScorer()
    det = Detector(FCFG, cfg, scorer)
    speech = speech_of(frames)
    points, started, ended = [], [], []
    sent = 0
    for i in range(0, frames.shape[0], block):
        end = max(sent, min(frames.shape[0], i + block) - lag)
        up = det.push(frames[i : i + block], speech[sent:end])
        sent = end
        points += up.points
        started += up.started
        ended += up.ended
    up = det.push(frames[:0], speech[sent:])  # end of stream: the last decisions arrive
    points += up.points
    ended += up.ended + det.finish().ended
    return det, scorer, points, started, ended


def test_silence_gives_no_speech_and_is_never_scored():
    det, scorer, points, started, _ = run(silence_frames(300))
    assert points and all(p.state is State.NO_SPEECH and p.probability is None for p in points)
    assert scorer.calls == 0 and not started


def test_genuine_speech_stays_genuine():
    _, scorer, points, started, _ = run(speech_frames(400, 0.1))
    assert scorer.calls == len(points)
    assert {p.state for p in points} == {State.GENUINE}
    assert not started


def test_hysteresis_keeps_segment_through_uncertain_scores_and_ends_below_release():
    frames = np.concatenate([speech_frames(200, 0.1), speech_frames(200, 0.9, 1), speech_frames(200, 0.42, 2),
                             speech_frames(200, 0.1, 3)])
    _, _, points, started, ended = run(frames)
    assert len(started) == 1 and len(ended) == 1
    seg = ended[0]
    # Window scores are means over 50 frames: the first window at >= 0.5 starts at frame 180.
    assert seg.start_s == pytest.approx(1.8)
    # Scores of 0.42 (< threshold, > release 0.35) do not end it; the last window kept starts at
    # frame 560 (40 frames of 0.42 + 10 of 0.1 = 0.356); it ends (560 + 49) * 160 + 400 samples in.
    assert seg.end_s == pytest.approx(((560 + 49) * 160 + 400) / 16000)
    assert seg.peak == pytest.approx(0.9, abs=0.01)
    assert 0.42 < seg.mean < 0.9
    states = [p.state for p in points]
    assert states.index(State.SYNTHETIC) > 0 and states[-1] is State.GENUINE


def test_uncertain_band_without_a_segment():
    _, _, points, started, _ = run(speech_frames(300, 0.42))
    assert not started and {p.state for p in points} == {State.UNCERTAIN}


def test_short_pause_inside_a_segment_does_not_split_it_but_a_long_one_does():
    short = np.concatenate([speech_frames(200, 0.9), silence_frames(80), speech_frames(200, 0.9, 1)])
    _, _, _, started, ended = run(short)
    assert len(started) == 1 and len(ended) == 1
    long = np.concatenate([speech_frames(200, 0.9), silence_frames(400), speech_frames(200, 0.9, 1)])
    _, _, points, started, ended = run(long)
    assert len(started) == 2 and len(ended) == 2
    assert any(p.state is State.NO_SPEECH for p in points)


def test_block_size_does_not_change_results():
    frames = np.concatenate([speech_frames(150, 0.2), speech_frames(150, 0.8, 1), silence_frames(150)])
    a = run(frames, block=1)[2]
    b = run(frames, block=97)[2]
    assert [(p.start_s, p.state, p.probability) for p in a] == [(p.start_s, p.state, p.probability) for p in b]


def test_speech_decisions_lagging_the_features_change_nothing_but_timing():
    frames = np.concatenate([speech_frames(150, 0.2), silence_frames(120), speech_frames(150, 0.8, 1), silence_frames(150)])
    ref = run(frames, block=13)[2]
    for lag, block in ((4, 13), (40, 5), (200, 64)):
        got = run(frames, block=block, lag=lag)[2]
        assert [(p.start_s, p.state, p.probability, p.voiced_fraction) for p in got] == \
            [(p.start_s, p.state, p.probability, p.voiced_fraction) for p in ref]


def test_a_window_waits_for_its_speech_decisions():
    det = Detector(FCFG, CFG, CountingScorer())
    frames = speech_frames(60, 0.1)
    up = det.push(frames, speech_of(frames)[:49])  # features of a whole window, decisions for 49 frames
    assert not up.points
    up = det.push(frames[:0], speech_of(frames)[49:])
    assert len(up.points) == 2 and up.points[0].probability is not None


def test_probabilities_and_masks_are_the_same_speech_decision():
    frames = speech_frames(200, 0.1)
    mask = speech_of(frames)
    prob = np.where(mask, 0.9, 0.1).astype(np.float32)
    a = Detector(FCFG, CFG, CountingScorer()).push(frames, mask).points
    b = Detector(FCFG, CFG, CountingScorer()).push(frames, prob).points
    assert [(p.voiced_fraction, p.probability) for p in a] == [(p.voiced_fraction, p.probability) for p in b]


def test_timeline_times_follow_the_hop():
    _, _, points, _, _ = run(speech_frames(200, 0.1))
    starts = [p.start_s for p in points]
    assert np.allclose(np.diff(starts), CFG.hop_frames / FPS)
    assert points[0].end_s == pytest.approx((49 * 160 + 400) / 16000)


def test_skip_to_counts_skipped_windows_and_keeps_time():
    det = Detector(FCFG, CFG, CountingScorer())
    f = speech_frames(100, 0.1)
    det.push(f, speech_of(f))
    skipped = det.skip_to(1000)
    assert skipped == (1000 - 60) // CFG.hop_frames
    f = speech_frames(60, 0.1)
    up = det.push(f, speech_of(f))
    assert up.points[0].start_s == pytest.approx(10.0)


def test_smoothing_averages_logits_of_recent_windows():
    cfg = DetectorConfig(window_frames=50, hop_frames=10, smooth_windows=3)
    frames = np.concatenate([speech_frames(100, 0.1), speech_frames(100, 0.9, 1)])
    _, _, points, _, _ = run(frames, cfg)
    # A single 0.9 window right after 0.1 ones is smoothed below 0.9.
    first_high = next(p for p in points if p.probability and p.probability > 0.8)
    assert first_high.smoothed < first_high.probability


def test_clip_score_is_mean_logit_over_speech_windows():
    probs = np.array([0.9, 0.9, np.nan, 0.1])
    assert clip_score(probs) == pytest.approx(1 / (1 + np.exp(-(np.log(9) * 2 - np.log(9)) / 3)))
    assert clip_score(np.array([np.nan])) is None
