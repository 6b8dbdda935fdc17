"""Inception v1 (GoogLeNet, Szegedy et al. 2014) as TF-slim builds it, with 1001 classes (class 0: background).

Slim's variant (research/slim/nets/inception_v1.py) differs from the 2014 paper in two ways its checkpoint needs:
batch normalization after each convolution, and a 3x3 (not 5x5) convolution in each module's third branch. No
auxiliary heads. 6,633,209 parameters with 1001 classes (slim's published figure: 6.6M).
"""

from __future__ import annotations

from typing import Any

import keras

from core.models.arch.layers import concat, conv_bn, image_input, logits_head, max_pool

SIDE = 224
# Per module: branch 0 1x1; branch 1 1x1 -> 3x3; branch 2 1x1 -> 3x3; branch 3 max pool -> 1x1.
MODULES: tuple[tuple[str, tuple[int, int, int, int, int, int]], ...] = (
    ("Mixed_3b", (64, 96, 128, 16, 32, 32)),
    ("Mixed_3c", (128, 128, 192, 32, 96, 64)),
    ("Mixed_4b", (192, 96, 208, 16, 48, 64)),
    ("Mixed_4c", (160, 112, 224, 24, 64, 64)),
    ("Mixed_4d", (128, 128, 256, 24, 64, 64)),
    ("Mixed_4e", (112, 144, 288, 32, 64, 64)),
    ("Mixed_4f", (256, 160, 320, 32, 128, 128)),
    ("Mixed_5b", (256, 160, 320, 32, 128, 128)),
    ("Mixed_5c", (384, 192, 384, 48, 128, 128)),
)
# Max pools (stride 2) that come before these modules.
_POOL_BEFORE = {"Mixed_4b": ("MaxPool_4a_3x3", 3), "Mixed_5b": ("MaxPool_5a_2x2", 2)}


def _module(x: Any, name: str, depths: tuple[int, int, int, int, int, int]) -> Any:
    b0, b1a, b1b, b2a, b2b, b3 = depths
    branch_0 = conv_bn(x, b0, 1, f"{name}_Branch_0_Conv2d_0a_1x1")
    branch_1 = conv_bn(x, b1a, 1, f"{name}_Branch_1_Conv2d_0a_1x1")
    branch_1 = conv_bn(branch_1, b1b, 3, f"{name}_Branch_1_Conv2d_0b_3x3")
    branch_2 = conv_bn(x, b2a, 1, f"{name}_Branch_2_Conv2d_0a_1x1")
    # Slim's source names this one Conv2d_0a_3x3 in Mixed_5b only; its checkpoint keeps that name.
    third = "Conv2d_0a_3x3" if name == "Mixed_5b" else "Conv2d_0b_3x3"
    branch_2 = conv_bn(branch_2, b2b, 3, f"{name}_Branch_2_{third}")
    branch_3 = max_pool(x, 3, f"{name}_Branch_3_MaxPool_0a_3x3")
    branch_3 = conv_bn(branch_3, b3, 1, f"{name}_Branch_3_Conv2d_0b_1x1")
    return concat([branch_0, branch_1, branch_2, branch_3], name)


def inception_v1(classes: int = 1001, dropout: float = 0.2) -> keras.Model:
    """The network with freshly initialized weights (seed them with keras.utils.set_random_seed first)."""
    inputs = image_input(SIDE)
    x = conv_bn(inputs, 64, 7, "Conv2d_1a_7x7", strides=2)
    x = max_pool(x, 3, "MaxPool_2a_3x3", strides=2)
    x = conv_bn(x, 64, 1, "Conv2d_2b_1x1")
    x = conv_bn(x, 192, 3, "Conv2d_2c_3x3")
    x = max_pool(x, 3, "MaxPool_3a_3x3", strides=2)
    for name, depths in MODULES:
        if name in _POOL_BEFORE:
            pool_name, size = _POOL_BEFORE[name]
            x = max_pool(x, size, pool_name, strides=2)
        x = _module(x, name, depths)
    return keras.Model(inputs, logits_head(x, classes, dropout, "Conv2d_0c_1x1"), name="inception_v1")
