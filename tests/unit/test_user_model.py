"""A model the user brings, in each format, made at test time from one tiny Keras model (one TensorFlow import)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.models.user_model import UserModelError, check_setting, looks_like_path, parse_shape, user_model
from core.runspec import RunSpec
from core.samples.evaldata import eval_data_path, load_eval_data
from core.spec import CompressionSpec

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

SHAPE = (12, 12, 3)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same tiny CNN as .keras, .h5, SavedModel, frozen .pb and .tflite, plus a batch and its outputs."""
    from core.compress.freeze import freeze_model

    root = tmp_path_factory.mktemp("user")
    keras.utils.set_random_seed(1)
    inputs = keras.Input(SHAPE)
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(x))
    model.save(root / "tiny.keras")
    model.save(root / "tiny.h5")
    model.export(str(root / "saved"), verbose=False)
    graph_def, _, _ = freeze_model(model)
    (root / "tiny.pb").write_bytes(graph_def.SerializeToString())
    (root / "tiny.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    batch = np.random.default_rng(0).standard_normal((3, *SHAPE)).astype(np.float32)
    return {"root": root, "batch": batch, "expected": model.predict(batch, verbose=0)}


def _run_graph(graph_def: Any, inputs: list[str], outputs: list[str], batch: np.ndarray) -> np.ndarray:
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    with tf.compat.v1.Session(graph=graph) as sess:
        return sess.run(outputs[0], {inputs[0]: batch})


def test_flags_and_kinds_are_checked_in_one_line(files: dict[str, Any]) -> None:
    root = files["root"]
    assert looks_like_path(str(root / "tiny.keras")) and not looks_like_path("resnet50")
    assert parse_shape("224,224,3") == (224, 224, 3) and parse_shape(None) is None
    with pytest.raises(UserModelError, match="positive sizes"):
        parse_shape("224,abc")
    assert user_model(root / "tiny.keras").input_shape == SHAPE  # read from the zip's config, no TF needed
    assert [user_model(root / n).kind for n in ("tiny.h5", "saved", "tiny.pb", "tiny.tflite")] == [
        "keras", "savedmodel", "pb", "tflite",
    ]  # fmt: skip
    with pytest.raises(UserModelError, match="only --compress baseline"):
        check_setting(user_model(root / "tiny.tflite"), CompressionSpec.parse("q8"))
    with pytest.raises(UserModelError, match="qN and unstructured pN only"):
        check_setting(user_model(root / "tiny.pb"), CompressionSpec.parse("tflite:fp16"))
    with pytest.raises(UserModelError, match="no such file"):
        user_model(root / "absent.keras")
    with pytest.raises(UserModelError, match="--preprocess"):
        user_model(root / "tiny.keras", preprocess="bgr")


@pytest.mark.parametrize("name", ["saved", "tiny.pb"])
def test_graph_formats_freeze_to_the_same_outputs(files: dict[str, Any], name: str) -> None:
    from core.worker.user_compress import load_graph

    graph_def, inputs, outputs, shape = load_graph(user_model(files["root"] / name))
    assert shape == SHAPE
    np.testing.assert_allclose(
        _run_graph(graph_def, inputs, outputs, files["batch"]), files["expected"], atol=1e-5
    )


def test_pb_without_one_placeholder_asks_for_the_name(files: dict[str, Any], tmp_path: Path) -> None:
    from core.worker.user_compress import load_graph

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString((files["root"] / "tiny.pb").read_bytes())
    extra = graph_def.node.add()
    extra.CopyFrom(next(n for n in graph_def.node if n.op == "Placeholder"))
    extra.name = "second_input"
    (tmp_path / "two.pb").write_bytes(graph_def.SerializeToString())
    with pytest.raises(UserModelError, match="2 Placeholders .*pass --input-name"):
        load_graph(user_model(tmp_path / "two.pb"))
    (tmp_path / "junk.pb").write_bytes(b"\xff\xfe not a graph")
    with pytest.raises(UserModelError, match="not a frozen GraphDef"):
        load_graph(user_model(tmp_path / "junk.pb"))


@pytest.mark.parametrize(
    ("name", "setting"), [("tiny.h5", "q8"), ("tiny.pb", "q8"), ("tiny.tflite", "baseline")]
)
def test_compress_stage_writes_artifact_and_samples(
    files: dict[str, Any], tmp_path: Path, name: str, setting: str
) -> None:
    from core.worker.user_compress import compress_user_model

    um = user_model(files["root"] / name)
    spec = RunSpec(um.name, CompressionSpec.parse(setting), workdir=str(tmp_path), model_args=um.to_args())
    data = json.loads(json.dumps(spec.to_json()))
    assert RunSpec.from_json(data).model_args == um.to_args()
    events: list[tuple[str, dict[str, Any]]] = []
    artifact = compress_user_model(
        RunSpec.from_json(data), data, lambda k, **f: events.append((k, f)), lambda p: None
    )
    model_event = dict(events)["model"]
    assert model_event["weights"]["kind"] == "user file" and Path(artifact).is_file()
    if name == "tiny.tflite":
        assert artifact == str(um.path) and model_event["params"] is None
    else:
        assert artifact.endswith(f"{name}-q8.tcz") and model_event["params"] == 3 * 3 * 3 * 4 + 4 + 4 * 5 + 5
    samples = load_eval_data(eval_data_path(data))
    assert samples.x.shape[1:] == SHAPE and samples.y is None


def test_labelled_set_of_other_classes_is_refused(files: dict[str, Any], tmp_path: Path) -> None:
    from PIL import Image

    from core.worker.user_compress import compress_user_model

    (tmp_path / "val").mkdir()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(tmp_path / "val" / "ILSVRC2012_val_00000001.JPEG")
    (tmp_path / "ILSVRC2012_validation_ground_truth.txt").write_text("1\n")
    um = user_model(files["root"] / "tiny.keras", preprocess="tf")
    spec = RunSpec(um.name, CompressionSpec(), workdir=str(tmp_path), dataset=str(tmp_path / "val"))
    spec.model_args = um.to_args()
    with pytest.raises(UserModelError, match="has 5 outputs but imagenet-val .* has 1000 classes"):
        compress_user_model(spec, spec.to_json(), lambda *a, **k: None, lambda p: None)


def test_a_zip_that_keras_cannot_load_says_why_in_one_line(tmp_path: Path) -> None:
    """A `.keras` zip without a model in it: the compress stage names the file and Keras' reason, one line."""
    import zipfile

    from core.worker.user_compress import compress_user_model

    path = tmp_path / "broken.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
    um = user_model(path, input_shape="8,8,1")
    spec = RunSpec(um.name, CompressionSpec(), workdir=str(tmp_path), model_args=um.to_args())
    with pytest.raises(UserModelError, match=r"broken.keras: Keras cannot load it \(") as info:
        compress_user_model(spec, spec.to_json(), lambda *a, **k: None, lambda p: None)
    assert "\n" not in str(info.value)
