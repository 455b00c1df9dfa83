"""One module per speech generator; ``build_engines`` makes them all (each checks its own dependencies)."""

from __future__ import annotations

from pathlib import Path

from ..common import Engine
from .espeak import EspeakEngine
from .fastspeech2 import FastSpeech2Engine
from .festival import FestivalEngine
from .flite import FliteEngine
from .griffinlim import GriffinLimEngine
from .hibari import HibariEngine
from .hifigan import HifiGanEngine
from .kokoro import KokoroEngine
from .kokoro_ja import KokoroJaEngine
from .kokoro_multi import KokoroMultiEngine
from .openjtalk import OpenJTalkEngine
from .pico import PicoEngine
from .piper import PiperEngine
from .resynth import spread_sources, training_sources
from .tacotron2 import Tacotron2Engine
from .world import WorldEngine

__all__ = [
    "EspeakEngine", "FastSpeech2Engine", "FestivalEngine", "FliteEngine", "GriffinLimEngine", "HibariEngine", "HifiGanEngine",
    "KokoroEngine", "KokoroJaEngine", "KokoroMultiEngine", "OpenJTalkEngine", "PicoEngine", "PiperEngine", "Tacotron2Engine",
    "WorldEngine", "build_engines",
]


def build_engines(shared_root: Path, seed: int) -> dict[str, Engine]:
    """Every engine by system name; WORLD and Griffin-Lim split the real clips between them (made before the
    training-split rule; their sources span every split), HiFi-GAN re-creates training-split clips only."""
    manifest = shared_root / "manifest.csv"
    sources = spread_sources(manifest, seed) if manifest.is_file() else []
    return {
        "piper_vits": PiperEngine(), "kokoro_82m": KokoroEngine(),
        "espeak_ng": EspeakEngine(), "flite": FliteEngine(), "festival": FestivalEngine(),
        "world_vocoder": WorldEngine(shared_root, sources[0::2]),
        "griffinlim_resynth": GriffinLimEngine(shared_root, sources[1::2]),
        "svox_pico": PicoEngine(), "fastspeech2_mbmelgan": FastSpeech2Engine(), "tacotron2_mbmelgan": Tacotron2Engine(),
        "hifigan_resynth": HifiGanEngine(shared_root, training_sources(sources, shared_root)),
        "openjtalk_hts": OpenJTalkEngine(), "kokoro_ja": KokoroJaEngine(), "kokoro_multi": KokoroMultiEngine(),
        "hibari": HibariEngine(),
    }
