"""deepfake-live: on-device, real-time detection of machine-generated speech."""

__version__ = "0.1.0"
