"""TF-slim Inception checkpoints onto the Keras builders: a checkpoint written here under slim's real variable names.

tests/fixtures/slim_inception_v{1,2}_variables.txt list the names and shapes that tf_slim's own inception_v1 and
inception_v2 (tf-slim 1.1.0, 1001 classes) create; the checkpoint holds seeded random values under those names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.models.slim_map import keras_slot, load_slim_checkpoint
from core.models.weights import WeightsError

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _slim_variables(version: str) -> dict[str, tuple[int, ...]]:
    lines = (FIXTURES / f"slim_inception_{version}_variables.txt").read_text().split("\n")
    return {n: tuple(int(d) for d in s.split(",")) for n, s in (ln.split(" ") for ln in lines if ln)}


def _write_checkpoint(
    path: Path, shapes: dict[str, tuple[int, ...]], v1_format: bool = True
) -> dict[str, np.ndarray]:
    """A checkpoint as slim's Saver wrote them (format V1 for the 2016 files), with a global_step."""
    from tensorflow.core.protobuf import saver_pb2

    rng = np.random.default_rng(0)
    values = {n: rng.standard_normal(s).astype(np.float32) for n, s in shapes.items()}
    graph = tf.Graph()
    with graph.as_default():
        variables = {n: tf.compat.v1.Variable(v, name=n) for n, v in values.items()}
        variables["global_step"] = tf.compat.v1.Variable(np.int64(5), name="global_step")
        version = saver_pb2.SaverDef.V1 if v1_format else saver_pb2.SaverDef.V2
        saver = tf.compat.v1.train.Saver(variables, write_version=version)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, str(path), write_meta_graph=False)
    return values


def test_keras_slot_reads_slim_scopes() -> None:
    assert keras_slot("InceptionV1/Mixed_3b/Branch_1/Conv2d_0b_3x3/BatchNorm/moving_mean", "InceptionV1") == (
        "Mixed_3b_Branch_1_Conv2d_0b_3x3_BatchNorm", "moving_mean",
    )  # fmt: skip
    assert keras_slot("InceptionV1/Logits/Conv2d_0c_1x1/biases", "InceptionV1") == (
        "Logits_Conv2d_0c_1x1",
        "biases",
    )
    assert keras_slot("global_step", "InceptionV1") is None
    assert keras_slot("InceptionV1/Conv2d_1a_7x7/weights/ExponentialMovingAverage", "InceptionV1") is None


def test_small_slice_loads_and_a_wrong_shape_is_one_line(tmp_path: Path) -> None:
    from core.models.arch.layers import conv_bn, image_input, logits_head

    inputs = image_input(16)
    x = conv_bn(inputs, 4, 3, "Conv2d_1a_7x7", strides=2)
    model = keras.Model(inputs, logits_head(x, 7, 0.2, "Conv2d_0c_1x1"))
    shapes = {
        "InceptionV1/Conv2d_1a_7x7/weights": (3, 3, 3, 4),
        "InceptionV1/Conv2d_1a_7x7/BatchNorm/beta": (4,),
        "InceptionV1/Conv2d_1a_7x7/BatchNorm/moving_mean": (4,),
        "InceptionV1/Conv2d_1a_7x7/BatchNorm/moving_variance": (4,),
        "InceptionV1/Logits/Conv2d_0c_1x1/weights": (1, 1, 4, 7),
        "InceptionV1/Logits/Conv2d_0c_1x1/biases": (7,),
    }
    values = _write_checkpoint(tmp_path / "slice.ckpt", shapes)
    counts = load_slim_checkpoint(model, "inception-v1", tmp_path / "slice.ckpt")
    assert counts == {"assigned": 6, "skipped": 1}  # global_step
    bn = model.get_layer("Conv2d_1a_7x7_BatchNorm")
    np.testing.assert_array_equal(
        bn.moving_variance.numpy(), values["InceptionV1/Conv2d_1a_7x7/BatchNorm/moving_variance"]
    )
    shapes["InceptionV1/Logits/Conv2d_0c_1x1/weights"] = (1, 1, 4, 9)
    shapes["InceptionV1/Logits/Conv2d_0c_1x1/biases"] = (9,)
    _write_checkpoint(tmp_path / "wide.ckpt", shapes, v1_format=False)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(
        WeightsError, match=r"has shape \(1, 1, 4, 9\) but inception-v1 needs \(1, 1, 4, 7\)"
    ) as err:
        load_slim_checkpoint(model, "inception-v1", tmp_path / "wide.ckpt")
    assert "\n" not in str(err.value)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))  # untouched
    with pytest.raises(WeightsError, match="not a readable TF checkpoint"):
        load_slim_checkpoint(model, "inception-v1", tmp_path / "absent.ckpt")


@pytest.mark.parametrize(("name", "version"), [("inception-v1", "v1"), ("inception-v2", "v2")])
def test_builder_takes_every_tensor_of_slims_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, version: str
) -> None:
    """v1: a V1-format file under slim's name, found by load_model; v2: a V2 checkpoint given by path."""
    from core.models.builders import build_random, load_model
    from core.models.registry import get_model_info

    shapes = _slim_variables(version)
    file_name = f"inception_{version}.ckpt"
    values = _write_checkpoint(tmp_path / file_name, shapes, v1_format=version == "v1")
    if version == "v1":
        monkeypatch.setenv("TOCOMPRESS_WEIGHTS_DIR", str(tmp_path))
        model = load_model(name)  # pretrained: the checkpoint is in the weights folder
    else:
        model = build_random(get_model_info(name))
        assert load_slim_checkpoint(model, name, tmp_path / file_name)["assigned"] == len(shapes)
    assert sum(int(np.prod(s)) for s in shapes.values()) == model.count_params()
    conv = model.get_layer("Mixed_4c_Branch_1_Conv2d_0b_3x3")
    scope = "InceptionV1" if version == "v1" else "InceptionV2"
    np.testing.assert_array_equal(
        conv.kernel.numpy(), values[f"{scope}/Mixed_4c/Branch_1/Conv2d_0b_3x3/weights"]
    )
