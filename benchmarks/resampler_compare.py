"""The hand-written streaming polyphase resampler against soxr's ResampleStream: quality, speed, streaming = batch.

soxr is far more accurate and faster, but the product keeps the polyphase filter: the shipped model was trained on audio
resampled by it (and telephone copies by scipy's identical resample_poly), and on 8-11 kHz input soxr's cleaner empty upper
band moved clip scores by up to 0.5 (a real train/serve mismatch, measured in the closing note of issue #15). Switching needs a
retrain through soxr.

Usage: python benchmarks/resampler_compare.py [--seconds 60]

For each common input rate -> 16 kHz (the model's rate) it prints:
- passband error: RMS error of a 1 kHz and a 7 kHz tone against the exact tone at 16 kHz (dB re. signal;
  edge samples excluded), i.e. level and phase accuracy where speech lives;
- alias: level of a 9.5 kHz tone (above the 8 kHz Nyquist limit) left in the output (dBFS; lower is better);
- vs scipy: max |difference| from scipy.signal.resample_poly, the textbook reference (if SciPy is installed);
- speed: seconds of CPU per second of audio in 20 ms blocks (live capture) and 2 s blocks (files);
- stream = batch: max |difference| between the output fed in random block sizes and in one piece,
  and whether the lengths agree.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deepfake_live.dsp.resample import StreamingResampler  # noqa: E402

OUT = 16000
RATES = (8000, 22050, 44100, 48000)


class Polyphase:
    name = "polyphase (product)"

    def __init__(self, rate: int) -> None:
        self.rs = StreamingResampler(rate, OUT)

    def push(self, x: np.ndarray) -> np.ndarray:
        return self.rs.push(x)

    def flush(self) -> np.ndarray:
        return self.rs.flush()


class Soxr:
    name = "soxr HQ"
    quality = "HQ"

    def __init__(self, rate: int) -> None:
        import soxr

        self.rs = soxr.ResampleStream(rate, OUT, 1, dtype="float32", quality=self.quality)

    def push(self, x: np.ndarray) -> np.ndarray:
        return self.rs.resample_chunk(np.asarray(x, dtype=np.float32), last=False)

    def flush(self) -> np.ndarray:
        return self.rs.resample_chunk(np.zeros(0, dtype=np.float32), last=True)


class SoxrVHQ(Soxr):
    name = "soxr VHQ"
    quality = "VHQ"


def run(kind, rate: int, x: np.ndarray, block: int | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
    rs = kind(rate)
    out = []
    i = 0
    while i < x.size:
        n = x.size if block is None and rng is None else (block or int(rng.integers(1, 4000)))
        out.append(rs.push(x[i : i + n]))
        i += n
    out.append(rs.flush())
    return np.concatenate(out)


def tone(rate: int, hz: float, seconds: float) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * hz * np.arange(int(rate * seconds)) / rate)).astype(np.float32)


def passband_error_db(kind, rate: int, hz: float) -> float:
    if hz >= rate / 2:
        return float("nan")
    y = run(kind, rate, tone(rate, hz, 2.0)).astype(np.float64)
    ref = 0.5 * np.sin(2 * np.pi * hz * np.arange(y.size) / OUT)
    core = slice(OUT // 4, y.size - OUT // 4)  # away from the start and end transients
    err = np.sqrt(np.mean((y[core] - ref[core]) ** 2)) / np.sqrt(np.mean(ref[core] ** 2))
    return 20 * np.log10(max(err, 1e-12))


def alias_dbfs(kind, rate: int) -> float:
    if rate / 2 <= 9500:
        return float("nan")
    y = run(kind, rate, tone(rate, 9500, 2.0)).astype(np.float64)
    core = y[OUT // 4 : -OUT // 4]
    return 20 * np.log10(max(np.sqrt(np.mean(core**2)) * np.sqrt(2), 1e-12))


def vs_scipy(kind, rate: int, x: np.ndarray) -> float:
    try:
        from math import gcd

        from scipy.signal import resample_poly
    except ImportError:
        return float("nan")
    g = gcd(rate, OUT)
    ref = resample_poly(x.astype(np.float64), OUT // g, rate // g)
    y = run(kind, rate, x)
    n = min(ref.size, y.size)
    return float(np.max(np.abs(ref[:n] - y[:n])))


def speed(kind, rate: int, x: np.ndarray, block_s: float) -> float:
    block = max(1, int(rate * block_s))
    t0 = time.process_time()
    run(kind, rate, x, block=block)
    return (time.process_time() - t0) / (x.size / rate)


def stream_vs_batch(kind, rate: int, x: np.ndarray) -> tuple[float, bool]:
    whole = run(kind, rate, x)
    pieces = run(kind, rate, x, rng=np.random.default_rng(3))
    n = min(whole.size, pieces.size)
    return float(np.max(np.abs(whole[:n] - pieces[:n]))) if n else 0.0, whole.size == pieces.size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the noise signal timed for speed")
    args = ap.parse_args()
    kinds = [Polyphase]
    try:
        import soxr  # noqa: F401

        kinds += [Soxr, SoxrVHQ]
    except ImportError:
        print("soxr is not installed (pip install soxr): only the project's resampler is measured")
    rng = np.random.default_rng(0)
    print(f"{'rate':>6} {'resampler':17} {'err 1k dB':>9} {'err 7k dB':>9} {'alias dBFS':>10} {'vs scipy':>9} "
          f"{'CPU/s 20ms':>10} {'CPU/s 2s':>9} {'stream-batch':>12} {'len=':>4}")
    for rate in RATES:
        noise = (0.1 * rng.standard_normal(int(rate * args.seconds))).astype(np.float32)
        short = noise[: rate * 5]
        for kind in kinds:
            diff, same_len = stream_vs_batch(kind, rate, short)
            print(f"{rate:6d} {kind.name:17} {passband_error_db(kind, rate, 1000):9.1f} {passband_error_db(kind, rate, 7000):9.1f} "
                  f"{alias_dbfs(kind, rate):10.1f} {vs_scipy(kind, rate, short):9.1e} {speed(kind, rate, noise, 0.02):10.5f} "
                  f"{speed(kind, rate, noise, 2.0):9.5f} {diff:12.1e} {'yes' if same_len else 'no':>4}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
