"""Where each model's weights come from here, and what is missing for pretrained ones (TensorFlow-free).

The setup screen and `tocompress models` list every model with this: "shipped" (in assets/), "pretrained" (its
published file is in the weights folders), "random" (seeded random weights, since no file is here; the missing
file and the command that gets it are named), "user file" (a model the user brings), or "none" (no builder).
"""

from __future__ import annotations

from typing import Any

from core.models.weights import find_file, published


def weights_status(info: Any) -> tuple[str, str]:
    """(source, missing) of a registry ModelInfo: the weights a run would use, and what to get for pretrained
    ("fetch: FILE" where `tocompress fetch MODEL` gets it, "none published", "no builder", or "")."""
    if str(info.weights_source).startswith("user file"):
        return "user file", ""
    if str(info.weights_source).startswith("shipped"):
        return "shipped", ""
    buildable = bool(getattr(info, "buildable", info.keras_app is not None))
    wf = published(info.name)
    if wf is not None and _pretrained_here(info.name, wf.file_name):
        return "pretrained", ""
    if not buildable:
        return "none", "no builder"
    if wf is None:
        return "random", "none published"
    return "random", f"fetch: {wf.file_name}"


def _pretrained_here(model: str, file_name: str) -> bool:
    """The Keras .h5 by its name; a TF-slim model by its unpacked checkpoint (the archive alone is not enough)."""
    from core.models.slim_map import CHECKPOINTS

    checkpoint = CHECKPOINTS.get(model)
    if checkpoint is not None:
        return find_file(checkpoint) is not None or find_file(checkpoint + ".index") is not None
    return find_file(file_name) is not None


def user_model_info(model_args: dict[str, Any]) -> Any:
    """A registry-like ModelInfo for a model the user brings, for listing (its params are counted by the worker)."""
    from pathlib import Path

    from core.models.registry import ModelInfo

    shape = tuple(model_args.get("input_shape") or ())
    path = Path(model_args["path"])
    return ModelInfo(
        name=path.name,
        family="user",
        params=None,
        input_shape=shape,
        task="classification",
        weights_source=f"user file: {path}",
        paper_row=False,
    )
