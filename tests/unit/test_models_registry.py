"""Registry, availability and evaluation-set selection: the TensorFlow-free face of the models the dashboard shows."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from core.data import DatasetError, load_eval_set
from core.data.digits import load_digits_split
from core.models.registry import (
    UnknownModelError,
    availability,
    get_model_info,
    list_models,
    resolve_weights,
)
from core.report.wording import describe_weights

PAPER_MODELS = [
    "inception-v1",
    "inception-v2",
    "inception-v3",
    "inception-v4",
    "resnet50",
    "resnet101",
    "resnet152",
    "vgg16",
    "vgg19",
    "mobilenet",
    "nmt",
]


@pytest.fixture
def weights_dir(tmp_path, monkeypatch):
    """An empty weights folder in $TOCOMPRESS_WEIGHTS_DIR, and a HOME without ~/.keras, so nothing real is found."""
    folder = tmp_path / "weights"
    folder.mkdir()
    monkeypatch.setenv("TOCOMPRESS_WEIGHTS_DIR", str(folder))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    return folder


def test_digits_first_then_table_one_in_order():
    models = list_models()
    assert models[0].name == "digits-cnn" and not models[0].paper_row
    assert [m.name for m in models if m.paper_row] == PAPER_MODELS
    first_paper = next(i for i, m in enumerate(models) if m.paper_row)
    assert all(m.paper_row for m in models[first_paper:])  # demo models first, then Table I
    assert models[0].dataset == "digits-test" and models[0].input_shape == (8, 8, 1)


def test_families_tasks_and_params():
    by_name = {m.name: m for m in list_models()}
    assert by_name["nmt"].family == "RNN" and by_name["nmt"].task == "translation"
    assert {m.family for m in list_models() if m.task != "translation"} == {"CNN"}
    assert by_name["inception-v1"].params == 6_633_209 and by_name["inception-v1"].classes == 1001
    assert by_name["inception-v4"].input_shape == (299, 299, 3)
    assert by_name["digits-cnn"].params == 151_306
    assert by_name["resnet50"].params == 25_636_712
    assert by_name["vgg16"].params == 138_357_544
    assert by_name["inception-v3"].input_shape == (299, 299, 3)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("ResNet50", "resnet50"),
        ("resnet-50", "resnet50"),
        ("RESNET_152", "resnet152"),
        ("InceptionV3", "inception-v3"),
        ("inception_v3", "inception-v3"),
        ("VGG 16", "vgg16"),
        ("Digits-CNN", "digits-cnn"),
        ("MobileNet", "mobilenet"),
        ("NMT", "nmt"),
    ],
)
def test_names_ignore_case_and_separators(written, canonical):
    assert get_model_info(written).name == canonical


def test_unknown_model_is_one_clear_line_listing_known_names():
    with pytest.raises(UnknownModelError) as info:
        get_model_info("alexnet")
    message = str(info.value)
    assert "\n" not in message and message.startswith("unknown model 'alexnet'")
    assert all(name in message for name in ["digits-cnn", *PAPER_MODELS])
    assert isinstance(info.value, ValueError) and isinstance(info.value, KeyError)


def test_shipped_digits_model_is_available():
    available, reason = availability(get_model_info("digits-cnn"))
    assert available, reason


def test_digits_model_missing_says_how_to_restore(tmp_path, monkeypatch):
    monkeypatch.setenv("TOCOMPRESS_ASSETS", str(tmp_path))
    available, reason = availability(get_model_info("digits-cnn"))
    assert not available
    assert "git checkout -- assets/" in reason and "train_digits_cnn.py" in reason


def test_keras_application_needs_its_local_weights_file(weights_dir):
    info = get_model_info("resnet50")
    available, reason = availability(info)
    assert not available
    assert "resnet50_weights_tf_dim_ordering_tf_kernels.h5" in reason and str(weights_dir) in reason
    (weights_dir / "resnet50_weights_tf_dim_ordering_tf_kernels.h5").write_bytes(b"placeholder")
    available, reason = availability(info)
    assert available and str(weights_dir) in reason


def test_keras_cache_folder_is_searched_too(weights_dir, tmp_path):
    cache = tmp_path / "home" / ".keras" / "models"
    cache.mkdir(parents=True)
    (cache / "mobilenet_1_0_224_tf.h5").write_bytes(b"placeholder")
    available, reason = availability(get_model_info("mobilenet"))
    assert available and str(cache) in reason


@pytest.mark.parametrize("name", PAPER_MODELS)
def test_every_paper_model_runs_with_random_weights(name, weights_dir):
    info = get_model_info(name)
    assert info.buildable
    available, reason = availability(info, "random")
    assert available and "seed 0" in reason
    if (
        info.keras_app is not None
    ):  # no file here: pretrained is refused, and the default falls back to random
        assert not availability(info, "pretrained")[0]
        assert "--weights random" in availability(info)[1]
        assert resolve_weights(info, None) == "random"
    assert resolve_weights(info, "pretrained") == "pretrained"


def test_pretrained_file_makes_pretrained_the_default(weights_dir):
    info = get_model_info("vgg16")
    (weights_dir / "vgg16_weights_tf_dim_ordering_tf_kernels.h5").write_bytes(b"placeholder")
    assert resolve_weights(info, None) == "pretrained"
    assert resolve_weights(get_model_info("digits-cnn"), None) == "pretrained"


def test_unknown_weights_kind_is_one_line():
    available, reason = availability(get_model_info("vgg16"), "imagenet")
    assert not available and reason.startswith("unknown weights 'imagenet'")


def test_weights_blocks_read_in_words():
    assert describe_weights({"kind": "random", "seed": 0}).startswith("random weights (seed 0)")
    line = describe_weights({"kind": "pretrained", "file": "/w/vgg16.h5", "sha256": "ab" * 32})
    assert line == "pretrained weights vgg16.h5 (sha256 abababababab…)"
    assert describe_weights(None) is None


def test_shipped_demo_weights_are_not_called_pretrained():
    """The results header of digits-cnn / nmt-demo named them "pretrained weights": they ship, trained here."""
    for name in ("digits-cnn.keras", "nmt-demo.keras"):
        line = describe_weights(
            {"kind": "pretrained", "file": f"/x/assets/models/{name}", "sha256": "cd" * 32}
        )
        assert line == f"shipped demo weights {name} (sha256 cdcdcdcdcdcd…)"
    assert describe_weights("/x/assets/models/digits-cnn.keras") == "shipped demo weights digits-cnn.keras"


def test_registry_and_data_do_not_import_tensorflow():
    code = (
        "import sys, core.models.registry, core.data; "
        "core.data.load_eval_set('digits-cnn', limit=3); "
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_digits_split_is_fixed_and_stratified():
    a, b = load_digits_split(), load_digits_split()
    assert a.x_train.shape == (1347, 8, 8, 1) and a.x_test.shape == (450, 8, 8, 1)
    assert a.x_train.dtype == np.float32 and a.y_test.dtype == np.int64
    assert 0.0 <= a.x_train.min() and a.x_train.max() == 1.0
    assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_test, b.y_test)
    assert np.array_equal(a.y_train, b.y_train)
    held_out = np.bincount(a.y_test, minlength=10)
    total = held_out + np.bincount(a.y_train, minlength=10)
    assert np.all(np.abs(held_out - 0.25 * total) <= 1)  # stratified: a quarter of each digit, to rounding


def test_digits_cnn_defaults_to_the_held_out_split():
    eval_set = load_eval_set("digits-cnn")
    assert eval_set.name == "digits-test" and eval_set.n_classes == 10
    assert np.array_equal(eval_set.y, load_digits_split().y_test)
    limited = load_eval_set("Digits-CNN", dataset="digits-test", limit=7)
    assert limited.x.shape == (7, 8, 8, 1) and np.array_equal(limited.y, eval_set.y[:7])


def test_unknown_dataset_names_the_valid_choices():
    with pytest.raises(DatasetError, match=r"unknown dataset 'mnist'; choose one of: digits-test\b"):
        load_eval_set("digits-cnn", dataset="mnist")


def test_model_without_local_dataset_says_pass_dataset():
    with pytest.raises(DatasetError, match=r"no evaluation set for resnet50 here; pass --dataset"):
        load_eval_set("resnet50")


def test_dataset_with_wrong_input_shape_is_refused():
    with pytest.raises(
        DatasetError, match=r"digits-test has inputs \(8, 8, 1\) but vgg16 expects \(224, 224, 3\)"
    ):
        load_eval_set("vgg16", dataset="digits-test")


def test_bad_limit_is_refused():
    with pytest.raises(DatasetError, match="at least 1"):
        load_eval_set("digits-cnn", limit=0)
