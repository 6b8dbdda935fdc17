"""Build a registry model as a Keras model with its weights (TensorFlow: only the worker imports this).

The demo CNN loads from the shipped assets; Keras-application models load their pretrained weights from a local
file, never the network (boards are often offline), so a model without its file fails with the reason and the fix.
`weights="random"` builds any model with a builder (Keras applications, the TF-slim Inceptions of
core.models.arch) with seeded random weights instead: its size, latency, memory and per-op time are real, its
accuracy meaningless.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from core.models.registry import (
    DIGITS_CNN,
    DIGITS_CNN_FILE,
    RANDOM_SEED,
    ModelInfo,
    ModelUnavailableError,
    availability,
    get_model_info,
)
from core.paths import asset

__all__ = ["RANDOM_SEED", "ModelUnavailableError", "build_random", "load_model"]


def _arch_builders() -> dict[str, Callable[[], keras.Model]]:
    """The TF-slim Inceptions, by builder name (imported on demand: each module builds one network)."""
    from core.models.arch.inception_v1 import inception_v1
    from core.models.arch.inception_v2 import inception_v2
    from core.models.arch.inception_v4 import inception_v4

    return {"inception_v1": inception_v1, "inception_v2": inception_v2, "inception_v4": inception_v4}


def build_random(info: ModelInfo, seed: int = RANDOM_SEED) -> keras.Model:
    """The network of `info` with weights drawn from its initializers under `seed` (the same seed, the same model)."""
    keras.utils.set_random_seed(seed)
    if info.keras_app is not None:
        return getattr(keras.applications, info.keras_app)(weights=None)
    if info.name == DIGITS_CNN:
        model = keras.models.load_model(asset(*DIGITS_CNN_FILE), compile=False)
        return keras.models.clone_model(model)  # same layers, freshly initialized
    if info.builder == "nmt":  # GNMT-style translation (core.models.nmt): the demo's sizes, or the paper's
        from core.models.nmt import build_random_nmt

        return build_random_nmt(info.name)
    builder = _arch_builders().get(info.builder or "")
    if builder is None:
        raise ModelUnavailableError(f"{info.name} has no builder in this version (a later release adds it)")
    return builder()


def load_model(name: str, weights: str | None = None) -> keras.Model:
    """Load the named model with its weights ("pretrained", the default, or seeded "random" ones);
    UnknownModelError or ModelUnavailableError say what to do."""
    info = get_model_info(name)
    available, reason = availability(info, weights)
    if not available:
        raise ModelUnavailableError(reason)
    if weights == "random":
        return build_random(info)
    if info.name == DIGITS_CNN:
        return keras.models.load_model(asset(*DIGITS_CNN_FILE), compile=False)
    if info.builder == "nmt":
        from core.models.nmt import load_nmt_demo

        return load_nmt_demo()
    if (
        info.keras_app is None
    ):  # a TF-slim Inception: its checkpoint mapped name by name (W3: core.models.slim_map)
        from core.models.slim_map import load_slim_checkpoint

        model = build_random(info)
        load_slim_checkpoint(model, info.name)
        return model
    from core.models.weights import load_pretrained

    model = getattr(keras.applications, info.keras_app)(weights=None)
    load_pretrained(model, info.name)  # published digest checked; a file that does not fit is one line (W3)
    return model
