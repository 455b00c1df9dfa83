"""Implementations of the CLI sub-commands (argument parsing lives in cli.py)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from deepfake_live import __version__
from deepfake_live.assets import DEMO_DIR, demo_files
from deepfake_live.errors import AudioFileError, DeepfakeLiveError, DeviceError, DisplayError

SELF_TEST_CLIP = "espeak_6s.flac"  # made by this project; the shipped model flags it (models/MODEL_CARD.md)


def _model(args: argparse.Namespace):
    from deepfake_live.pipeline import load_model

    threshold = getattr(args, "threshold", None)
    if threshold is not None and not 0.0 < threshold < 1.0:
        raise DeepfakeLiveError(f"--threshold {threshold} must lie between 0 and 1")
    return load_model(getattr(args, "model", None), threshold)


def _policy(model, threshold: float | None):
    """Per-condition thresholds and specialists from the model's metadata (a --threshold overrides them)."""
    return model.policy(override=threshold)


# -- devices ------------------------------------------------------------------
def devices(args: argparse.Namespace) -> int:
    from deepfake_live.audio.devices import list_input_devices, loopback_help

    found = list_input_devices()
    if not found:
        print("No audio input devices found (no sound card or audio server running).")
        print("Files can still be analysed: deepfake-live analyze FILE")
        return 4
    print("Audio inputs:")
    for dev in found:
        print("  " + dev.label())
    if not any(d.is_loopback for d in found):
        print(f"No loopback input for monitoring a call: {loopback_help()}")
    return 0


# -- monitor --------------------------------------------------------------------
def _make_source(args: argparse.Namespace):
    from deepfake_live.audio.devices import resolve_device
    from deepfake_live.audio.sources import DeviceSource, FileSource

    if getattr(args, "file", None):
        return FileSource(args.file, realtime=not getattr(args, "fast", False))
    device = resolve_device(getattr(args, "device", None), loopback=getattr(args, "loopback", False))
    return DeviceSource(device)


def monitor(args: argparse.Namespace) -> int:
    if getattr(args, "call", False):
        return monitor_call(args)
    # The banner promises "Ctrl-C to stop": Python leaves SIGINT ignored when the parent ignored it
    # (e.g. `deepfake-live monitor &` from a script), so install the interrupt handler explicitly.
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from deepfake_live.engine import Engine
    from deepfake_live.monitor_view import MonitorView

    model = _model(args)
    engine = Engine(model.feature_cfg, model.detector_cfg, model.runner.probabilities,
                    policy=_policy(model, args.threshold))
    source = _make_source(args)
    view = MonitorView(engine, model, jsonl=args.jsonl, stream=sys.stdout)
    engine.start(source)
    view.started(source)
    by_duration = False
    first_sample_at = None

    def poll_once() -> bool:
        nonlocal by_duration, first_sample_at
        if not (engine.running or not engine.events.empty()):
            return False
        view.handle(engine.poll())
        # --duration counts audio from the first captured sample, not wall time from before the
        # device opened (opening a device can take a second or two); the wall-clock bound only
        # matters when a starved engine skips audio to keep up (skipped audio is not processed)
        if first_sample_at is None and source.ring.written:
            first_sample_at = time.monotonic()
        if args.duration and (engine.stats.audio_seconds >= args.duration or (
                first_sample_at is not None and time.monotonic() - first_sample_at >= args.duration + 2.0)):
            by_duration = True
            return False
        return True

    def shutdown() -> None:
        engine.stop()
        view.handle(engine.poll())

    interrupted = _poll_until_done(poll_once, shutdown, previous)
    view.summary(interrupted, by_duration)
    return 4 if view.error else 0


def _poll_until_done(poll_once: Callable[[], bool], shutdown: Callable[[], None], previous_sigint) -> bool:
    """Call ``poll_once`` every 50 ms while it returns True, until Ctrl-C; True if Ctrl-C ended it.

    ``shutdown`` runs with Ctrl-C ignored, so a second press cannot cut the final drain short and lose the
    summary; then the SIGINT handler the command started with is restored.
    """
    interrupted = False
    try:
        while poll_once():
            time.sleep(0.05)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        shutdown()
        signal.signal(signal.SIGINT, previous_sigint)
    return interrupted


