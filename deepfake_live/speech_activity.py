"""Speech probability per feature frame from Silero VAD, a maintained neural voice-activity model.

Silero scores 32 ms chunks (512 samples at 16 kHz) with a recurrent state (dsp/silero_vad.py runs it
in numpy). Feature frame ``i`` (samples ``[i * hop, i * hop + frame_length)``) takes the probability of
the chunk that holds its centre sample. Chunks are scored in groups of GROUP_CHUNKS counted from the
start of the stream, however the audio arrives, so every chunk goes through the same matrix products:
the streaming form (:class:`SpeechActivity`) and the batch form (:func:`frame_speech_probability`) give
bit-identical values, the batch form being the streaming form fed the whole signal and flushed.

This is the one voice-activity decision of the project: the detector, file analysis, training,
evaluation and the on-screen level hints all take it from here (:func:`speech_mask`).
"""

from __future__ import annotations

import numpy as np

from deepfake_live.dsp.features import FeatureConfig, frame_count
from deepfake_live.dsp.silero_vad import CHUNK, SileroStream, SileroWeights

# Chunks scored together: the layers before Silero's LSTM run as one matrix product per group. 4 chunks
# (128 ms) cost 0.7 ms of CPU per 250 ms of audio against 1.6 ms one by one, and delay a decision by at most
# 128 ms; 8 would cost 0.4 ms but delay by up to 256 ms.
GROUP_CHUNKS = 4
GROUP = GROUP_CHUNKS * CHUNK
# Speech starts at SPEECH_THRESHOLD and continues while the probability stays at or above SPEECH_HOLD (Silero's
# own post-processing also ends speech lower than it starts it). Emitted values are Silero's probabilities, raised
# to SPEECH_THRESHOLD where the hold keeps speech going, so "value >= SPEECH_THRESHOLD" is the decision everywhere.
# Chosen with benchmarks/vad_compare.py (100 clips, see README): reverberation and noise pull Silero's probability
# of real speech down to 0.2-0.4; 0.5 / 0.5 found 93% of reverberant clips in pink noise at 10 dB SNR, 0.3 / 0.2 99%.
SPEECH_THRESHOLD = 0.3
SPEECH_HOLD = 0.2
# Input gain before Silero (boost only). Silero has no level normalisation of its own: quiet speech with
# reverberation and noise (far-field, -50 dBFS) fell to 42% of clips found, against 92% at +24 dB (90% with
# this gain; 80% with target -30 dBFS and 6 dB/s). The gain follows a fast-attack, slow-release envelope of
# chunk RMS, starts at 1 and only rises once the envelope has fallen below AGC_TARGET_DB: loud, continuous
# speech is scored as without it; pauses and quiet input are boosted. AGC_MAX_GAIN_DB = 0 turns it off.
AGC_TARGET_DB = -26.0  # envelope level below which the input is boosted towards it
AGC_MAX_GAIN_DB = 30.0  # at most this boost (-56 dBFS speech reaches -26 dBFS)
AGC_RELEASE_DB_PER_S = 12.0  # how fast the envelope falls through pauses and quiet stretches


def speech_mask(values: np.ndarray) -> np.ndarray:
    """Speech decision per frame: probabilities at or above SPEECH_THRESHOLD, or a mask passed through."""
    values = np.asarray(values)
    if values.dtype == bool:
        return values.reshape(-1)
    return values.reshape(-1).astype(np.float32) >= SPEECH_THRESHOLD


def hold_speech(probs: np.ndarray, in_speech: bool = False) -> tuple[list[float], bool]:
    """Apply the start/hold rule to consecutive chunk probabilities: (values, in speech after the last one).

    Speech starts at SPEECH_THRESHOLD and holds while the probability stays at or above SPEECH_HOLD; held
    chunks are raised to SPEECH_THRESHOLD, so ``value >= SPEECH_THRESHOLD`` is the decision.
    """
    out = []
    for p in np.asarray(probs, dtype=np.float32).tolist():
        in_speech = p >= SPEECH_THRESHOLD or (in_speech and p >= SPEECH_HOLD)
        out.append(max(p, SPEECH_THRESHOLD) if in_speech else p)
    return out, in_speech


