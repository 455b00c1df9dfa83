"""Synthetic non-speech that a call or a room can carry, made in code (no recordings).

The detector must never score these: noise, mains hum, test tones, instrumental music, a TV/radio
music bed, DTMF key presses, ring-back, busy tone and telephone hold music. Shared by
benchmarks/vad_compare.py and tests/test_speech_activity.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SR = 16000


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * SR)) / SR


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def at_level(x: np.ndarray, dbfs: float) -> np.ndarray:
    """Scale to an RMS of ``dbfs`` (whole signal)."""
    return (x * (10 ** (dbfs / 20) / rms(x))).astype(np.float32)


def active_level(x: np.ndarray, frame: int = 400) -> float:
    """RMS of the frames within 20 dB of the loudest (speech without its pauses), as training/channels does."""
    m = x.size // frame
    if m == 0:
        return rms(x)
    e = np.sqrt(np.mean(np.square(x[: m * frame].reshape(m, frame), dtype=np.float64), axis=1))
    active = e[e > 0.1 * e.max()]
    return float(np.sqrt(np.mean(active**2))) if active.size else rms(x)


def at_active_level(x: np.ndarray, dbfs: float) -> np.ndarray:
    """Scale so the active speech level is ``dbfs``."""
    return (x * (10 ** (dbfs / 20) / (active_level(x) + 1e-12))).astype(np.float32)


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Speech plus noise (looped or cut to length) at ``snr_db`` relative to the active speech level."""
    noise = np.resize(noise, speech.size)
    gain = active_level(speech) / (rms(noise) * 10 ** (snr_db / 20))
    return (speech + gain * noise).astype(np.float32)


def colored_noise(rng: np.random.Generator, seconds: float, alpha: float) -> np.ndarray:
    """1/f^alpha noise: 0 white, 1 pink, 2 brown; unit RMS."""
    n = int(seconds * SR)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1]
    y = np.fft.irfft(spec / f ** (alpha / 2), n=n)
    return (y / rms(y)).astype(np.float32)


def hum(seconds: float, mains: float = 50.0, rng: np.random.Generator | None = None) -> np.ndarray:
    """Mains hum with odd-harmonic buzz, as from a ground loop."""
    t = _t(seconds)
    x = sum((0.6 ** k) * np.sin(2 * np.pi * mains * (2 * k + 1) * t + k) for k in range(8))
    return np.asarray(x, dtype=np.float32)


def tone(seconds: float, hz: float = 1000.0) -> np.ndarray:
    return np.sin(2 * np.pi * hz * _t(seconds)).astype(np.float32)


def sweep(seconds: float, f0: float = 100.0, f1: float = 6000.0) -> np.ndarray:
    """Logarithmic sine sweep."""
    t = _t(seconds)
    k = np.log(f1 / f0) / seconds
    return np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k).astype(np.float32)


def _note(hz: float, seconds: float, timbre: tuple[float, ...] = (1.0, 0.5, 0.3, 0.2, 0.1), decay: float = 3.0) -> np.ndarray:
    """One plucked/piano-like note: harmonics with a fast attack and exponential decay."""
    t = _t(seconds)
    env = np.minimum(1.0, t / 0.01) * np.exp(-decay * t)
    return (env * sum(a * np.sin(2 * np.pi * hz * (k + 1) * t) for k, a in enumerate(timbre))).astype(np.float32)


def _midi(n: float) -> float:
    return 440.0 * 2 ** ((n - 69) / 12)


def music(seconds: float, rng: np.random.Generator, tempo: float = 110.0, drums: bool = True) -> np.ndarray:
    """Instrumental pop: chord pads, a bass line, a melody and a drum kit (kick, snare, hi-hat)."""
    beat = 60.0 / tempo
    out = np.zeros(int(seconds * SR) + SR, dtype=np.float32)
    progression = [(57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62)]  # Am F C G
    scale = [57, 59, 60, 62, 64, 65, 67, 69, 71, 72]
    n_beats = int(seconds / beat)
    for b in range(n_beats):
        at = int(b * beat * SR)
        chord = progression[(b // 4) % len(progression)]
        if b % 4 == 0:  # a pad chord per bar
            for n in chord:
                x = _note(_midi(n), 4 * beat, (1.0, 0.4, 0.2), decay=0.8) * 0.25
                out[at : at + x.size] += x[: out.size - at]
        bass = _note(_midi(chord[0] - 12), beat, (1.0, 0.6, 0.3), decay=4.0) * 0.5  # bass on every beat
        out[at : at + bass.size] += bass[: out.size - at]
        for half in (0, 1):  # melody in eighth notes, mostly
            if rng.random() < 0.8:
                x = _note(_midi(int(rng.choice(scale)) + 12), beat / 2, decay=5.0) * 0.3
                a = at + int(half * beat / 2 * SR)
                out[a : a + x.size] += x[: max(0, out.size - a)]
        if drums:
            kt = _t(0.25)
            kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-kt * 30)) * kt) * np.exp(-kt * 12)
            if b % 2 == 0:
                out[at : at + kick.size] += 0.8 * kick[: out.size - at]
            else:  # snare: noise burst plus a body tone
                snare = (rng.standard_normal(kt.size) * 0.5 + np.sin(2 * np.pi * 190 * kt)) * np.exp(-kt * 20)
                out[at : at + snare.size] += 0.4 * snare[: out.size - at]
            for half in (0, 1):
                ht = _t(0.05)
                hat = np.diff(rng.standard_normal(ht.size + 1)) * np.exp(-ht * 80)  # differentiated noise: bright
                a = at + int(half * beat / 2 * SR)
                out[a : a + hat.size] += 0.15 * hat[: max(0, out.size - a)]
    return out[: int(seconds * SR)]


