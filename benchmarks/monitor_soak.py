"""Monitor a PulseAudio virtual microphone for N minutes; report CPU share, peak RSS, drops.

Usage: python benchmarks/monitor_soak.py [--minutes 10] [--telephone]

Starts a private PulseAudio server (as the tests do), loops speech (the bundled
demo clips, alternating with silence) into its null sink, and runs the real
`deepfake-live monitor --jsonl` process on the sink's monitor. CPU share is the
monitor process's user+system time over wall time (1.0 = one full core).
``--telephone`` plays the speech through a telephone band, so the telephone-band
model scores it once the channel reads as a telephone line (where one is shipped).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DEMO, PulseMic, write_wav  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--telephone", action="store_true", help="play the speech through a 300-3400 Hz telephone band")
    args = ap.parse_args()
    from deepfake_live.audio.files import read_audio
    from deepfake_live.bench import telephone_band

    speech = np.concatenate([read_audio(DEMO / "piper_joe_8s.flac", 16000), np.zeros(16000 * 4),
                             read_audio(DEMO / "espeak_6s.flac", 16000), np.zeros(16000 * 6)])
    if args.telephone:
        speech = telephone_band(speech)
    mic = PulseMic()
    mic.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wav = write_wav(Path(tmp) / "loop.wav", speech)
            proc = subprocess.Popen([sys.executable, "-m", "deepfake_live", "monitor", "--jsonl", "--duration", str(args.minutes * 60)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=mic.env)
            t0 = time.monotonic()
            time.sleep(2.0)
            while proc.poll() is None and time.monotonic() - t0 < args.minutes * 60 - 1:
                mic.play(wav, wait=True)
            out, err = proc.communicate(timeout=120)
            wall = time.monotonic() - t0
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        mic.stop()
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    summary = events[-1] if events and events[-1].get("event") == "summary" else {}
    cpu = usage.ru_utime + usage.ru_stime
    # RUSAGE_CHILDREN covers every child (paplay included); paplay is tiny, the monitor dominates.
    print(f"monitored {wall:.0f} s: CPU {cpu:.1f} s = {cpu / wall:.1%} of one core, peak RSS {usage.ru_maxrss / 1024:.0f} MB")
    print(f"dropped blocks {summary.get('dropped_blocks')}, skipped windows {summary.get('skipped_windows')}, "
          f"segments {len(summary.get('segments', []))}, update latency median {summary.get('latency_ms_median')} ms "
          f"p99 {summary.get('latency_ms_p99')} ms, exit code {proc.returncode}")
    channel = summary.get("channel") or {}
    print(f"channel: {channel.get('condition')}, scored by the {channel.get('scored_by')}")
    if err.strip():
        print("stderr:", err.strip().splitlines()[-1])
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