def monitor_call(args: argparse.Namespace) -> int:
    """Both sides of a call: the microphone ("You", the control) and the call's audio ("Caller")."""
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from deepfake_live.audio.call_devices import pick_call_devices
    from deepfake_live.audio.sources import DeviceSource
    from deepfake_live.call import CALLER, YOU, CallSession
    from deepfake_live.call_view import CallMonitorView
    from deepfake_live.engine import Engine

    model = _model(args)
    from deepfake_live.pipeline import load_model

    def make_engine() -> Engine:  # one interpreter per lane: LiteRT interpreters are not shared across threads
        m = load_model(args.model, args.threshold)
        return Engine(m.feature_cfg, m.detector_cfg, m.runner.probabilities, policy=_policy(m, args.threshold))

    you, caller, notes = pick_call_devices(args.you, args.caller)
    from deepfake_live.audio.devices import pulse_sources

    session = CallSession(make_engine, present_sources=lambda: {name for name, _ in pulse_sources()})
    session.start({YOU: DeviceSource(you) if you else None, CALLER: DeviceSource(caller) if caller else None})
    view = CallMonitorView(session, model, jsonl=args.jsonl, stream=sys.stdout)
    view.started(notes)
    deadline = time.monotonic() + args.duration if args.duration else None

    def poll_once() -> bool:
        if not session.running:
            return False
        view.handle(session.poll())
        return not (deadline and time.monotonic() >= deadline)

    def shutdown() -> None:
        session.stop()
        view.handle(session.poll())

    interrupted = _poll_until_done(poll_once, shutdown, previous)
    view.summary(interrupted)
    return 4 if all(st.error for st in session.states.values()) else 0


# -- analyze --------------------------------------------------------------------
_WORKER_MODEL = None
_WORKER_POLICY = None


def _worker_init(model_path: str | None, threshold: float | None) -> None:
    global _WORKER_MODEL, _WORKER_POLICY
    from deepfake_live.pipeline import load_model

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_MODEL = load_model(model_path, threshold)
    _WORKER_POLICY = _policy(_WORKER_MODEL, threshold)


