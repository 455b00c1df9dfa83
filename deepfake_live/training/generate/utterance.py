"""Pick sentences so that a new engine's clip lasts 3-10 s of speech (the training window range)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .common import SR, to_16k, trim_edges
from .text import pick_text, text_ref

MIN_S, MAX_S = 3.0, 10.0


def speak_in_range(rng: np.random.Generator, language: str, synth: Callable[[str], tuple[np.ndarray, int]],
                   max_sentences: int = 2, tries: int = 4) -> tuple[np.ndarray, int, str]:
    """Synthesise random sentences; add one when the speech is too short, use fewer when too long.

    Returns (16 kHz audio, the engine's own rate, source_path note). Raises when no try fits, so the
    runner counts it as a failed clip rather than writing an out-of-range one.
    """
    k_min, k_max = 1, max_sentences
    dur = 0.0
    for _ in range(tries):
        text, idx = pick_text(rng, k_max, language, k_min)
        audio, sr = synth(text)
        y = to_16k(audio, sr)
        dur = trim_edges(y).size / SR
        if MIN_S <= dur <= MAX_S:
            return y, sr, text_ref(idx, language)
        if dur < MIN_S:  # too short: at least one sentence more
            k_min = min(len(idx) + 1, 4)
            k_max = max(k_max, k_min)
        else:  # too long: at least one sentence fewer
            k_max = max(1, len(idx) - 1)
            k_min = min(k_min, k_max)
    raise RuntimeError(f"no {MIN_S:g}-{MAX_S:g} s utterance in {tries} tries (last {dur:.1f} s)")
