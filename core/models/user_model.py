"""A model the user brings: a `.keras` or `.h5` file, a SavedModel folder, a frozen `.pb` GraphDef, or a `.tflite`.

TensorFlow-free at the top (the dashboard recognises and describes the file); `load_graph` (compress stage) imports
TensorFlow. Keras files go through the Keras pipeline (every setting applies); a SavedModel or a frozen `.pb`
becomes a frozen GraphDef, on which the per-tensor settings (qN, unstructured pN) apply; a `.tflite` runs as it is,
under the TFLite runtime, so only the baseline. Input shape and preprocessing come from the file where it says,
else from `--input-shape` and `--preprocess`.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import UserError

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
FILE_SUFFIXES = (*KERAS_SUFFIXES, ".pb", ".tflite")
PREPROCESS_MODES = ("tf", "caffe", "torch", "none")
GRAPH_ONLY = (
    "a frozen graph takes qN and unstructured pN only (structured pruning, fine-tuning and TFLite need Keras)"
)


class UserModelError(UserError, ValueError):
    """A user model file that cannot be used as given; the message says which flag or file fixes it."""


@dataclass(frozen=True)
class UserModel:
    """The file and what the flags say about it (shapes exclude the batch dimension)."""

    path: Path
    kind: str  # "keras", "savedmodel", "pb", "tflite"
    input_shape: tuple[int, ...] | None = None
    preprocess: str = "none"
    input_name: str | None = None
    output_name: str | None = None

    @property
    def name(self) -> str:
        """The file's name: how runs, artifacts and results call this model."""
        return self.path.name

    def to_args(self) -> dict[str, Any]:
        """The RunSpec `model_args` (JSON) that the compress stage reads back with `from_args`."""
        return {
            "path": str(self.path),
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "preprocess": self.preprocess,
            "input_name": self.input_name,
            "output_name": self.output_name,
        }


def looks_like_path(name: str) -> bool:
    """Whether `--model` names a file or folder rather than a registry model."""
    p = Path(name).expanduser()
    return p.suffix.lower() in FILE_SUFFIXES or "/" in name or p.exists()


def parse_shape(text: str | None) -> tuple[int, ...] | None:
    """`--input-shape 224,224,3` (the batch dimension left out); None when not given."""
    if not text:
        return None
    try:
        shape = tuple(int(part) for part in re.split(r"[,x ]+", text.strip()) if part)
    except ValueError:
        shape = ()
    if not shape or any(d < 1 for d in shape):
        raise UserModelError(f"--input-shape {text!r}: give positive sizes without the batch, e.g. 224,224,3")
    return shape


def user_model(
    path: str | Path,
    input_shape: str | tuple[int, ...] | None = None,
    preprocess: str | None = None,
    input_name: str | None = None,
    output_name: str | None = None,
) -> UserModel:
    """Check the file and the flags together; UserModelError (one line) when they cannot work."""
    p = Path(path).expanduser().resolve()
    if not p.exists():
        raise UserModelError(f"--model {path}: no such file or folder")
    if p.is_dir():
        if not (p / "saved_model.pb").is_file():
            raise UserModelError(f"--model {path}: a folder must be a SavedModel (with saved_model.pb)")
        kind = "savedmodel"
    elif p.suffix.lower() in KERAS_SUFFIXES:
        kind = "keras"
    elif p.suffix.lower() in (".pb", ".tflite"):
        kind = p.suffix.lower()[1:]
    else:
        raise UserModelError(
            f"--model {path}: unknown kind; give a {', '.join(FILE_SUFFIXES)} file or a SavedModel"
        )
    mode = (preprocess or "none").strip().lower()
    if mode not in PREPROCESS_MODES:
        raise UserModelError(f"--preprocess {preprocess!r}: choose one of {', '.join(PREPROCESS_MODES)}")
    shape = parse_shape(input_shape) if isinstance(input_shape, str) or input_shape is None else input_shape
    if kind == "keras":
        _check_keras_file(p, path)
    if shape is None and kind == "keras" and p.suffix.lower() == ".keras":
        shape = keras_file_input_shape(p)
    return UserModel(p, kind, shape, mode, input_name, output_name)


_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _check_keras_file(p: Path, given: str | Path) -> None:
    """Refuse, in one line, a `.keras` that is not a zip archive or an `.h5` without the HDF5 signature, before
    Keras reports it as "File not found"."""
    if p.suffix.lower() == ".keras":
        if not zipfile.is_zipfile(p):
            raise UserModelError(
                f"--model {given}: not a Keras file (a .keras file is a zip archive); save it with model.save()"
            )
        return
    with open(p, "rb") as handle:
        head = handle.read(len(_HDF5_SIGNATURE))
    if head != _HDF5_SIGNATURE:
        raise UserModelError(
            f"--model {given}: not an HDF5 Keras file (no HDF5 signature); save it with model.save()"
        )


def from_args(args: dict[str, Any]) -> UserModel:
    """The UserModel of a RunSpec's `model_args`."""
    shape = args.get("input_shape")
    return user_model(
        args["path"], tuple(shape) if shape else None, args.get("preprocess"), args.get("input_name"),
        args.get("output_name"),
    )  # fmt: skip


def keras_file_input_shape(path: Path) -> tuple[int, ...] | None:
    """The input shape a `.keras` zip declares in its config.json (no TensorFlow needed); None if unknown."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    for layer in (config.get("config") or {}).get("layers") or []:
        if layer.get("class_name") == "InputLayer":
            cfg = layer.get("config") or {}
            shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
            if shape and all(isinstance(d, int) for d in shape[1:]):
                return tuple(shape[1:])
    return None


def check_setting(model: UserModel, setting: Any) -> None:
    """Refuse, in one line, a compression setting that this kind of file cannot take."""
    if setting.is_baseline:
        return
    if model.kind == "tflite":
        raise UserModelError(
            f"{model.name} is a .tflite: it runs as it is under the TFLite runtime, so only --compress baseline"
        )
    if model.kind in ("pb", "savedmodel") and (
        setting.tflite_step
        or (setting.prune_step and (setting.prune_step.structured or setting.prune_step.finetune_epochs))
    ):
        raise UserModelError(f"{model.name}: {GRAPH_ONLY}; use --compress q8 or p0.5")  # fmt: skip
    prune, tflite = setting.prune_step, setting.tflite_step
    if prune is not None and prune.finetune_epochs:
        raise UserModelError(
            f"{model.name}: :ft{prune.finetune_epochs} fine-tunes on the model's training split, which a model "
            "you bring has none of here; drop :ftN (e.g. p0.5)"
        )
    if tflite is not None and tflite.tflite_mode == "int8":
        raise UserModelError(
            f"{model.name}: tflite:int8 calibrates on the model's training split, which a model you bring has "
            "none of here; use tflite:dyn8 or tflite:fp16"
        )
