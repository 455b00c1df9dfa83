"""Rebuild a shipped CNN's Keras members from its TFLite file, so ``train --members-from`` can ensemble it with new draws.

Training kept no Keras weights before session 14, so the shipped v3 exists only as ``models/deepfake_live.tflite``. Its
graph holds, per member, four convolutions (batch norm folded in, the window-mean input scale folded into the first),
the dense layer (batch norm folded) and the logit; dynamic-range export stored the larger kernels as int8 with a scale per
output channel. This reads them back into ``model.build_cnn`` members (batch norm set to the identity, each folded bias
as its shift), checks that the rebuilt model scores random windows as the TFLite file does, and saves it as ``.keras``.

    python -m deepfake_live.training.recover_keras --model models/deepfake_live.tflite --out v3.keras
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

CONVS, DENSES = 4, 2  # the default build_cnn: conv0..conv3, then fc and logit


def _weights(interp, index: int) -> np.ndarray:
    """A constant tensor as float: int8 kernels times their per-channel (or single) scale."""
    detail = next(d for d in interp.get_tensor_details() if d["index"] == index)
    value = interp.get_tensor(index)
    scales = detail["quantization_parameters"]["scales"]
    if value.dtype == np.int8 and scales.size:
        shape = [1] * value.ndim
        shape[detail["quantization_parameters"]["quantized_dimension"]] = scales.size
        return value.astype(np.float32) * scales.reshape(shape).astype(np.float32)
    return value.astype(np.float32)


def member_tensors(model_path: Path) -> list[dict]:
    """Per member, in graph order: the (kernel, bias) of each convolution and dense layer, as float arrays (LiteRT's op list is
    read through its one private accessor, ``_get_ops_details``; a graph of another shape is a one-line error)."""
    from deepfake_live.model.runner import _load_interpreter

    interp = _load_interpreter(model_path, 1)
    ops = interp._get_ops_details()
    convs = [o for o in ops if o["op_name"] == "CONV_2D"]
    denses = [o for o in ops if o["op_name"] == "FULLY_CONNECTED"]
    n = len(convs) // CONVS
    if n == 0 or len(convs) != n * CONVS or len(denses) != n * DENSES:
        raise SystemExit(f"recover_keras: {model_path} is not the default CNN ({len(convs)} convolutions, {len(denses)} dense layers)")
    out = []
    for m in range(n):
        layers = convs[m * CONVS : (m + 1) * CONVS] + denses[m * DENSES : (m + 1) * DENSES]
        out.append({"kernels": [_weights(interp, int(o["inputs"][1])) for o in layers],
                    "biases": [_weights(interp, int(o["inputs"][2])) for o in layers]})
    return out


def rebuild(model_path: Path):
    """The Keras model (a mean-logit ensemble when the file holds several members) with the file's weights."""
    from deepfake_live.model.metadata import load_metadata
    from deepfake_live.training.model import build_cnn, build_ensemble
    from deepfake_live.training.train import member_name

    meta = load_metadata(model_path)
    parts = member_tensors(model_path)
    models = []
    for i, part in enumerate(parts):
        m = build_cnn(meta.window_frames, meta.features.n_bands, name=member_name(i, len(parts)))
        scale = float(m.get_layer("mean_sub").scale)  # the input scale, folded into the first convolution
        for k in range(CONVS):
            kernel = np.transpose(part["kernels"][k], (1, 2, 3, 0))  # TFLite OHWI -> Keras HWIO
            m.get_layer(f"conv{k}").set_weights([kernel * (scale if k == 0 else 1.0)])
            _identity_norm(m.get_layer(f"bn{k}"), part["biases"][k])
        m.get_layer("fc").set_weights([part["kernels"][CONVS].T])
        _identity_norm(m.get_layer("bn_fc"), part["biases"][CONVS])
        m.get_layer("logit").set_weights([part["kernels"][CONVS + 1].T, part["biases"][CONVS + 1]])
        models.append(m)
    return models[0] if len(models) == 1 else build_ensemble(models)


def _identity_norm(layer, shift: np.ndarray) -> None:
    """Batch norm that passes its input through and adds ``shift`` (the folded bias)."""
    eps = float(layer.epsilon)
    ones = np.ones_like(shift)
    layer.set_weights([ones * np.sqrt(1.0 + eps), shift, np.zeros_like(shift), ones])


def agreement(model_path: Path, model, n: int = 32, seed: int = 0) -> tuple[float, float]:
    """Correlation and largest absolute difference of the rebuilt model's logits and the TFLite file's on random windows."""
    from deepfake_live.model.runner import ModelRunner

    runner = ModelRunner(model_path)
    shape = (n, runner.meta.window_frames, runner.meta.features.n_bands)
    windows = np.random.default_rng(seed).normal(-45.0, 15.0, shape).astype(np.float32)
    tfl = runner.raw_scores(windows)
    ker = model.predict(windows[..., None], verbose=0).reshape(-1)
    return float(np.corrcoef(tfl, ker)[0, 1]), float(np.max(np.abs(tfl - ker)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path("models/deepfake_live.tflite"))
    ap.add_argument("--out", type=Path, required=True, help="the .keras file to write")
    args = ap.parse_args(argv)
    if not args.model.is_file():
        raise SystemExit(f"recover_keras: model not found: {args.model}")
    model = rebuild(args.model)
    r, worst = agreement(args.model, model)
    if r < 0.999:  # a graph this script misreads must not pass for the shipped model
        raise SystemExit(f"recover_keras: the rebuilt model does not score as {args.model} does (r = {r:.4f})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"{args.out}: {args.model.name}'s CNN as Keras ({model.count_params()} parameters); on random windows r = {r:.5f}, "
          f"largest logit difference {worst:.4f} (the file's int8 kernels score activations in int8 too)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
