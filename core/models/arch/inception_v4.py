"""Inception v4 (Szegedy et al. 2016) as TF-slim builds it, with 1001 classes (class 0: background).

Slim's layout (research/slim/nets/inception_v4.py): a stem to 35x35x384, 4 Inception-A, Reduction-A, 7
Inception-B, Reduction-B, 3 Inception-C blocks, average pool and a fully connected logits layer. The auxiliary
head (used only in training) is left out by default, as in inference: 42,712,937 parameters with 1001 classes
(the published 42.7M); `aux_logits=True` adds it as slim's training graph has it (46,074,066).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import layers

from core.models.arch.layers import avg_pool, concat, conv_bn, image_input, max_pool

SIDE = 299


def _block_a(x: Any, name: str) -> Any:
    branch_0 = conv_bn(x, 96, 1, f"{name}_Branch_0_Conv2d_0a_1x1")
    branch_1 = conv_bn(x, 64, 1, f"{name}_Branch_1_Conv2d_0a_1x1")
    branch_1 = conv_bn(branch_1, 96, 3, f"{name}_Branch_1_Conv2d_0b_3x3")
    branch_2 = conv_bn(x, 64, 1, f"{name}_Branch_2_Conv2d_0a_1x1")
    branch_2 = conv_bn(branch_2, 96, 3, f"{name}_Branch_2_Conv2d_0b_3x3")
    branch_2 = conv_bn(branch_2, 96, 3, f"{name}_Branch_2_Conv2d_0c_3x3")
    branch_3 = avg_pool(x, 3, f"{name}_Branch_3_AvgPool_0a_3x3")
    branch_3 = conv_bn(branch_3, 96, 1, f"{name}_Branch_3_Conv2d_0b_1x1")
    return concat([branch_0, branch_1, branch_2, branch_3], name)


def _reduction_a(x: Any, name: str) -> Any:
    branch_0 = conv_bn(x, 384, 3, f"{name}_Branch_0_Conv2d_1a_3x3", strides=2, padding="valid")
    branch_1 = conv_bn(x, 192, 1, f"{name}_Branch_1_Conv2d_0a_1x1")
    branch_1 = conv_bn(branch_1, 224, 3, f"{name}_Branch_1_Conv2d_0b_3x3")
    branch_1 = conv_bn(branch_1, 256, 3, f"{name}_Branch_1_Conv2d_1a_3x3", strides=2, padding="valid")
    branch_2 = max_pool(x, 3, f"{name}_Branch_2_MaxPool_1a_3x3", strides=2, padding="valid")
    return concat([branch_0, branch_1, branch_2], name)


def _block_b(x: Any, name: str) -> Any:
    branch_0 = conv_bn(x, 384, 1, f"{name}_Branch_0_Conv2d_0a_1x1")
    branch_1 = conv_bn(x, 192, 1, f"{name}_Branch_1_Conv2d_0a_1x1")
    branch_1 = conv_bn(branch_1, 224, (1, 7), f"{name}_Branch_1_Conv2d_0b_1x7")
    branch_1 = conv_bn(branch_1, 256, (7, 1), f"{name}_Branch_1_Conv2d_0c_7x1")
    branch_2 = conv_bn(x, 192, 1, f"{name}_Branch_2_Conv2d_0a_1x1")
    branch_2 = conv_bn(branch_2, 192, (7, 1), f"{name}_Branch_2_Conv2d_0b_7x1")
    branch_2 = conv_bn(branch_2, 224, (1, 7), f"{name}_Branch_2_Conv2d_0c_1x7")
    branch_2 = conv_bn(branch_2, 224, (7, 1), f"{name}_Branch_2_Conv2d_0d_7x1")
    branch_2 = conv_bn(branch_2, 256, (1, 7), f"{name}_Branch_2_Conv2d_0e_1x7")
    branch_3 = avg_pool(x, 3, f"{name}_Branch_3_AvgPool_0a_3x3")
    branch_3 = conv_bn(branch_3, 128, 1, f"{name}_Branch_3_Conv2d_0b_1x1")
    return concat([branch_0, branch_1, branch_2, branch_3], name)


def _reduction_b(x: Any, name: str) -> Any:
    branch_0 = conv_bn(x, 192, 1, f"{name}_Branch_0_Conv2d_0a_1x1")
    branch_0 = conv_bn(branch_0, 192, 3, f"{name}_Branch_0_Conv2d_1a_3x3", strides=2, padding="valid")
    branch_1 = conv_bn(x, 256, 1, f"{name}_Branch_1_Conv2d_0a_1x1")
    branch_1 = conv_bn(branch_1, 256, (1, 7), f"{name}_Branch_1_Conv2d_0b_1x7")
    branch_1 = conv_bn(branch_1, 320, (7, 1), f"{name}_Branch_1_Conv2d_0c_7x1")
    branch_1 = conv_bn(branch_1, 320, 3, f"{name}_Branch_1_Conv2d_1a_3x3", strides=2, padding="valid")
    branch_2 = max_pool(x, 3, f"{name}_Branch_2_MaxPool_1a_3x3", strides=2, padding="valid")
    return concat([branch_0, branch_1, branch_2], name)


def _block_c(x: Any, name: str) -> Any:
    branch_0 = conv_bn(x, 256, 1, f"{name}_Branch_0_Conv2d_0a_1x1")
    branch_1 = conv_bn(x, 384, 1, f"{name}_Branch_1_Conv2d_0a_1x1")
    branch_1 = concat(
        [
            conv_bn(branch_1, 256, (1, 3), f"{name}_Branch_1_Conv2d_0b_1x3"),
            conv_bn(branch_1, 256, (3, 1), f"{name}_Branch_1_Conv2d_0c_3x1"),
        ],
        f"{name}_Branch_1_concat",
    )
    branch_2 = conv_bn(x, 384, 1, f"{name}_Branch_2_Conv2d_0a_1x1")
    branch_2 = conv_bn(branch_2, 448, (3, 1), f"{name}_Branch_2_Conv2d_0b_3x1")
    branch_2 = conv_bn(branch_2, 512, (1, 3), f"{name}_Branch_2_Conv2d_0c_1x3")
    branch_2 = concat(
        [
            conv_bn(branch_2, 256, (1, 3), f"{name}_Branch_2_Conv2d_0d_1x3"),
            conv_bn(branch_2, 256, (3, 1), f"{name}_Branch_2_Conv2d_0e_3x1"),
        ],
        f"{name}_Branch_2_concat",
    )
    branch_3 = avg_pool(x, 3, f"{name}_Branch_3_AvgPool_0a_3x3")
    branch_3 = conv_bn(branch_3, 256, 1, f"{name}_Branch_3_Conv2d_0b_1x1")
    return concat([branch_0, branch_1, branch_2, branch_3], name)


def _stem(x: Any) -> Any:
    x = conv_bn(x, 32, 3, "Conv2d_1a_3x3", strides=2, padding="valid")
    x = conv_bn(x, 32, 3, "Conv2d_2a_3x3", padding="valid")
    x = conv_bn(x, 64, 3, "Conv2d_2b_3x3")
    x = concat(
        [
            max_pool(x, 3, "Mixed_3a_Branch_0_MaxPool_0a_3x3", strides=2, padding="valid"),
            conv_bn(x, 96, 3, "Mixed_3a_Branch_1_Conv2d_0a_3x3", strides=2, padding="valid"),
        ],
        "Mixed_3a",
    )
    branch_0 = conv_bn(x, 64, 1, "Mixed_4a_Branch_0_Conv2d_0a_1x1")
    branch_0 = conv_bn(branch_0, 96, 3, "Mixed_4a_Branch_0_Conv2d_1a_3x3", padding="valid")
    branch_1 = conv_bn(x, 64, 1, "Mixed_4a_Branch_1_Conv2d_0a_1x1")
    branch_1 = conv_bn(branch_1, 64, (1, 7), "Mixed_4a_Branch_1_Conv2d_0b_1x7")
    branch_1 = conv_bn(branch_1, 64, (7, 1), "Mixed_4a_Branch_1_Conv2d_0c_7x1")
    branch_1 = conv_bn(branch_1, 96, 3, "Mixed_4a_Branch_1_Conv2d_1a_3x3", padding="valid")
    x = concat([branch_0, branch_1], "Mixed_4a")
    return concat(
        [
            conv_bn(x, 192, 3, "Mixed_5a_Branch_0_Conv2d_1a_3x3", strides=2, padding="valid"),
            max_pool(x, 3, "Mixed_5a_Branch_1_MaxPool_1a_3x3", strides=2, padding="valid"),
        ],
        "Mixed_5a",
    )


def _aux_head(x: Any, classes: int) -> Any:
    """Slim's auxiliary logits on Mixed_6h (training only): pool 5x5/3, 1x1 to 128, 5x5 to 768, dense."""
    x = avg_pool(x, 5, "AuxLogits_AvgPool_1a_5x5", strides=3, padding="valid")
    x = conv_bn(x, 128, 1, "AuxLogits_Conv2d_1b_1x1")
    x = conv_bn(x, 768, int(x.shape[1]), "AuxLogits_Conv2d_2a", padding="valid")
    x = layers.Flatten(name="AuxLogits_Flatten")(x)
    return layers.Dense(classes, name="AuxLogits_Aux_logits")(x)


def inception_v4(classes: int = 1001, dropout: float = 0.2, aux_logits: bool = False) -> keras.Model:
    """The network with freshly initialized weights (seed them with keras.utils.set_random_seed first)."""
    inputs = image_input(SIDE)
    x = _stem(inputs)
    for i in range(4):
        x = _block_a(x, f"Mixed_5{chr(ord('b') + i)}")
    x = _reduction_a(x, "Mixed_6a")
    for i in range(7):
        x = _block_b(x, f"Mixed_6{chr(ord('b') + i)}")
    aux = _aux_head(x, classes) if aux_logits else None
    x = _reduction_b(x, "Mixed_7a")
    for i in range(3):
        x = _block_c(x, f"Mixed_7{chr(ord('b') + i)}")
    x = layers.GlobalAveragePooling2D(name="Logits_AvgPool_1a")(x)
    x = layers.Dropout(dropout, name="Logits_Dropout_1b")(x)
    x = layers.Dense(classes, name="Logits_Logits")(x)
    outputs = layers.Activation("softmax", name="Predictions")(x)
    return keras.Model(inputs, [outputs, aux] if aux is not None else outputs, name="inception_v4")
