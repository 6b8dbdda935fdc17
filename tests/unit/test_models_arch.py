"""Parameter counts of the paper's CNNs as built here match the published ones (and the registry's figures).

Small networks are built (a second or two each); VGG and ResNet counts come from their layer shapes, since building
VGG19 (575 MB of weights) is too heavy for every test run; the integration test builds every network once.
"""

from __future__ import annotations

import pytest

from core.models.registry import get_model_info

keras = pytest.importorskip("keras")

from core.models.builders import build_random  # noqa: E402


def _conv(k: int, cin: int, cout: int, bias: bool = True) -> int:
    return k * k * cin * cout + (cout if bias else 0)


def vgg_params(convs_per_stage: tuple[int, ...], classes: int = 1000) -> int:
    """VGG: 3x3 convolutions with bias, stages of 64..512 channels, then 4096-4096-classes dense layers."""
    total, cin = 0, 3
    for width, n in zip((64, 128, 256, 512, 512), convs_per_stage, strict=True):
        for _ in range(n):
            total += _conv(3, cin, width)
            cin = width
    return total + (7 * 7 * 512 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * classes + classes)


def resnet_params(blocks: tuple[int, ...], classes: int = 1000) -> int:
    """ResNet v1 (Keras): bottleneck blocks, convolutions with bias, batch norm with scale (4 numbers a channel)."""
    bn = 4
    total = _conv(7, 3, 64) + 64 * bn
    cin = 64
    for filters, n in zip((64, 128, 256, 512), blocks, strict=True):
        for i in range(n):
            if i == 0:
                total += _conv(1, cin, 4 * filters) + 4 * filters * bn  # projection shortcut
            total += _conv(1, cin, filters) + filters * bn
            total += _conv(3, filters, filters) + filters * bn
            total += _conv(1, filters, 4 * filters) + 4 * filters * bn
            cin = 4 * filters
    return total + cin * classes + classes


@pytest.mark.parametrize(
    ("name", "count", "published"),
    [
        ("vgg16", vgg_params((2, 2, 3, 3, 3)), 138_357_544),
        ("vgg19", vgg_params((2, 2, 4, 4, 4)), 143_667_240),
        ("resnet50", resnet_params((3, 4, 6, 3)), 25_636_712),
        ("resnet101", resnet_params((3, 4, 23, 3)), 44_707_176),
        ("resnet152", resnet_params((3, 8, 36, 3)), 60_419_944),
    ],
)
def test_shape_arithmetic_matches_published_counts(name, count, published):
    assert count == published == get_model_info(name).params


@pytest.mark.parametrize(
    ("name", "published", "classes"),
    [
        ("inception-v1", 6_633_209, 1001),  # TF-slim's GoogLeNet with batch norm: "6.6M"
        ("inception-v2", 11_199_137, 1001),  # TF-slim's BN-Inception: "11.2M"
        ("mobilenet", 4_253_864, 1000),  # MobileNet v1, width 1.0, 224: "4.2M"
    ],
)
def test_small_builders_match_published_counts(name, published, classes):
    info = get_model_info(name)
    model = build_random(info)
    assert model.count_params() == published == info.params
    side = info.input_shape[0]
    assert model.input_shape == (None, side, side, 3) and model.output_shape == (None, classes)


def test_random_weights_are_seeded():
    info = get_model_info("inception-v1")
    first = build_random(info).get_layer("Logits_Conv2d_0c_1x1").get_weights()[0]
    again = build_random(info).get_layer("Logits_Conv2d_0c_1x1").get_weights()[0]
    other = build_random(info, seed=1).get_layer("Logits_Conv2d_0c_1x1").get_weights()[0]
    assert (first == again).all() and not (first == other).all()


@pytest.mark.integration
@pytest.mark.parametrize(
    "name", ["inception-v3", "inception-v4", "resnet50", "resnet101", "resnet152", "vgg16", "vgg19"]
)
def test_large_builders_match_published_counts(name):
    """Builds the network (VGG19: 575 MB of weights): integration only."""
    info = get_model_info(name)
    model = build_random(info)
    assert model.count_params() == info.params
    assert model.output_shape == (None, info.classes)
