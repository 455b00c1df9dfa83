"""Running engines to a budget of seconds and keeping ``manifest.csv`` current after every clip."""

from __future__ import annotations

import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .common import Engine
from .engines import build_engines
from .manifest import read_manifest, write_clip, write_manifest

MAX_FAILURES = 5  # consecutive failures before an engine is abandoned


def engine_rng(seed: int, system: str) -> np.random.Generator:
    """Each engine has its own stream, so skipping one engine leaves the others' output unchanged."""
    return np.random.default_rng([seed, zlib.crc32(system.encode())])


def run_engine(engine: Engine, out_dir: Path, seconds: float, seed: int, log: Callable[[str], None] = print,
               on_row: Callable[[dict[str, str]], None] | None = None) -> list[dict[str, str]]:
    """Clips from one engine until ``seconds`` of audio exist (at least one clip when seconds > 0)."""
    reason = engine.missing()
    if reason:
        log(f"[skip] {engine.system}: {reason}")
        return []
    rng = engine_rng(seed, engine.system)
    rows: list[dict[str, str]] = []
    total, failures, t0 = 0.0, 0, time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dfl_gen_") as tmp:
        while total < seconds:
            try:
                clip = engine.make(rng, Path(tmp))
            except Exception as exc:  # one bad clip must not stop the run
                failures += 1
                log(f"[warn] {engine.system}: {exc}")
                if failures >= MAX_FAILURES:
                    log(f"[stop] {engine.system}: {failures} failures in a row")
                    break
                continue
            failures = 0
            rows.append(write_clip(out_dir, engine, clip, len(rows), rng))
            total += float(rows[-1]["duration_s"])
            if on_row is not None:
                on_row(rows[-1])
    log(f"[done] {engine.system}: {len(rows)} clips, {total / 60:.2f} min in {time.monotonic() - t0:.0f} s")
    return rows


def generate(out_dir: Path, seconds_per_engine: dict[str, float], seed: int, shared_root: Path,
             log: Callable[[str], None] = print, keep_existing: bool = False) -> list[dict[str, str]]:
    """Run the named engines (budget in seconds each); ``out_dir/manifest.csv`` is rewritten after every clip.

    With ``keep_existing`` the manifest's rows of other systems stay (engines can then be run in separate
    calls into one folder); the rows returned are this call's only.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    engines = build_engines(shared_root, seed)
    unknown = set(seconds_per_engine) - set(engines)
    if unknown:
        raise ValueError(f"unknown engines: {sorted(unknown)} (known: {sorted(engines)})")
    kept = [r for r in read_manifest(out_dir) if r["system"] not in seconds_per_engine] if keep_existing else []
    rows: list[dict[str, str]] = []

    def add(row: dict[str, str]) -> None:
        rows.append(row)
        write_manifest(out_dir, kept + rows)

    for name, seconds in seconds_per_engine.items():
        run_engine(engines[name], out_dir, seconds, seed, log, on_row=add)
    write_manifest(out_dir, kept + rows)
    return rows
