"""Soak call mode: two PulseAudio virtual devices at once for N minutes; CPU share, peak RSS, drops per lane.

Usage: python benchmarks/call_soak.py [--minutes 10]

Starts a private PulseAudio server with two null sinks as in tests (``PulseCall``):
"mic" (default input: You) and "call" (default output: its monitor is the Caller).
Loops the bundled Piper demo into the mic and the espeak demo into the call, with
pauses, and runs the real ``deepfake-live monitor --call --jsonl`` process on both.
Both clips are synthetic (nothing from ../shared is needed), so both lanes flag: this
measures load and drops, not accuracy. CPU share is that process's user+system time over wall time (1.0 = one full core).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DEMO, PulseCall, write_wav  # noqa: E402


def _loop(call: PulseCall, sink: str, wav: Path, until: float) -> None:
    while time.monotonic() < until:
        call.play_on(sink, wav, wait=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    from deepfake_live.audio.files import read_audio

    you = np.concatenate([read_audio(DEMO / "piper_joe_8s.flac", 16000), np.zeros(16000 * 5)])
    caller = np.concatenate([read_audio(DEMO / "espeak_6s.flac", 16000), np.zeros(16000 * 3)])
    call = PulseCall()
    call.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            wavs = {"mic": write_wav(Path(tmp) / "you.wav", you), "call": write_wav(Path(tmp) / "caller.wav", caller)}
            seconds = args.minutes * 60
            proc = subprocess.Popen([sys.executable, "-m", "deepfake_live", "monitor", "--call", "--jsonl",
                                     "--duration", str(seconds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=call.env, cwd=ROOT)
            t0 = time.monotonic()
            time.sleep(3.0)
            players = [threading.Thread(target=_loop, args=(call, sink, wav, t0 + seconds - 2), daemon=True)
                       for sink, wav in wavs.items()]
            for t in players:
                t.start()
            out, err = proc.communicate(timeout=seconds + 120)
            wall = time.monotonic() - t0
            for t in players:
                t.join(timeout=30)
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        call.stop()
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    summary = events[-1] if events and events[-1].get("event") == "summary" else {}
    cpu = usage.ru_utime + usage.ru_stime
    print(f"call mode soak, {args.minutes:g} min: monitored {wall:.0f} s, CPU {cpu:.1f} s = {cpu / wall:.1%} of one core "
          f"(all children, paplay included), peak RSS {usage.ru_maxrss / 1024:.0f} MB, exit code {proc.returncode}")
    for name, lane in summary.get("lanes", {}).items():
        print(f"  {name}: {lane['audio_s']:.0f} s audio, dropped blocks {lane['dropped_blocks']}, skipped windows "
              f"{lane['skipped_windows']}, segments {len(lane['segments'])}, RTF {lane['realtime_factor']}, "
              f"error {lane['error']}")
    print(f"  alarm {summary.get('alarm')}, reliable {summary.get('reliable')}, reasons {summary.get('reasons')}")
    if err.strip():
        print("stderr:", err.strip().splitlines()[-1])
    ok = proc.returncode == 0 and summary and all(v["dropped_blocks"] == 0 for v in summary["lanes"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
