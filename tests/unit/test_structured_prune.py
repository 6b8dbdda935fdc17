"""Structured pruning (Li et al. 2017): whole filters/units go, the rebuilt model computes what the original did on
the channels that stay, groups tied by Add share one mask, and the parameter fraction lands on target."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from core.compress.structured import count_flops, remove_channels, structured_prune  # noqa: E402
from core.models.builders import load_model  # noqa: E402

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def digits_model():
    return load_model("digits-cnn")


@pytest.fixture(scope="module")
def tiny():
    """Conv-Conv-Pool-Flatten-Dense-Dense with random weights and biases, small enough to slice by hand."""
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="c1"),
            keras.layers.Conv2D(6, 3, activation="relu", name="c2"),  # valid: 4x4
            keras.layers.MaxPool2D(2, name="pool"),  # 2x2x6: Flatten interleaves 4 positions and 6 channels
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(5, activation="relu", name="d1"),
            keras.layers.Dense(3, name="out"),
        ]
    )
    model.set_weights([RNG.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model


def _x(model, n=8):
    return RNG.random((n, *model.input_shape[1:])).astype("float32")


def _l1_kept(kernel, width_after):
    norms = np.abs(kernel.reshape(-1, kernel.shape[-1])).sum(axis=0)
    return np.sort(np.argsort(norms, kind="stable")[len(norms) - width_after :])


def test_zero_fraction_is_the_identity(digits_model):
    pruned, report = structured_prune(digits_model, 0.0)
    x = _x(digits_model)
    np.testing.assert_allclose(pruned(x), digits_model(x), rtol=0, atol=1e-6)
    assert report["layers_cut"] == [] and report["params_after"] == report["params_before"] == 151_306
    assert report["fraction_achieved"] == 0.0


def test_removing_all_zero_filters_is_the_identity(tiny):
    weights = tiny.get_weights()  # c1 k,b  c2 k,b  d1 k,b  out k,b
    for i in (1, 3):
        weights[0][..., i] = 0.0
        weights[1][i] = 0.0
    weights[4][:, 2] = 0.0
    weights[5][2] = 0.0
    zeroed = keras.Sequential.from_config(tiny.get_config())
    zeroed.set_weights(weights)
    pruned, report = remove_channels(zeroed, {"c1": [1, 3], "d1": [2]})
    x = _x(tiny)
    np.testing.assert_allclose(pruned(x), zeroed(x), rtol=1e-5, atol=1e-5)
    widths = {e["layer"]: (e["width_before"], e["width_after"]) for e in report["layers_cut"]}
    assert widths == {"c1": (4, 2), "d1": (5, 4)}


def test_pruned_model_equals_a_hand_sliced_reference(tiny):
    pruned, report = structured_prune(tiny, 0.5)
    after = {e["layer"]: e["width_after"] for e in report["layers_cut"]}
    assert set(after) == {"c1", "c2", "d1"}, report
    k1, b1, k2, b2, k3, b3, k4, b4 = tiny.get_weights()
    keep1, keep2, keep3 = _l1_kept(k1, after["c1"]), _l1_kept(k2, after["c2"]), _l1_kept(k3, after["d1"])
    # Flatten of (2, 2, 6): row index = position * 6 + channel, so slice the channel axis of a 4-D view.
    k3_rows = k3.reshape(2, 2, 6, 5)[:, :, keep2, :].reshape(-1, 5)
    reference = keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            keras.layers.Conv2D(len(keep1), 3, padding="same", activation="relu"),
            keras.layers.Conv2D(len(keep2), 3, activation="relu"),
            keras.layers.MaxPool2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(len(keep3), activation="relu"),
            keras.layers.Dense(3),
        ]
    )
    reference.set_weights(
        [
            k1[..., keep1], b1[keep1],
            k2[:, :, keep1, :][..., keep2], b2[keep2],
            k3_rows[:, keep3], b3[keep3],
            k4[keep3, :], b4,
        ]
    )  # fmt: skip
    x = _x(tiny)
    np.testing.assert_allclose(pruned(x), reference(x), rtol=1e-5, atol=1e-5)
    assert not np.allclose(pruned(x), tiny(x), atol=1e-3)  # the cut changed something: the test can fail
    assert report["params_after"] == pruned.count_params() == reference.count_params()
    assert report["flops_after"] == count_flops(pruned) < report["flops_before"] == count_flops(tiny)


def test_flop_counter_counts_conv_and_dense_macs_twice(tiny):
    # c1: 6*6 positions * 3*3*2*4; c2: 4*4 * 3*3*4*6; d1: 24*5; out: 5*3
    assert count_flops(tiny) == 2 * (36 * 72 + 16 * 216 + 120 + 15)


@pytest.mark.parametrize("target", [0.25, 0.5, 0.75])
def test_achieved_fraction_is_within_two_points(digits_model, target):
    pruned, report = structured_prune(digits_model, target)
    achieved = 1 - pruned.count_params() / digits_model.count_params()
    assert abs(achieved - target) <= 0.02, report
    assert report["fraction_achieved"] == pytest.approx(achieved, abs=1e-6)
    assert report["fraction_requested"] == target
    assert report["flops_after"] < report["flops_before"]
    assert [e["layer"] for e in report["layers_left"]] == ["dense_3"]  # the output layer is never cut
    assert "model's output" in report["layers_left"][0]["reason"]


def test_batchnorm_and_depthwise_follow_their_input_channels():
    keras.utils.set_random_seed(2)
    x_in = keras.Input((8, 8, 3))
    h = keras.layers.Conv2D(8, 3, padding="same", name="conv")(x_in)
    h = keras.layers.BatchNormalization(name="bn1")(h)
    h = keras.layers.ReLU(name="relu1")(h)
    h = keras.layers.DepthwiseConv2D(3, padding="same", name="dw")(h)
    h = keras.layers.BatchNormalization(name="bn2")(h)
    block = keras.layers.ReLU(name="relu2")(h)
    h = keras.layers.Conv2D(12, 1, name="pw")(block)
    h = keras.layers.GlobalAveragePooling2D()(h)
    model = keras.Model(x_in, keras.layers.Dense(4, name="head")(h))
    model.set_weights([RNG.uniform(0.5, 1.5, size=w.shape).astype("float32") for w in model.get_weights()])
    pruned, report = structured_prune(model, 0.5)
    cut = {e["layer"]: e for e in report["layers_cut"]}
    assert set(cut) == {"conv", "pw"}
    keep = _l1_kept(model.get_layer("conv").get_weights()[0], cut["conv"]["width_after"])
    assert pruned.get_layer("dw").get_weights()[0].shape == (3, 3, len(keep), 1)
    assert pruned.get_layer("bn2").get_weights()[3].shape == (len(keep),)
    # Everything up to relu2 acts channel by channel, so the kept channels match the original's exactly.
    x = _x(model)
    original = keras.Model(model.input, model.get_layer("relu2").output)(x)
    after = keras.Model(pruned.input, pruned.get_layer("relu2").output)(x)
    np.testing.assert_allclose(after, np.asarray(original)[..., keep], rtol=1e-5, atol=1e-5)
    assert report["params_after"] == pruned.count_params()


def test_residual_group_shares_one_mask_and_concat_slices_its_consumer():
    keras.utils.set_random_seed(3)
    x_in = keras.Input((8, 8, 3))
    a = keras.layers.Conv2D(8, 3, padding="same", name="a")(x_in)
    b = keras.layers.Conv2D(8, 3, padding="same", name="b")(a)
    h = keras.layers.ReLU()(keras.layers.Add(name="add1")([a, b]))
    c = keras.layers.Conv2D(8, 3, padding="same", name="c")(h)
    h = keras.layers.Add(name="add2")([h, c])
    p = keras.layers.Conv2D(4, 1, name="p")(h)
    q = keras.layers.Conv2D(6, 1, name="q")(h)
    h = keras.layers.Concatenate(name="cat")([p, q])
    h = keras.layers.Conv2D(5, 3, name="r")(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    model = keras.Model(x_in, keras.layers.Dense(3, name="head")(h))
    pruned, report = structured_prune(model, 0.5)
    assert report["residual_groups"] == 1
    cut = {e["layer"]: e for e in report["layers_cut"]}
    assert {"a", "b", "c"} <= set(cut)
    widths = {cut[n]["width_after"] for n in "abc"}
    assert len(widths) == 1 and widths.pop() < 8
    assert sorted(cut["a"]["shared_with"]) == ["b", "c"]

    def width(name: str) -> int:
        return pruned.get_layer(name).get_weights()[0].shape[-1]

    assert pruned.get_layer("r").get_weights()[0].shape[2] == width("p") + width("q")
    assert pruned(_x(model)).shape == (8, 3)
    assert report["params_after"] == pruned.count_params()


def test_a_layer_feeding_reshape_is_left_whole_with_the_reason():
    x_in = keras.Input((4, 4, 2))
    h = keras.layers.Conv2D(6, 3, padding="same", name="conv")(x_in)
    h = keras.layers.Reshape((16, 6), name="reshape")(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(8, name="hidden")(h)
    model = keras.Model(x_in, keras.layers.Dense(2, name="head")(h))
    pruned, report = structured_prune(model, 0.3)
    left = {e["layer"]: e["reason"] for e in report["layers_left"]}
    assert "Reshape" in left["conv"] and "model's output" in left["head"]
    assert [e["layer"] for e in report["layers_cut"]] == ["hidden"]
    assert pruned(_x(model)).shape == (8, 2)


def test_unstructured_report_counts_zeros_but_keeps_flops(digits_model):
    from core.compress.prune import unstructured_report

    report = unstructured_report(digits_model, 0.5)
    kernels = 288 + 18_432 + 131_072 + 1_280  # the four kernels; 234 biases stay whole
    assert report["params_before"] == 151_306
    natural_zeros = sum(int(np.sum(w == 0)) for w in digits_model.get_weights()[1::2])  # biases of dead units
    assert report["params_before"] - report["params_after"] == kernels // 2 + natural_zeros
    assert report["fraction_achieved"] == pytest.approx(1 - report["params_after"] / 151_306, abs=1e-6)
    assert report["flops_after"] == report["flops_before"] == count_flops(digits_model)