class SpeechActivity:
    """Streaming speech probabilities aligned to feature frames (explicit state, no threads)."""

    def __init__(self, feature_cfg: FeatureConfig, weights: SileroWeights | None = None) -> None:
        if feature_cfg.sample_rate != 16000:
            raise ValueError("Silero VAD runs at 16 kHz")
        self.cfg = feature_cfg
        self._vad = SileroStream(weights)  # weights are read once per process; ModelError if missing
        self.reset()

    def reset(self) -> None:
        self._vad.reset()
        self._envelope = 10 ** (AGC_TARGET_DB / 20)  # chunk-RMS envelope of the input gain
        self._pending = np.zeros(0, dtype=np.float32)
        self._chunk_probs: list[float] = []  # scored chunks from absolute index _chunk_base on
        self._in_speech = False  # the hold's state after the last scored chunk
        self._chunk_base = 0
        self._samples_seen = 0
        self.frames_emitted = 0

    def _gains(self, chunks: np.ndarray) -> np.ndarray:
        """Boost of each chunk from the causal envelope of chunk RMS (state carried across calls)."""
        rms = np.sqrt(np.mean(np.square(chunks, dtype=np.float64), axis=1))
        decay = 10 ** (-AGC_RELEASE_DB_PER_S * CHUNK / self.cfg.sample_rate / 20)
        env = np.empty(rms.shape[0])
        e = self._envelope
        for k, r in enumerate(rms):
            e = max(e * decay, float(r))
            env[k] = e
        self._envelope = e
        target, most = 10 ** (AGC_TARGET_DB / 20), 10 ** (AGC_MAX_GAIN_DB / 20)
        return np.clip(target / np.maximum(env, 1e-12), 1.0, most)

    def _run_groups(self, data: np.ndarray) -> np.ndarray:
        """Score the whole groups at the start of ``data``; return the rest."""
        n = data.shape[0] // GROUP * GROUP_CHUNKS
        if n:
            chunks = data[: n * CHUNK].reshape(n, CHUNK)
            scaled = chunks * self._gains(chunks)[:, None].astype(np.float32)
            probs = np.concatenate([self._vad.score(scaled[g : g + GROUP_CHUNKS]) for g in range(0, n, GROUP_CHUNKS)])
            values, self._in_speech = hold_speech(probs, self._in_speech)
            self._chunk_probs.extend(values)
        return data[n * CHUNK :]

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Add 16 kHz samples; return the speech probability of each newly decided frame."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        self._samples_seen += samples.shape[0]
        self._pending = self._run_groups(np.concatenate([self._pending, samples]))
        return self._emit_aligned()

    def flush(self) -> np.ndarray:
        """End of stream: score the last partial group (zero-padded) and return the remaining frames."""
        left = self._pending.shape[0]
        if left:
            self._run_groups(np.concatenate([self._pending, np.zeros(GROUP - left, dtype=np.float32)]))
            del self._chunk_probs[len(self._chunk_probs) - (GROUP - left) // CHUNK :]  # chunks of padding only
            self._pending = np.zeros(0, dtype=np.float32)
        return self._emit_aligned()

    def _emit_aligned(self) -> np.ndarray:
        base = self._chunk_base
        hop, half = self.cfg.hop_length, self.cfg.frame_length // 2
        done = base + len(self._chunk_probs)
        decided = 0 if done == 0 else (done * CHUNK - half + hop - 1) // hop
        end = min(frame_count(self._samples_seen, self.cfg), decided)
        if end <= self.frames_emitted:
            return np.zeros(0, dtype=np.float32)
        # frame i is decided once the chunk holding its centre sample (hop * i + half) is scored
        idx = (np.arange(self.frames_emitted, end) * hop + half) // CHUNK - base
        out = np.asarray(self._chunk_probs, dtype=np.float32)[idx]
        self.frames_emitted = end
        drop = (end * hop + half) // CHUNK - base  # chunks no later frame can need
        if drop > 0:
            del self._chunk_probs[:drop]
            self._chunk_base = base + drop
        return out


def frame_speech_probability(samples: np.ndarray, feature_cfg: FeatureConfig) -> np.ndarray:
    """Batch form: one speech probability per feature frame of a whole 16 kHz signal."""
    sa = SpeechActivity(feature_cfg)
    return np.concatenate([sa.push(samples), sa.flush()])


def frame_speech_mask(samples: np.ndarray, feature_cfg: FeatureConfig) -> np.ndarray:
    """Batch form of the speech decision (bool per feature frame) of a whole 16 kHz signal."""
    return speech_mask(frame_speech_probability(samples, feature_cfg))
