"""Text, JSON and CSV renderings of results, shared by the CLI and GUI exports."""

from __future__ import annotations

import csv
import io
import json

from deepfake_live import level
from deepfake_live.analysis import TOO_SHORT, FileResult
from deepfake_live.channel_policy import describe_channel
from deepfake_live.detector import Segment, TimelinePoint

TIMELINE_COLUMNS = ("file", "start_s", "end_s", "probability", "smoothed", "state")


def fmt_time(seconds: float) -> str:
    m, s = divmod(max(0.0, seconds), 60.0)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:04.1f}" if h else f"{m:02d}:{s:04.1f}"


def segment_line(seg: Segment) -> str:
    return f"{fmt_time(seg.start_s)}-{fmt_time(seg.end_s)} ({seg.duration_s:.1f} s) peak {seg.peak:.2f} mean {seg.mean:.2f}"


def too_short_text(speech_s: float, min_speech_s: float) -> str:
    """Why there is no verdict, in the same words everywhere."""
    return f"only {speech_s:.1f} s of speech; a verdict needs at least {min_speech_s:.1f} s"


def level_note(hint: str, lev: level.Level) -> str:
    """One line of advice about the input level, with the figures behind it."""
    figures = f"loudest 100 ms {lev.loudest_db:.0f} dBFS, peak {lev.peak_db:.0f} dBFS, {lev.clipped} clipped samples"
    return f"{level.HINT_ADVICE[hint]} ({figures})"


def file_result_text(result: FileResult, timeline: bool = False) -> str:
    score = "n/a" if result.clip_score is None else f"{result.clip_score:.3f}"
    if result.verdict == TOO_SHORT:
        lines = [f"{result.path}: TOO SHORT  ({too_short_text(result.speech_s or 0.0, result.min_speech_s)}; "
                 f"{result.duration_s:.1f} s)"]
    else:
        lines = [f"{result.path}: {result.verdict.upper()}  (clip score {score}, threshold {result.threshold:.2f}, "
                 f"{result.duration_s:.1f} s, {len(result.segments)} flagged segment(s))"]
    if result.channel:
        lines.append("  " + describe_channel(result.channel))
    lines += [f"  warning: {w}" for w in result.warnings]
    for seg in result.segments:
        lines.append(f"  flagged {segment_line(seg)}")
    if result.level_hint:
        lines.append(f"  note: {level_note(result.level_hint, result.input_level)}")
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


def results_json(outcomes: list[FileResult | dict], model: dict) -> str:
    """Every input in ``results``, in the order given: a failed file as {path, error, exit_code, verdict: null}.

    ``errors`` repeats the failures alone, for scripts that only look there.
    """
    results = [o.to_dict() if isinstance(o, FileResult) else {**o, "verdict": None} for o in outcomes]
    errors = [o for o in outcomes if isinstance(o, dict)]
    return json.dumps({"model": model, "results": results, "errors": errors}, indent=2)
