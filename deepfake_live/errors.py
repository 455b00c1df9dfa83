"""Errors that carry a one-line message for the user.

Every failure a user can cause (a bad file, a missing device, a broken model)
is raised as one of these, so the CLI and GUI can show the message without a
traceback and choose a non-zero exit code.
"""

from __future__ import annotations


class DeepfakeLiveError(Exception):
    """Base class: ``str(err)`` is a complete one-line explanation."""

    exit_code = 1


class AudioFileError(DeepfakeLiveError):
    """A file could not be read as audio."""

    exit_code = 3


class DeviceError(DeepfakeLiveError):
    """An audio device is missing, busy or disappeared."""

    exit_code = 4


class ModelError(DeepfakeLiveError):
    """The model file or its metadata is missing, corrupt or mismatched."""

    exit_code = 5


class DisplayError(DeepfakeLiveError):
    """No screen to open the window on (use the command line, or --offscreen)."""

    exit_code = 6
