"""Session report for a call: both lanes, channel estimates over time, flagged segments with audio hashes.

Each lane is exported as today (JSON + CSV timeline + PNG + one WAV per flagged
segment, see export.py); one more JSON ties them together with the call verdict,
the channel history of each lane and a sha256 of every flagged segment's samples.
No widgets here: it reads the call session and the per-lane live sessions.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from deepfake_live import __version__
from deepfake_live.call import LANE_TITLES, LANES, CallSession
from deepfake_live.gui import export
from deepfake_live.gui.session import LiveSession


def _segment_samples(engine, start_s: float, end_s: float, sr: int) -> np.ndarray:
    a, b = int(round(start_s * sr)), int(round(end_s * sr))
    first, data = engine.history.latest(engine.history.written)
    a, b = max(a, first), min(b, first + data.shape[0])
    return data[a - first : b - first, 0].copy() if b > a else np.zeros(0, dtype=np.float32)


def lane_report(call: CallSession, name: str, live: LiveSession, model_info: dict) -> export.ReportData | None:
    engine = call.engines.get(name)
    if engine is None:
        return None
    live.hash_new_audio(engine.history)
    start, audio = engine.history.latest(engine.history.written)
    cfg = engine.detector_cfg
    return export.ReportData(
        kind=f"call_session_{name}", source=live.source_name, points=list(live.points), segments=live.all_segments(),
        threshold=engine.detector.cfg.threshold if engine.detector else cfg.threshold, release=cfg.release,
        model=model_info, audio_sha256=live.audio_sha256, audio_hash_of=export.SESSION_HASH_OF,
        duration_s=live.hashed_samples / live.sample_rate, audio=audio[:, 0], audio_start_index=start,
        sample_rate=live.sample_rate, extra={"lane": name, "dropped_blocks": engine.dropped_blocks,
                                             "realtime_factor": round(engine.stats.realtime_factor, 4)})


def export_call_report(call: CallSession, lanes: dict[str, LiveSession], model_info: dict, out_dir: str | Path,
                       stem: str = "call", png: bool = True) -> list[Path]:
    """Write each lane's report plus ``<stem>_call.json``; returns every file written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    summary: dict = {}
    for name in LANES:
        live = lanes.get(name)
        data = lane_report(call, name, live, model_info) if live is not None else None
        state = call.states[name]
        entry: dict = {"title": LANE_TITLES[name], "source": state.source, "error": state.error,
                       "alarms": name == "caller"}
        if data is not None:
            files = export.export_report(data, out, f"{stem}_{name}", png=png)
            written += files.all()
            engine = call.engines[name]
            segs = []
            for seg in data.segments:
                samples = _segment_samples(engine, seg.start_s, seg.end_s, data.sample_rate)
                segs.append({**seg.to_dict(), "audio_sha256": hashlib.sha256(
                    np.ascontiguousarray(samples, dtype="<f4").tobytes()).hexdigest() if samples.size else None})
            final = engine.channel.final() if engine.channel is not None else None
            entry.update({
                "report": files.json.name, "verdict": data.verdict, "clip_score": data.clip_score,
                "audio_sha256": data.audio_sha256, "audio_hash_of": data.audio_hash_of,
                "duration_s": round(data.duration_s, 3), "segments": segs,
                "channel": final.to_dict() if final else None,
                "channel_timeline": [{"time_s": round(t, 2), **a.to_dict()} for t, a in state.channel_history],
            })
        summary[name] = entry
    verdict = call.verdict()
    doc = {"generator": f"deepfake-live {__version__}", "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "kind": "call_session", "model": model_info, "alarm": verdict.alarm, "reliable": verdict.reliable,
           "reasons": list(verdict.reasons), "lanes": summary}
    path = out / f"{stem}_call.json"
    path.write_text(json.dumps(doc, indent=2, default=lambda o: o.item() if isinstance(o, np.generic) else str(o)))
    return [path] + written
