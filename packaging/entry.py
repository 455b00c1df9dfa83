"""PyInstaller entry point for the frozen ``deepfake-live`` executable.

Same as ``python -m deepfake_live``, plus ``multiprocessing.freeze_support()``:
``analyze -j N`` starts worker processes, and on Windows/macOS (spawn) a frozen
child must be routed to the worker instead of re-running the CLI.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from deepfake_live.cli import main

    sys.exit(main())
