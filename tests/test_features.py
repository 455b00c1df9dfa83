import numpy as np
import pytest

from deepfake_live.dsp.features import FeatureConfig, StreamingFeatures, compute_features, frame_count
from deepfake_live.dsp.resample import StreamingResampler, resample

CFG = FeatureConfig()


def test_streaming_matches_batch_for_any_block_sizes():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(16000 * 3) * 0.1).astype(np.float32)
    batch = compute_features(x, CFG)
    stream = StreamingFeatures(CFG)
    parts, i = [], 0
    while i < x.size:
        n = int(rng.integers(1, 2500))
        parts.append(stream.push(x[i : i + n]))
        i += n
    streamed = np.concatenate(parts)
    assert streamed.shape == batch.shape == (frame_count(x.size, CFG), CFG.n_bands)
    assert np.max(np.abs(streamed - batch)) < 1e-5


def test_tone_lands_in_its_band_and_level_tracks_gain():
    t = np.arange(16000) / 16000
    loud = compute_features((0.5 * np.sin(2 * np.pi * 2000 * t)).astype(np.float32), CFG)
    quiet = compute_features((0.05 * np.sin(2 * np.pi * 2000 * t)).astype(np.float32), CFG)
    band = int(np.argmax(loud.mean(axis=0)))
    assert abs(CFG.band_centres_hz()[band] - 2000) < 130
    assert np.median(loud[:, band] - quiet[:, band]) == pytest.approx(20.0, abs=0.1)


def test_silence_is_floored_and_short_input_gives_no_frames():
    assert compute_features(np.zeros(100, np.float32), CFG).shape == (0, CFG.n_bands)
    f = compute_features(np.zeros(4000, np.float32), CFG)
    assert np.all(f == -100.0)


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000, 96000])
def test_streaming_resampler_matches_scipy(rate):
    from math import gcd

    from scipy.signal import resample_poly

    rng = np.random.default_rng(rate)
    x = rng.standard_normal(rate).astype(np.float32) * 0.3
    g = gcd(rate, 16000)
    ref = resample_poly(x.astype(np.float64), 16000 // g, rate // g)
    rs = StreamingResampler(rate, 16000)
    out = [rs.push(x[i : i + 777]) for i in range(0, x.size, 777)] + [rs.flush()]
    y = np.concatenate(out)
    assert y.size == ref.size
    assert np.max(np.abs(y - ref)) < 1e-5


def test_streaming_resampler_rejects_alias():
    """A tone above the 8 kHz limit must not fold back into the speech band."""
    t = np.arange(48000) / 48000
    y = resample((0.5 * np.sin(2 * np.pi * 9500 * t)).astype(np.float32), 48000, 16000)
    assert np.sqrt(np.mean(y[2000:-2000] ** 2)) < 1e-3  # below -60 dBFS


def test_resample_preserves_a_tone():
    t = np.arange(44100) / 44100
    y = resample(np.sin(2 * np.pi * 1000 * t).astype(np.float32), 44100, 16000)
    spec = np.abs(np.fft.rfft(y[1000:-1000]))
    freq = np.fft.rfftfreq(y[1000:-1000].size, 1 / 16000)[np.argmax(spec)]
    assert abs(freq - 1000) < 2
