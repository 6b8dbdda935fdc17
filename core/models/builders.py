"""Build a registry model as a Keras model with its weights (TensorFlow: only the worker imports this).

The demo CNN loads from the shipped assets; Keras-application models load their pretrained weights from a local
file, never the network (boards are often offline), so a model without its file fails with the reason and the fix.
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

__all__ = ["ModelUnavailableError", "load_model"]


def load_model(name: str) -> keras.Model:
    """Load the named model with its weights; UnknownModelError or ModelUnavailableError say what to do."""
    info = get_model_info(name)
    available, reason = availability(info)
    if not available:
        raise ModelUnavailableError(reason)
    if info.name == DIGITS_CNN:
        return keras.models.load_model(asset(*DIGITS_CNN_FILE), compile=False)
    assert info.keras_app is not None  # availability() is True only for the digits CNN and Keras applications
    constructor = getattr(keras.applications, info.keras_app)
    return constructor(weights=str(find_weights(info)))
