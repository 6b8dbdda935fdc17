"""The shipped demo model loads through the builder and scores what its README says on the held-out digits."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from core.data import load_eval_set  # noqa: E402
from core.models.builders import ModelUnavailableError, load_model  # noqa: E402


@pytest.fixture(scope="module")
def digits_model():
    return load_model("digits-cnn")


def test_shipped_model_shape_and_size(digits_model):
    assert digits_model.name == "digits-cnn"
    assert digits_model.count_params() == 151_306
    assert tuple(digits_model.input_shape[1:]) == (8, 8, 1)
    assert tuple(digits_model.output_shape[1:]) == (10,)


def test_shipped_model_top1_on_held_out_split(digits_model):
    eval_set = load_eval_set("digits-cnn")
    scores = digits_model.predict(eval_set.x, batch_size=256, verbose=0)
    top1 = float(np.mean(np.argmax(scores, axis=1) == eval_set.y))
    assert top1 >= 0.95, f"held-out top-1 {top1:.4f}; retrain with scripts/train_digits_cnn.py"


def test_unavailable_model_raises_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("TOCOMPRESS_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    with pytest.raises(ModelUnavailableError, match="put vgg19_weights_tf_dim_ordering_tf_kernels.h5 in"):
        load_model("vgg19")
