"""Text, JSON and CSV renderings of results, shared by the CLI and GUI exports."""

from __future__ import annotations

import csv
import io
import json

from deepfake_live.analysis import FileResult
from deepfake_live.channel_policy import describe_channel
from deepfake_live.detector import Segment, TimelinePoint

TIMELINE_COLUMNS = ("file", "start_s", "end_s", "probability", "smoothed", "state")


def fmt_time(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60.0)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:04.1f}" if h else f"{m:02d}:{s:04.1f}"


def segment_line(seg: Segment) -> str:
    return f"{fmt_time(seg.start_s)}-{fmt_time(seg.end_s)} ({seg.duration_s:.1f} s) peak {seg.peak:.2f} mean {seg.mean:.2f}"


def file_result_text(result: FileResult, timeline: bool = False) -> str:
    score = "n/a" if result.clip_score is None else f"{result.clip_score:.3f}"
    lines = [f"{result.path}: {result.verdict.upper()}  (clip score {score}, threshold {result.threshold:.2f}, "
             f"{result.duration_s:.1f} s, {len(result.segments)} flagged segment(s))"]
    if result.channel:
        lines.append("  " + describe_channel(result.channel))
    for seg in result.segments:
        lines.append(f"  flagged {segment_line(seg)}")
    if timeline:
        for p in result.timeline:
            prob = "   -  " if p.probability is None else f"{p.probability:.3f}"
            lines.append(f"  {fmt_time(p.start_s)}-{fmt_time(p.end_s)}  p={prob}  {p.state.value}")
    return "\n".join(lines)


def timeline_rows(path: str, points: list[TimelinePoint]) -> list[list]:
    return [[path, round(p.start_s, 3), round(p.end_s, 3), "" if p.probability is None else round(p.probability, 4),
             "" if p.smoothed is None else round(p.smoothed, 4), p.state.value] for p in points]


def results_csv(results: list[FileResult]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(TIMELINE_COLUMNS)
    for r in results:
        writer.writerows(timeline_rows(r.path, r.timeline))
    return buf.getvalue()


def results_json(results: list[FileResult], errors: list[dict], model: dict) -> str:
    return json.dumps({"model": model, "results": [r.to_dict() for r in results], "errors": errors}, indent=2)
