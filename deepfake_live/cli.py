"""``deepfake-live``: command line entry point.

Every user error ends in one line on stderr and a non-zero exit; results that
were already computed (other files of a batch) are still printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from deepfake_live import __version__
from deepfake_live.errors import DeepfakeLiveError

THRESHOLDS_HELP = """\
thresholds: the model ships two, both chosen on its validation data.
  file threshold: a whole file's verdict compares its clip score (the average
      over all its speech windows) with it ("threshold" in the model's .json).
  segment threshold: live, and for a file's flagged segments, a stretch is flagged
      once the score smoothed over the last ~2 s of speech reaches it (the "detector" block).
  --threshold P replaces both with one number: lower flags more (and wrongly flags more real voices).
  Less than 1 s of speech gets "too short" instead of a verdict.
exit codes: 0 ok, 1 usage/internal, 3 unreadable audio, 4 audio device problem, 5 model problem, 6 no display."""


def _add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="path to a .tflite model (its .json metadata must sit beside it)")
    p.add_argument("--threshold", type=float, help="one threshold (0-1) for both file verdicts and flagged segments, "
                   "instead of the model's two (see 'deepfake-live --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepfake-live",
        description="Detect machine-generated speech in live audio or files, on this machine (no audio leaves it).",
        epilog=THRESHOLDS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"deepfake-live {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    parser.add_argument("--self-test", action="store_true", help="run the whole pipeline on a bundled clip and exit 0/1")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("devices", help="list audio inputs (loopback/monitor inputs are marked)")

    mon = sub.add_parser("monitor", help="live detection from a microphone, loopback or file, headless")
    src = mon.add_mutually_exclusive_group()
    src.add_argument("--device", "-d", help="input device index or name substring (default: system default input)")
    src.add_argument("--loopback", action="store_true", help="use the first loopback/monitor input (a call's audio)")
    src.add_argument("--file", help="play an audio file as if it were a live stream")
    mon.add_argument("--call", action="store_true",
                     help="call mode: watch both sides at once, your microphone (control) and the call's audio (alarms)")
    mon.add_argument("--you", help="with --call: your microphone (default: the default input)")
    mon.add_argument("--caller", help="with --call: the call's audio (default: the default output's monitor)")
    mon.add_argument("--duration", type=float, help="stop after this many seconds")
    mon.add_argument("--jsonl", action="store_true", help="one JSON object per event on stdout, for machines")
    mon.add_argument("--fast", action="store_true", help="with --file: process as fast as possible, not in real time")
    _add_model_args(mon)

    ana = sub.add_parser("analyze", help="analyse audio files")
    ana.add_argument("files", nargs="+", help="audio files (WAV, FLAC, OGG, MP3, M4A/AAC, MP4, WebM, Opus, ...)")
    fmt = ana.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="JSON on stdout (verdicts, segments, timelines)")
    fmt.add_argument("--csv", action="store_true", help="CSV timeline on stdout")
    ana.add_argument("--timeline", action="store_true", help="include the per-window timeline in text output")
    ana.add_argument("--jobs", "-j", type=int, default=0, help="worker processes (default: one per core)")
    ana.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    _add_model_args(ana)

    bench = sub.add_parser("bench", help="measure speed on this machine (real-time factor, latency)")
    bench.add_argument("--minutes", type=float, default=10.0, help="length of the synthetic file analysed")
    _add_model_args(bench)

    ev = sub.add_parser("evaluate", help="accuracy report on a labelled manifest CSV")
    ev.add_argument("manifest", help="CSV with columns path,label,system,corpus,speaker,... (paths relative to it)")
    ev.add_argument("--conditions", help="comma list of channel conditions (default: clean and every degraded one)")
    ev.add_argument("--out", help="write the full report JSON here")
    ev.add_argument("--model", help="path to a .tflite model (default: the shipped one)")
    ev.add_argument("--baseline", help="a second model to report beside it")
    ev.add_argument("--workers", type=int, default=2, help="worker processes")

    ex = sub.add_parser("explain", help="PNG of which time-frequency regions drive the model's score")
    ex.add_argument("file")
    ex.add_argument("--out", "-o", help="PNG path (default: NAME.explain.png in the current directory)")
    _add_model_args(ex)

    gui = sub.add_parser("gui", help="open the desktop window (default when a display is available)")
    gui.add_argument("--offscreen", action="store_true", help="render without a display (tests, docs)")
    gui.add_argument("--source", help="file to play as a live stream at start")
    gui.add_argument("--screenshot", help="save a PNG of the window before quitting")
    gui.add_argument("--quit-after", type=float, help="quit after this many seconds")
    _add_model_args(gui)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except DeepfakeLiveError as exc:
        print(f"deepfake-live: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("deepfake-live: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, not a dump
        if args.debug:
            raise
        print(f"deepfake-live: internal error: {exc.__class__.__name__}: {exc} (re-run with --debug for details)", file=sys.stderr)
        return 1


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from deepfake_live import commands

    if args.self_test:
        return commands.self_test()
    command = args.command
    if command is None:
        from deepfake_live.display import has_display

        if has_display() and commands.gui_available():
            return commands.gui(argparse.Namespace(offscreen=False, source=None, screenshot=None, quit_after=None,
                                                   model=None, threshold=None))
        return commands.headless_default()
    handler = getattr(commands, command)
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