def _analyze_one(path: str):
    from deepfake_live.analysis import analyze_file

    m = _WORKER_MODEL
    try:
        return analyze_file(path, m.feature_cfg, m.detector_cfg, m.runner.probabilities, policy=_WORKER_POLICY), None
    except DeepfakeLiveError as exc:
        return None, (str(exc), exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - one bad file must not sink the batch
        return None, (f"{path}: analysis failed ({exc.__class__.__name__}: {exc})", 1)


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self._last = -1

    def __call__(self, fraction: float) -> None:
        pct = int(fraction * 100)
        if self.enabled and pct != self._last:
            self._last = pct
            bar = "#" * (pct // 4)
            sys.stderr.write(f"\r{self.label[-40:]:40s} [{bar:25s}] {pct:3d}%")
            if pct >= 100:
                sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()


def analyze(args: argparse.Namespace) -> int:
    from deepfake_live import report
    from deepfake_live.analysis import analyze_file

    model = _model(args)
    policy = _policy(model, args.threshold)
    outcomes: dict[str, object] = {}  # path -> FileResult, or {path, error, exit_code} for a file that failed

    def failed(path: str, message: str, code: int) -> None:
        outcomes[path] = {"path": path, "error": message, "exit_code": code}
        print(f"deepfake-live: error: {message}", file=sys.stderr)

    jobs = args.jobs or min(len(args.files), os.cpu_count() or 1)
    if jobs <= 1 or len(args.files) == 1:
        for path in args.files:
            try:
                progress = _Progress(Path(path).name, not args.no_progress)
                outcomes[path] = analyze_file(path, model.feature_cfg, model.detector_cfg, model.runner.probabilities, progress,
                                              policy=policy)
            except DeepfakeLiveError as exc:
                failed(path, str(exc), exc.exit_code)
    else:
        with ProcessPoolExecutor(jobs, initializer=_worker_init, initargs=(args.model, args.threshold)) as pool:
            futures = {pool.submit(_analyze_one, p): p for p in args.files}
            for n, fut in enumerate(as_completed(futures), 1):
                path = futures[fut]
                result, err = fut.result()
                if err:
                    failed(path, err[0], err[1])
                else:
                    outcomes[path] = result
                if not args.no_progress and sys.stderr.isatty():
                    sys.stderr.write(f"\r[{n}/{len(args.files)}] files analysed")
                    sys.stderr.flush()
        if not args.no_progress and sys.stderr.isatty():
            sys.stderr.write("\n")
    ordered = [outcomes[p] for p in dict.fromkeys(args.files)]
    results = [o for o in ordered if not isinstance(o, dict)]
    errors = [o for o in ordered if isinstance(o, dict)]
    model_info = {"name": model.meta.name, "version": model.meta.version, "sha256": model.meta.sha256,
                  "clip_threshold": model.detector_cfg.clip_level, "segment_threshold": model.detector_cfg.threshold,
                  "min_speech_s": model.detector_cfg.min_speech_s, "per_condition_threshold": policy.clip_thresholds,
                  "specialists": {c: r.to_dict() for c, r in policy.routes.items()}}
    if args.json:
        print(report.results_json(ordered, model_info))
    elif args.csv:
        sys.stdout.write(report.results_csv(results))
    else:
        for r in results:
            print(report.file_result_text(r, timeline=args.timeline))
    if errors:
        if len(args.files) > 1:
            print(f"deepfake-live: {len(errors)} of {len(args.files)} file(s) could not be analysed", file=sys.stderr)
        return errors[0]["exit_code"]
    return 0


# -- bench / evaluate / explain -------------------------------------------------
def bench(args: argparse.Namespace) -> int:
    from deepfake_live.bench import run_bench

    run_bench(_model(args), minutes=args.minutes, out=sys.stdout)
    return 0


def evaluate(args: argparse.Namespace) -> int:
    try:
        from deepfake_live.training.evaluate import main as evaluate_main
    except ImportError as exc:
        raise DeepfakeLiveError(f"evaluation is unavailable in this build ({exc})") from None
    if not Path(args.manifest).is_file():
        raise DeepfakeLiveError(f"{args.manifest}: manifest not found (a CSV with columns path,label,system,corpus,speaker,...)")
    argv = [args.manifest, "--workers", str(args.workers)]
    for flag in ("conditions", "out", "model", "baseline"):
        value = getattr(args, flag)
        if value:
            argv += [f"--{flag}", value]
    return int(evaluate_main(argv) or 0)


def explain(args: argparse.Namespace) -> int:
    from deepfake_live.audio.files import read_audio
    from deepfake_live.channel_watch import assess_audio
    from deepfake_live.explain import default_output, explain_file
    from deepfake_live.model.runner import ModelRunner

    model = _model(args)
    out = Path(args.out) if args.out else default_output(args.file)
    # Explain the model that gives the verdict: a telephone line's is the telephone-band model's.
    route = assess_audio(read_audio(args.file, model.feature_cfg.sample_rate), model.feature_cfg,
                         _policy(model, getattr(args, "threshold", None))).route
    explain_file(args.file, out, runner=ModelRunner(route.path) if route else model.runner)
    print(f"wrote {out}" + (f" (scored by the {route.label}: the channel reads as {route.condition})" if route else ""))
    return 0


# -- gui / default / self-test --------------------------------------------------
def gui_available() -> bool:
    try:
        import deepfake_live.gui.app  # noqa: F401
    except ImportError:
        return False
    return True


def gui(args: argparse.Namespace) -> int:
    from deepfake_live.display import NO_DISPLAY_ADVICE, display_problem

    problem = None if getattr(args, "offscreen", False) else display_problem()
    if problem:
        raise DisplayError(f"{problem}, so the window cannot open; {NO_DISPLAY_ADVICE}")
    try:
        from deepfake_live.gui.app import run_gui
    except ImportError as exc:
        raise DeepfakeLiveError(f"the GUI is unavailable ({exc}); use 'deepfake-live monitor' or 'analyze'") from None
    return run_gui(args)


def headless_default() -> int:
    """No display: say so, show the inputs, and analyse the bundled demo clips."""
    print(f"deepfake-live {__version__}: no display found, so the window was not opened.")
    from deepfake_live.audio.devices import list_input_devices

    try:
        found = list_input_devices()
    except DeviceError as exc:
        print(f"Audio inputs: unavailable ({exc})")
    else:
        print(f"Audio inputs: {len(found)} found" + ("" if found else " (no sound card or audio server); live monitoring needs one"))
    files = demo_files()
    if not files:
        print("No demo clips bundled; analyse your own: deepfake-live analyze FILE")
        return 0
    print(f"Analysing the {len(files)} bundled demo clip(s) instead (made by this project; see assets/demo/README.md):")
    args = argparse.Namespace(files=[str(f) for f in files], json=False, csv=False, timeline=False, jobs=1,
                              no_progress=True, model=None, threshold=None)
    code = analyze(args)
    print("Next: 'deepfake-live analyze FILE', 'deepfake-live monitor' (live, headless) or 'deepfake-live gui' on a desktop.")
    return code


def self_test() -> int:
    """Load the model, run the pipeline on a bundled clip, check the verdict."""
    import numpy as np

    from deepfake_live.analysis import analyze_file
    from deepfake_live.pipeline import load_model

    print(f"deepfake-live {__version__}, Python {sys.version.split()[0]}, numpy {np.__version__}")
    try:
        model = load_model()
        print(f"model: {model.label} sha256 {model.meta.sha256[:16]}... threshold {model.detector_cfg.threshold:.3f}")
        for route in model.routes.values():
            print(f"{route.condition}: {route.label} sha256 {route.sha256[:16]}... threshold {route.clip_threshold:.3f}")
        clip = DEMO_DIR / SELF_TEST_CLIP
        result = analyze_file(clip, model.feature_cfg, model.detector_cfg, model.runner.probabilities)
    except (DeepfakeLiveError, AudioFileError) as exc:
        print(f"self-test FAILED: {exc}")
        return 1
    score = "n/a" if result.clip_score is None else f"{result.clip_score:.3f}"
    print(f"{clip.name}: {result.verdict} (clip score {score}, {len(result.timeline)} windows)")
    # A pipeline check, not an accuracy claim: the bundled synthetic clip must be scored and get a flagged segment
    # (its whole-clip verdict depends on how the current model rates that voice; the model card measures accuracy).
    ok = result.clip_score is not None and bool(result.segments)
    print("self-test " + ("passed" if ok else "FAILED: the bundled synthetic clip got no score or no flagged segment"))
    print(json.dumps({"ok": ok, "clip_score": result.clip_score}))
    return 0 if ok else 1
