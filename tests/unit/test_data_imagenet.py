"""ImageNet validation folders in both layouts, labels checked end to end through the loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.data import DatasetError, load_eval_set
from core.data.imagenet import (
    ImageNetError,
    class_index,
    ilsvrc_id_to_index,
    list_samples,
    load_imagenet,
    scale_pixels,
)

PIL = pytest.importorskip("PIL.Image")


def _jpeg(path: Path, rgb: tuple[int, int, int], size: tuple[int, int] = (40, 30)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    PIL.new("RGB", size, rgb).save(path, quality=95)


def test_class_index_is_keras_order_and_ids_map_through_synsets() -> None:
    index = class_index()
    assert len(index) == 1000 and index[0] == ("n01440764", "tench") and index[999][0] == "n15075141"
    assert [w for w, _ in index] == sorted(w for w, _ in index)
    ids = ilsvrc_id_to_index()
    # The devkit's ID 1 is n02119789 (kit fox, Keras 278); ID 490 the sea snake (65) of val image 1.
    assert ids[1] == 278 and index[278][1] == "kit_fox" and ids[490] == 65 and index[65][1] == "sea_snake"
    assert sorted(ids[1:].tolist()) == list(range(1000))


def test_flat_folder_with_ground_truth(tmp_path: Path) -> None:
    for i, colour in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255)], start=1):
        _jpeg(tmp_path / "val" / f"ILSVRC2012_val_{i:08d}.JPEG", colour)
    (tmp_path / "ILSVRC2012_validation_ground_truth.txt").write_text("490\n361\n171\n")
    paths, labels = list_samples(tmp_path / "val")
    assert [p.name for p in paths][0] == "ILSVRC2012_val_00000001.JPEG"
    assert labels is not None and labels.tolist() == [65, 970, 230]  # sea snake, alp, Shetland sheepdog
    x, y = load_imagenet(tmp_path / "val", 16, "none", limit=2)
    assert x.shape == (2, 16, 16, 3) and y is not None and y.tolist() == [65, 970]
    assert x[0, 8, 8, 0] > 240 and x[0, 8, 8, 1] < 15  # red stays red with mode "none"


def test_synset_folders_and_eval_set_for_a_registry_model(tmp_path: Path) -> None:
    _jpeg(tmp_path / "n01440764" / "a.JPEG", (10, 20, 30))
    _jpeg(tmp_path / "n15075141" / "b.jpg", (200, 100, 50))
    _jpeg(tmp_path / "n15075141" / "c.jpg", (0, 0, 0), size=(300, 500))
    seen: list[tuple[int, int]] = []
    es = load_eval_set("resnet50", str(tmp_path), limit=None, progress=lambda d, t: seen.append((d, t)))
    assert es.x.shape == (3, 224, 224, 3) and es.y.tolist() == [0, 999, 999] and es.n_classes == 1000
    assert seen[-1] == (3, 3)
    # caffe mode: BGR, mean subtracted: pixel (10, 20, 30) -> (30-103.939, 20-116.779, 10-123.68)
    np.testing.assert_allclose(es.x[0, 100, 100], [30 - 103.939, 20 - 116.779, 10 - 123.68], atol=2.5)


def test_unlabelled_flat_folder_and_user_model_shape(tmp_path: Path) -> None:
    _jpeg(tmp_path / "x.jpg", (128, 128, 128))
    es = load_eval_set("mine.keras", str(tmp_path), input_shape=(32, 32, 3), preprocess="tf")
    assert es.y is None and es.x.shape == (1, 32, 32, 3)
    assert abs(float(es.x[0, 5, 5, 0])) < 0.02  # 128/127.5 - 1


def test_modes_and_bad_inputs_are_one_line(tmp_path: Path) -> None:
    x = np.full((1, 1, 3), 255.0, np.float32)
    assert scale_pixels(x, "tf").tolist() == [[[1.0, 1.0, 1.0]]]
    np.testing.assert_allclose(
        scale_pixels(x, "torch")[0, 0],
        (1 - np.array([0.485, 0.456, 0.406])) / [0.229, 0.224, 0.225],
        rtol=1e-6,
    )
    with pytest.raises(ImageNetError, match="unknown"):
        scale_pixels(x, "bgr")
    with pytest.raises(ImageNetError, match="no JPEGs"):
        list_samples(tmp_path)
    (tmp_path / "bad.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ImageNetError, match="cannot decode"):
        load_imagenet(tmp_path, 8, "tf")
    with pytest.raises(DatasetError, match="not square RGB"):
        load_eval_set("digits-cnn", str(tmp_path))


def test_slim_models_with_a_background_class_get_labels_shifted(tmp_path: Path) -> None:
    from core.models.registry import get_model_info

    if getattr(get_model_info("inception-v1"), "classes", None) != 1001:
        pytest.skip("inception-v1 is not registered with 1001 classes in this tree")
    _jpeg(tmp_path / "n01440764" / "a.JPEG", (10, 20, 30))
    es = load_eval_set("inception-v1", str(tmp_path))
    assert es.y.tolist() == [1] and es.n_classes == 1001 and es.x.shape == (1, 224, 224, 3)
