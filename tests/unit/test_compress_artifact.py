"""The artifact file on a small Keras CNN: real sizes on disk, round trips, and clear errors on damaged files.

One model and one set of saved artifacts are shared by the whole module, because importing TensorFlow and
building the model dominate the run time.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from core.compress.artifact import (  # noqa: E402
    FORMAT_VERSION,
    ArtifactError,
    ArtifactInfo,
    load_artifact,
    read_artifact_header,
    save_artifact,
)
from core.spec import CompressionSpec  # noqa: E402

SPECS = ("baseline", "q16", "q8", "q6", "p0.25", "p0.5", "q8+p0.25", "p0.25+q8", "q8+p0.05")


@pytest.fixture(scope="module")
def model() -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(64, 3, padding="same"),
            keras.layers.BatchNormalization(),  # 1-D trainable and non-trainable weights, stored float32
            keras.layers.ReLU(),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


@pytest.fixture(scope="module")
def inputs() -> np.ndarray:
    return np.random.default_rng(0).random((16, 8, 8, 1), dtype=np.float32)


@pytest.fixture(scope="module")
def saved(model: keras.Model, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ArtifactInfo]:
    folder = tmp_path_factory.mktemp("artifacts")
    return {text: save_artifact(model, CompressionSpec.parse(text), folder / f"{text}.tcz") for text in SPECS}


def _ratio(saved: dict[str, ArtifactInfo], text: str) -> float:
    return saved[text].size_bytes / saved["baseline"].size_bytes


def test_info_reports_the_file_and_the_model(saved: dict[str, ArtifactInfo], model: keras.Model) -> None:
    for text, info in saved.items():
        assert info.size_bytes == os.path.getsize(info.path)
        assert info.params == model.count_params()
        assert info.compressed_tensors == (0 if text == "baseline" else 4)  # the four conv and dense kernels
    folder = Path(saved["baseline"].path).parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.tcz" for t in SPECS)  # no temp files left


def test_baseline_is_float32_plus_a_small_header(saved: dict[str, ArtifactInfo]) -> None:
    info = saved["baseline"]
    assert 4 * info.params < info.size_bytes < 4 * info.params + 2048


def test_sizes_fall_as_the_paper_expects(saved: dict[str, ArtifactInfo]) -> None:
    assert _ratio(saved, "q8") <= 0.27
    assert _ratio(saved, "q16") == pytest.approx(0.5, abs=0.01)
    assert saved["q6"].size_bytes < saved["q8"].size_bytes
    assert saved["p0.25"].size_bytes < saved["baseline"].size_bytes
    assert saved["p0.5"].size_bytes < saved["p0.25"].size_bytes
    assert saved["q8+p0.25"].size_bytes < saved["q8"].size_bytes
    assert saved["q8+p0.05"].size_bytes < saved["q8"].size_bytes


def test_baseline_round_trip_is_exact(saved: dict[str, ArtifactInfo], model: keras.Model) -> None:
    loaded = load_artifact(saved["baseline"].path)
    for original, restored in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(original, restored)


def test_q16_outputs_match_the_original(
    saved: dict[str, ArtifactInfo], model: keras.Model, inputs: np.ndarray
) -> None:
    expected = model.predict(inputs, verbose=0)
    got = load_artifact(saved["q16"].path).predict(inputs, verbose=0)
    np.testing.assert_allclose(got, expected, atol=1e-4 * float(np.abs(expected).max()))


def test_pruning_zeroes_a_quarter_of_each_kernel(saved: dict[str, ArtifactInfo], model: keras.Model) -> None:
    loaded = load_artifact(saved["p0.25"].path)
    kernels = [w for w in loaded.get_weights() if w.ndim >= 2]
    assert len(kernels) == 4
    for kernel in kernels:
        assert int((kernel == 0).sum()) == round(0.25 * kernel.size)
    nonzero = sum(int(np.count_nonzero(w)) for w in loaded.get_weights())
    assert saved["p0.25"].nonzero_params == nonzero
    assert saved["baseline"].nonzero_params == sum(int(np.count_nonzero(w)) for w in model.get_weights())


def test_header_records_spec_and_encodings(saved: dict[str, ArtifactInfo]) -> None:
    header = read_artifact_header(saved["q8+p0.25"].path)
    assert header["spec"] == "q8+p0.25"
    kernels = [t for t in header["tensors"] if len(t["shape"]) >= 2]
    others = [t for t in header["tensors"] if len(t["shape"]) < 2]
    assert {t["bits"] for t in kernels} == {8}
    assert all(t["encoding"] in ("bitmap", "kept_gaps", "pruned_gaps") for t in kernels)
    assert all(t["encoding"] == "dense" and "bits" not in t for t in others)
    assert any(t["name"].endswith("moving_variance") for t in others)


def _damaged(saved: dict[str, ArtifactInfo], tmp_path: Path, name: str, edit) -> Path:
    data = bytearray(Path(saved["q8+p0.25"].path).read_bytes())
    path = tmp_path / name
    path.write_bytes(bytes(edit(data)))
    return path


def _flip(data: bytearray, index: int) -> bytearray:
    data[index] ^= 0xFF
    return data


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("magic.tcz", lambda d: b"PK\x03\x04" + d[4:], "not a tocompress artifact"),
        ("empty.tcz", lambda d: b"", "not a tocompress artifact"),
        ("truncated.tcz", lambda d: d[: len(d) // 2], "truncated"),
        ("payload.tcz", lambda d: _flip(d, len(d) - 10), "checksum"),
        ("header.tcz", lambda d: _flip(d, 40), "damaged header"),
        ("newer.tcz", lambda d: d[:8] + struct.pack("<H", FORMAT_VERSION + 1) + d[10:], "upgrade tocompress"),
    ],
)
def test_damaged_files_raise_one_clear_line(
    saved: dict[str, ArtifactInfo], tmp_path: Path, name: str, edit, message: str
) -> None:
    path = _damaged(saved, tmp_path, name, edit)
    with pytest.raises(ArtifactError, match=message) as excinfo:
        load_artifact(path)
    assert isinstance(excinfo.value, ValueError)
    assert "\n" not in str(excinfo.value)
