"""Load a TF-slim Inception checkpoint (v1, v2, v4) into the Keras builders of core.models.arch, name by name.

The builders name each layer after slim's variable scope with "/" written "_", and a batch norm after its
convolution as `<conv>_BatchNorm`. Mapping runs from the checkpoint to the model: `InceptionV1/Mixed_3b/Branch_1/
Conv2d_0b_3x3/BatchNorm/moving_mean` is layer `Mixed_3b_Branch_1_Conv2d_0b_3x3_BatchNorm`, slot `moving_mean`
(the other way is ambiguous: "_" is also inside slim's names). Every model weight must be found with its shape,
and every checkpoint tensor used (training-only ones aside), or it is one WeightsError line, never a half-loaded
model.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from core.models.weights import WeightsError, find_file

SCOPES = {"inception-v1": "InceptionV1", "inception-v2": "InceptionV2", "inception-v4": "InceptionV4"}
CHECKPOINTS = {"inception-v1": "inception_v1.ckpt", "inception-v2": "inception_v2.ckpt",
               "inception-v4": "inception_v4.ckpt"}  # fmt: skip
# Keras weight name -> slim variable name (slim.conv2d, separable_conv2d, fully_connected, batch_norm).
SLOT = {
    "kernel": "weights",
    "bias": "biases",
    "depthwise_kernel": "depthwise_weights",
    "pointwise_kernel": "pointwise_weights",
    "gamma": "gamma",
    "beta": "beta",
    "moving_mean": "moving_mean",
    "moving_variance": "moving_variance",
}
# Checkpoint tensors a model for inference does not need: the step, optimizer slots, moving averages.
TRAINING_ONLY = re.compile(r"(^global_step$|/ExponentialMovingAverage$|/(Momentum|RMSProp(_1)?|Adam(_1)?)$)")


def keras_slot(variable: str, scope: str) -> tuple[str, str] | None:
    """(Keras layer name, slim slot) of one checkpoint variable under `scope`, or None outside it."""
    parts = variable.split("/")
    if len(parts) < 3 or parts[0] != scope or TRAINING_ONLY.search(variable):
        return None
    path, slot = parts[1:-1], parts[-1]
    layer = "_".join(path[:-1]) + "_BatchNorm" if path[-1] == "BatchNorm" else "_".join(path)
    return layer, slot


def checkpoint_path(model_name: str) -> Path:
    """The unpacked checkpoint of a slim model in the weights folders (V1 single file or V2 `.index`)."""
    file_name = CHECKPOINTS[model_name]
    found = find_file(file_name) or find_file(file_name + ".index")
    if found is None:
        raise WeightsError(
            f"no TF-slim checkpoint for {model_name}: {file_name} is not in the weights folders; "
            f"get it with `tocompress fetch {model_name}`, or run with --weights random"
        )
    return found.with_suffix("") if found.suffix == ".index" else found


def load_slim_checkpoint(model: Any, model_name: str, path: str | Path | None = None) -> dict[str, int]:
    """Assign every weight of `model` from the slim checkpoint; counts of assigned and skipped tensors."""
    import tensorflow as tf

    scope = SCOPES[model_name]
    ckpt = Path(path) if path is not None else checkpoint_path(model_name)
    try:
        reader = tf.train.load_checkpoint(str(ckpt))
    except (tf.errors.OpError, ValueError) as exc:
        raise WeightsError(
            f"{ckpt} is not a readable TF checkpoint ({' '.join(str(exc).split())[:120]})"
        ) from None
    names = reader.get_variable_to_shape_map()
    table = {slot: name for name in names if (slot := keras_slot(name, scope)) is not None}
    values: list[tuple[Any, np.ndarray]] = []
    used: set[str] = set()
    for layer in model.layers:
        for weight in layer.weights:
            key = (layer.name, SLOT.get(_short(weight), _short(weight)))
            name = table.get(key)
            if name is None:
                raise WeightsError(
                    f"{ckpt} has no {scope}/.../{key[1]} for layer {layer.name} of {model_name}; "
                    f"is it the checkpoint of another network? `tocompress fetch {model_name}`"
                )
            values.append(
                (weight, _fit(reader.get_tensor(name), tuple(weight.shape), name, ckpt, model_name))
            )
            used.add(name)
    unused = [n for n in table.values() if n not in used and "/AuxLogits/" not in n]
    if unused:
        raise WeightsError(
            f"{ckpt} has {len(unused)} tensors {model_name} has no place for (first: {sorted(unused)[0]}); "
            "is it the checkpoint of another network?"
        )
    for weight, value in values:  # all found and fitting: only now change the model
        weight.assign(value)
    return {"assigned": len(values), "skipped": len(names) - len(used)}


def _short(weight: Any) -> str:
    """A Keras 3 variable's own name ("kernel"), whatever its path."""
    return str(getattr(weight, "name", "")).split("/")[-1].split(":")[0]


def _fit(value: np.ndarray, shape: tuple[int, ...], name: str, ckpt: Path, model_name: str) -> np.ndarray:
    """The tensor in the layer's shape: equal, or a fully-connected (a, b) into a 1x1 conv (1, 1, a, b)."""
    if value.shape == shape:
        return value
    if value.size == int(np.prod(shape)) and tuple(d for d in shape if d != 1) == tuple(
        d for d in value.shape if d != 1
    ):
        return value.reshape(shape)
    raise WeightsError(f"{ckpt}: {name} has shape {value.shape} but {model_name} needs {shape}")
