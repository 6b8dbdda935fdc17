"""The building blocks TF-slim's Inception nets share: convolution + batch norm + ReLU, pools, concatenation.

Layer names follow slim's variable scopes with "/" written "_" (Keras names cannot hold "/"), so a slim checkpoint
maps onto the builders name by name. Slim's batch norm has no scale (gamma) and epsilon 0.001; convolutions
followed by it have no bias.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

BN_EPSILON = 0.001


def conv_bn(
    x: Any, filters: int, kernel: int | tuple[int, int], name: str, *, strides: int = 1, padding: str = "same"
) -> Any:
    """slim.conv2d under inception_arg_scope: convolution without bias, batch norm without scale, ReLU."""
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False, name=name)(x)
    x = layers.BatchNormalization(scale=False, epsilon=BN_EPSILON, name=f"{name}_BatchNorm")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def max_pool(x: Any, size: int, name: str, *, strides: int = 1, padding: str = "same") -> Any:
    return layers.MaxPooling2D(size, strides=strides, padding=padding, name=name)(x)


def avg_pool(x: Any, size: int, name: str, *, strides: int = 1, padding: str = "same") -> Any:
    return layers.AveragePooling2D(size, strides=strides, padding=padding, name=name)(x)


def concat(tensors: list[Any], name: str) -> Any:
    return layers.Concatenate(axis=-1, name=name)(tensors)


def logits_head(x: Any, classes: int, dropout: float, conv: str) -> Any:
    """Global average pool, dropout, a 1x1 convolution with bias (slim's logits), then softmax probabilities."""
    x = layers.GlobalAveragePooling2D(keepdims=True, name="Logits_AvgPool")(x)
    x = layers.Dropout(dropout, name="Logits_Dropout")(x)
    x = layers.Conv2D(classes, 1, name=f"Logits_{conv}")(x)
    x = layers.Flatten(name="Logits_SpatialSqueeze")(x)
    return layers.Activation("softmax", name="Predictions")(x)


def image_input(side: int) -> Any:
    return keras.Input((side, side, 3), name="input")
