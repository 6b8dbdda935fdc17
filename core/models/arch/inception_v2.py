"""Inception v2 (BN-Inception, Ioffe and Szegedy 2015) as TF-slim builds it, with 1001 classes (0: background).

Slim's variant (research/slim/nets/inception_v2.py, depth multiplier 1): the stem's 7x7 convolution is separable
(depthwise multiplier 8, then 1x1 to 64), each 5x5 of GoogLeNet is two 3x3s, average pools in most modules'
pool branch, and two stride-2 "reduction" modules (Mixed_4a, Mixed_5a). 11,199,137 parameters with 1001 classes
(slim's published figure: 11.2M).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from core.models.arch.layers import avg_pool, concat, conv_bn, image_input, logits_head, max_pool

SIDE = 224
# Per module: branch 0 1x1; branch 1 1x1 -> 3x3; branch 2 1x1 -> 3x3 -> 3x3; branch 3 pool -> 1x1.
MODULES: tuple[tuple[str, tuple[int, int, int, int, int, int], str], ...] = (
    ("Mixed_3b", (64, 64, 64, 64, 96, 32), "avg"),
    ("Mixed_3c", (64, 64, 96, 64, 96, 64), "avg"),
    ("Mixed_4b", (224, 64, 96, 96, 128, 128), "avg"),
    ("Mixed_4c", (192, 96, 128, 96, 128, 128), "avg"),
    ("Mixed_4d", (160, 128, 160, 128, 160, 96), "avg"),
    ("Mixed_4e", (96, 128, 192, 160, 192, 96), "avg"),
    ("Mixed_5b", (352, 192, 320, 160, 224, 128), "avg"),
    ("Mixed_5c", (352, 192, 320, 192, 224, 128), "max"),
)
# Reduction modules (before the named module): branch 0 1x1 -> 3x3/2; branch 1 1x1 -> 3x3 -> 3x3/2; max pool/2.
REDUCTIONS = {"Mixed_4b": ("Mixed_4a", (128, 160, 64, 96)), "Mixed_5b": ("Mixed_5a", (128, 192, 192, 256))}


def _module(x: Any, name: str, depths: tuple[int, int, int, int, int, int], pool: str) -> Any:
    b0, b1a, b1b, b2a, b2b, b3 = depths
    branch_0 = conv_bn(x, b0, 1, f"{name}_Branch_0_Conv2d_0a_1x1")
    branch_1 = conv_bn(x, b1a, 1, f"{name}_Branch_1_Conv2d_0a_1x1")
    branch_1 = conv_bn(branch_1, b1b, 3, f"{name}_Branch_1_Conv2d_0b_3x3")
    branch_2 = conv_bn(x, b2a, 1, f"{name}_Branch_2_Conv2d_0a_1x1")
    branch_2 = conv_bn(branch_2, b2b, 3, f"{name}_Branch_2_Conv2d_0b_3x3")
    branch_2 = conv_bn(branch_2, b2b, 3, f"{name}_Branch_2_Conv2d_0c_3x3")
    if pool == "avg":
        branch_3 = avg_pool(x, 3, f"{name}_Branch_3_AvgPool_0a_3x3")
    else:
        branch_3 = max_pool(x, 3, f"{name}_Branch_3_MaxPool_0a_3x3")
    branch_3 = conv_bn(branch_3, b3, 1, f"{name}_Branch_3_Conv2d_0b_1x1")
    return concat([branch_0, branch_1, branch_2, branch_3], name)


def _reduction(x: Any, name: str, depths: tuple[int, int, int, int]) -> Any:
    b0a, b0b, b1a, b1b = depths
    branch_0 = conv_bn(x, b0a, 1, f"{name}_Branch_0_Conv2d_0a_1x1")
    branch_0 = conv_bn(branch_0, b0b, 3, f"{name}_Branch_0_Conv2d_1a_3x3", strides=2)
    branch_1 = conv_bn(x, b1a, 1, f"{name}_Branch_1_Conv2d_0a_1x1")
    branch_1 = conv_bn(branch_1, b1b, 3, f"{name}_Branch_1_Conv2d_0b_3x3")
    branch_1 = conv_bn(branch_1, b1b, 3, f"{name}_Branch_1_Conv2d_1a_3x3", strides=2)
    branch_2 = max_pool(x, 3, f"{name}_Branch_2_MaxPool_1a_3x3", strides=2)
    return concat([branch_0, branch_1, branch_2], name)


def inception_v2(classes: int = 1001, dropout: float = 0.2) -> keras.Model:
    """The network with freshly initialized weights (seed them with keras.utils.set_random_seed first)."""
    inputs = image_input(SIDE)
    # slim.separable_conv2d is outside the conv2d arg scope: biases and ReLU, no batch norm (as in its checkpoint).
    x = layers.SeparableConv2D(
        64, 7, strides=2, padding="same", depth_multiplier=8, activation="relu", name="Conv2d_1a_7x7"
    )(inputs)
    x = max_pool(x, 3, "MaxPool_2a_3x3", strides=2)
    x = conv_bn(x, 64, 1, "Conv2d_2b_1x1")
    x = conv_bn(x, 192, 3, "Conv2d_2c_3x3")
    x = max_pool(x, 3, "MaxPool_3a_3x3", strides=2)
    for name, depths, pool in MODULES:
        if name in REDUCTIONS:
            x = _reduction(x, *REDUCTIONS[name])
        x = _module(x, name, depths, pool)
    return keras.Model(inputs, logits_head(x, classes, dropout, "Conv2d_1c_1x1"), name="inception_v2")
