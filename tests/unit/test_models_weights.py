"""Pretrained files: found by their published names, hash-checked, and a wrong file is one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.atomic import file_digest
from core.models.weights import (
    PUBLISHED,
    WEIGHTS_DIR_ENV,
    WeightsError,
    WeightsFile,
    load_pretrained,
    locate,
)


def test_published_names_and_digests_are_keras_own() -> None:
    vgg = PUBLISHED["vgg16"]
    assert vgg.file_name == "vgg16_weights_tf_dim_ordering_tf_kernels.h5" and vgg.algorithm == "md5"
    assert vgg.url.endswith("keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5")
    assert len(vgg.digest or "") == 32
    assert PUBLISHED["mobilenet"].digest is None  # Keras publishes none for MobileNet
    assert {PUBLISHED[m].kind for m in ("inception-v1", "inception-v2", "inception-v4")} == {"slim-ckpt"}


def test_missing_file_names_file_folder_and_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(WeightsError) as err:
        locate("vgg16")
    message = str(err.value)
    assert "vgg16_weights_tf_dim_ordering_tf_kernels.h5" in message and str(tmp_path) in message
    assert "`tocompress fetch vgg16`" in message and "\n" not in message


def test_mobilenet_quarter_width_saved_like_the_published_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keras 2 wrote the published files with save_weights to HDF5; Keras 3's legacy writer makes the same layout."""
    keras = pytest.importorskip("keras")
    h5py = pytest.importorskip("h5py")
    from keras.src.legacy.saving import legacy_h5_format

    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(tmp_path))
    keras.utils.set_random_seed(3)
    source = keras.applications.MobileNet(alpha=0.25, weights=None)
    path = tmp_path / "mobilenet_2_5_224_tf.h5"  # the published name of the 0.25-width, 224 file
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, source)
    wf = WeightsFile("mobilenet-0.25", path.name, "http://127.0.0.1/x", file_digest(path, "md5"), "md5")
    keras.utils.set_random_seed(4)
    target = keras.applications.MobileNet(alpha=0.25, weights=None)
    assert load_pretrained(target, "mobilenet-0.25", wf) == path
    assert all(np.array_equal(a, b) for a, b in zip(source.get_weights(), target.get_weights(), strict=True))

    bad = WeightsFile(wf.model, wf.file_name, wf.url, "0" * 32, "md5")
    with pytest.raises(
        WeightsError, match=r"is not the published mobilenet_2_5_224_tf\.h5: its md5 is"
    ) as err:
        load_pretrained(target, "mobilenet-0.25", bad)
    assert "\n" not in str(err.value)

    wider = keras.applications.MobileNet(alpha=0.5, weights=None)
    with pytest.raises(WeightsError, match=r"does not fit mobilenet-0\.25: .*shape") as err:
        load_pretrained(wider, "mobilenet-0.25", wf)
    assert "\n" not in str(err.value)


def test_builder_loads_the_published_mobilenet_file_from_the_weights_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`load_model("mobilenet")` with the file under its published name: pretrained, not random."""
    keras = pytest.importorskip("keras")
    h5py = pytest.importorskip("h5py")
    from keras.src.legacy.saving import legacy_h5_format

    from core.models.builders import load_model
    from core.models.registry import get_model_info, resolve_weights

    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(tmp_path))
    assert resolve_weights(get_model_info("mobilenet"), None) == "random"
    keras.utils.set_random_seed(7)
    source = keras.applications.MobileNet(weights=None)
    with h5py.File(tmp_path / "mobilenet_1_0_224_tf.h5", "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, source)
    assert resolve_weights(get_model_info("mobilenet"), None) == "pretrained"
    loaded = load_model("mobilenet")
    assert all(np.array_equal(a, b) for a, b in zip(source.get_weights(), loaded.get_weights(), strict=True))