def chords(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Sustained organ-like chords changing every second (no drums)."""
    out = np.zeros(int(seconds * SR), dtype=np.float32)
    for k in range(int(np.ceil(seconds))):
        root = int(rng.integers(48, 60))
        t = _t(1.0)
        x = sum(np.sin(2 * np.pi * _midi(root + i) * h * t) / h for i in (0, 4, 7) for h in (1, 2, 3))
        x = np.asarray(x) * np.minimum(1, np.minimum(t, 1 - t) / 0.03)
        a = k * SR
        out[a : a + x.size] = x[: out.size - a]
    return out


def telephone_band(x: np.ndarray) -> np.ndarray:
    """300-3400 Hz band, by FFT masking (no SciPy needed)."""
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(x.size, 1 / SR)
    spec[(f < 300) | (f > 3400)] = 0
    return np.fft.irfft(spec, n=x.size).astype(np.float32)


def mu_law(x: np.ndarray, mu: float = 255.0) -> np.ndarray:
    """8-bit mu-law quantisation, as a phone line carries it."""
    x = np.clip(x / (np.abs(x).max() + 1e-12), -1, 1)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    y = np.round(y * 127) / 127
    return (np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu).astype(np.float32)


def hold_music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Music on hold: the music without drums, squeezed through a phone line."""
    return mu_law(telephone_band(music(seconds, rng, tempo=90.0, drums=False)))


def tv_music_bed(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A TV/radio music bed in a room: music with pink noise and a little hum, compressed."""
    x = music(seconds, rng, tempo=128.0)
    x = x / rms(x) + 0.2 * colored_noise(rng, seconds, 1.0) + 0.05 * hum(seconds, 60.0)
    return np.tanh(1.5 * x / np.abs(x).max()).astype(np.float32)


DTMF_ROWS = (697, 770, 852, 941)
DTMF_COLS = (1209, 1336, 1477, 1633)


def dtmf(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Random key presses: dual tones of 100-200 ms with 60-300 ms gaps."""
    out = np.zeros(int(seconds * SR), dtype=np.float32)
    at = int(0.2 * SR)
    while at < out.size:
        dur = float(rng.uniform(0.1, 0.2))
        t = _t(dur)
        x = np.sin(2 * np.pi * rng.choice(DTMF_ROWS) * t) + np.sin(2 * np.pi * rng.choice(DTMF_COLS) * t)
        out[at : at + x.size] = x[: out.size - at]
        at += x.size + int(rng.uniform(0.06, 0.3) * SR)
    return out


def cadence(seconds: float, freqs: tuple[float, ...], on_off: tuple[float, ...]) -> np.ndarray:
    """Call-progress tone: summed sines switched by an on/off cadence (seconds), repeated."""
    t = _t(seconds)
    x = sum(np.sin(2 * np.pi * f * t) for f in freqs)
    period = sum(on_off)
    phase = t % period
    gate = np.zeros_like(t, dtype=bool)
    edge = 0.0
    for i, d in enumerate(on_off):
        if i % 2 == 0:
            gate |= (phase >= edge) & (phase < edge + d)
        edge += d
    return (np.asarray(x) * gate).astype(np.float32)


def ringback_us(seconds: float) -> np.ndarray:
    return cadence(seconds, (440, 480), (2.0, 4.0))


def ringback_uk(seconds: float) -> np.ndarray:
    return cadence(seconds, (400, 450), (0.4, 0.2, 0.4, 2.0))


def busy(seconds: float) -> np.ndarray:
    return cadence(seconds, (480, 620), (0.5, 0.5))


def catalogue(seconds: float, seed: int = 0) -> dict[str, Callable[[], np.ndarray]]:
    """Name -> maker of each non-speech signal, unit-less (scale with :func:`at_level`)."""
    def rng(k: int) -> np.random.Generator:
        return np.random.default_rng(seed * 1000 + k)

    return {
        "white noise": lambda: colored_noise(rng(1), seconds, 0.0),
        "pink noise": lambda: colored_noise(rng(2), seconds, 1.0),
        "brown noise": lambda: colored_noise(rng(3), seconds, 2.0),
        "hum 50 Hz": lambda: hum(seconds, 50.0),
        "hum 60 Hz + noise": lambda: hum(seconds, 60.0) / 2 + 0.1 * colored_noise(rng(4), seconds, 1.0),
        "tone 1 kHz": lambda: tone(seconds, 1000.0),
        "tone sweep": lambda: sweep(seconds),
        "music": lambda: music(seconds, rng(5)),
        "chords": lambda: chords(seconds, rng(6)),
        "tv music bed": lambda: tv_music_bed(seconds, rng(7)),
        "hold music": lambda: hold_music(seconds, rng(8)),
        "dtmf": lambda: dtmf(seconds, rng(9)),
        "ring-back us": lambda: ringback_us(seconds),
        "ring-back uk": lambda: ringback_uk(seconds),
        "busy tone": lambda: busy(seconds),
    }
