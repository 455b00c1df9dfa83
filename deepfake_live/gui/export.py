"""Report export: JSON + CSV timeline + PNG timeline + one WAV per flagged segment.

Pure file writing with no widgets, so it is tested directly. Every report is
stamped with the model's name, version and sha256 and the analysed audio's
sha256, so a result can be traced to exactly what produced it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from deepfake_live import __version__
from deepfake_live.analysis import FileResult, clip_score, verdict_for
from deepfake_live.detector import Segment, TimelinePoint
from deepfake_live.report import TIMELINE_COLUMNS, timeline_rows

SESSION_HASH_OF = "16 kHz mono float32 little-endian samples analysed"
FILE_HASH_OF = "file bytes"


@dataclass
class ReportData:
    """Everything a report needs, whether it came from a live session or a file."""

    kind: str  # "live_session" or "file"
    source: str
    points: list[TimelinePoint]
    segments: list[Segment]
    threshold: float
    release: float
    model: dict  # name, version, sha256, threshold
    audio_sha256: str
    audio_hash_of: str
    duration_s: float
    audio: np.ndarray | None = None  # 16 kHz mono, for segment WAVs
    audio_start_index: int = 0  # timeline sample index of audio[0]
    sample_rate: int = 16000
    clip_score: float | None = None
    verdict: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.verdict:
            probs = np.array([np.nan if p.probability is None else p.probability for p in self.points])
            self.clip_score = clip_score(probs)
            self.verdict = verdict_for(self.clip_score, self.threshold, self.release)


@dataclass
class ExportedFiles:
    json: Path
    csv: Path
    png: Path | None
    wavs: list[Path]

    def all(self) -> list[Path]:
        return [self.json, self.csv] + ([self.png] if self.png else []) + self.wavs


def model_info(loaded) -> dict:
    """The model stamp for reports, from a pipeline.LoadedModel."""
    meta = loaded.meta
    info = {"name": meta.name, "version": meta.version, "sha256": meta.sha256, "threshold": loaded.detector_cfg.threshold}
    if loaded.routes:  # a specialist may have scored the audio; the channel entry says whether it did
        info["specialists"] = {c: r.to_dict() for c, r in loaded.routes.items()}
    return info


def from_file_result(result: FileResult, model: dict, release: float, audio: np.ndarray | None, sample_rate: int = 16000) -> ReportData:
    return ReportData(kind="file", source=result.path, points=result.timeline, segments=result.segments,
                      threshold=result.threshold, release=release, model=model, audio_sha256=result.sha256,
                      audio_hash_of=FILE_HASH_OF, duration_s=result.duration_s, audio=audio, sample_rate=sample_rate,
                      clip_score=result.clip_score, verdict=result.verdict,
                      extra={"channel": result.channel, "channel_timeline": result.channel_timeline} if result.channel else {})


def segment_audio(data: ReportData, seg: Segment) -> np.ndarray | None:
    """The samples of one segment, or None when they are no longer held."""
    if data.audio is None:
        return None
    a = int(round(seg.start_s * data.sample_rate)) - data.audio_start_index
    b = int(round(seg.end_s * data.sample_rate)) - data.audio_start_index
    a, b = max(0, a), min(data.audio.shape[0], b)
    return data.audio[a:b] if b > a else None


def export_report(data: ReportData, out_dir: str | Path, stem: str = "deepfake_live_report", png: bool = True) -> ExportedFiles:
    """Write the report files into ``out_dir`` (created) and return their paths."""
    import soundfile as sf

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wavs: list[Path] = []
    seg_dicts = []
    for i, seg in enumerate(data.segments, 1):
        d = seg.to_dict()
        samples = segment_audio(data, seg)
        if samples is not None:
            wav = out / f"{stem}_segment{i:02d}_{seg.start_s:07.2f}s.wav"
            sf.write(str(wav), samples.astype(np.float32), data.sample_rate, subtype="PCM_16")
            wavs.append(wav)
            d["wav"] = wav.name
            d["wav_sha256"] = hashlib.sha256(wav.read_bytes()).hexdigest()
        else:
            d["wav"] = None  # audio older than the session history (5 min)
        seg_dicts.append(d)
    csv_path = out / f"{stem}_timeline.csv"
    with open(csv_path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(TIMELINE_COLUMNS)
        writer.writerows(timeline_rows(data.source, data.points))
    png_path = None
    if png:
        from deepfake_live.gui.timeline_image import render_timeline_png

        png_path = render_timeline_png(out / f"{stem}_timeline.png", data.points, data.segments, data.threshold,
                                       title=f"{data.source}: {data.verdict} (model {data.model.get('name')} {data.model.get('version')})")
    report = {
        "generator": f"deepfake-live {__version__}",
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "kind": data.kind,
        "source": data.source,
        "model": data.model,
        "audio": {"sha256": data.audio_sha256, "hash_of": data.audio_hash_of, "duration_s": round(data.duration_s, 3),
                  "sample_rate": data.sample_rate},
        "verdict": data.verdict,
        "clip_score": None if data.clip_score is None else round(data.clip_score, 4),
        "threshold": data.threshold,
        "segments": seg_dicts,
        "timeline": [p.to_dict() for p in data.points],
        "files": {"csv": csv_path.name, "png": png_path.name if png_path else None, "wavs": [w.name for w in wavs]},
        "stats": data.extra,
    }
    json_path = out / f"{stem}.json"
    json_path.write_text(json.dumps(report, indent=2, default=_json_default))
    return ExportedFiles(json_path, csv_path, png_path, wavs)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
