"""Build a registry model as a Keras model with its weights (TensorFlow: only the worker imports this).

The demo CNN loads from the shipped assets; Keras-application models load their pretrained weights from a local
file, never the network (boards are often offline), so a model without its file fails with the reason and the fix.
`weights="random"` builds a Keras-application model with seeded random weights instead (no file needed): its
size, latency, memory and per-op time are real, its accuracy meaningless.
"""

from __future__ import annotations

import keras

from core.models.registry import (
    DIGITS_CNN,
    DIGITS_CNN_FILE,
    ModelUnavailableError,
    availability,
    find_weights,
    get_model_info,
)
from core.paths import asset

__all__ = ["RANDOM_SEED", "ModelUnavailableError", "load_model"]

RANDOM_SEED = 0


def load_model(name: str, weights: str | None = None) -> keras.Model:
    """Load the named model with its weights (or seeded random ones); UnknownModelError or ModelUnavailableError
    say what to do."""
    info = get_model_info(name)
    if weights == "random":
        if info.keras_app is None:
            raise ModelUnavailableError(
                f"{info.name} cannot be built with random weights; only Keras-application models can"
            )
        keras.utils.set_random_seed(RANDOM_SEED)
        return getattr(keras.applications, info.keras_app)(weights=None)
    available, reason = availability(info)
    if not available:
        raise ModelUnavailableError(reason)
    if info.name == DIGITS_CNN:
        return keras.models.load_model(asset(*DIGITS_CNN_FILE), compile=False)
    assert info.keras_app is not None  # availability() is True only for the digits CNN and Keras applications
    constructor = getattr(keras.applications, info.keras_app)
    return constructor(weights=str(find_weights(info)))
