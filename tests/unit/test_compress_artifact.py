"""The artifact file (format 2: frozen GraphDef without its weights + bit-packed tensor table) on a small Keras CNN:
real sizes on disk, exact baseline round trips, and one clear line for every damaged or old file.

One model, frozen once, and one set of saved artifacts are shared by the whole module (TensorFlow dominates).
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from core.artifact.graph_build import build_graph, open_session  # noqa: E402
from core.compress.freeze import freeze_model  # noqa: E402
from core.compress.writer import (  # noqa: E402
    FORMAT_VERSION,
    ArtifactError,
    ArtifactInfo,
    read_artifact_header,
    save_artifact,  # noqa: E402
)

SPECS = ("baseline", "q16", "q8", "q6", "q8:ch", "p0.25", "p0.5", "q8+p0.25", "p0.25+q8", "q8+p0.05")


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
def frozen(model: keras.Model) -> tuple[bytes, list[str], list[str]]:
    graph_def, inputs, outputs = freeze_model(model)
    return graph_def.SerializeToString(), inputs, outputs


def _save(frozen: tuple[bytes, list[str], list[str]], text: str, path: Path) -> ArtifactInfo:
    raw, inputs, outputs = frozen
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(raw)
    return save_artifact(graph_def, inputs, outputs, text, path)


@pytest.fixture(scope="module")
def saved(frozen, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ArtifactInfo]:
    folder = tmp_path_factory.mktemp("artifacts")
    return {text: _save(frozen, text, folder / f"{text}.tcz") for text in SPECS}


def _ratio(saved: dict[str, ArtifactInfo], text: str) -> float:
    return saved[text].size_bytes / saved["baseline"].size_bytes


def test_info_reports_the_file_and_the_model(saved: dict[str, ArtifactInfo], model: keras.Model) -> None:
    for text, info in saved.items():
        assert info.size_bytes == os.path.getsize(info.path)
        assert info.params == model.count_params()
        assert info.compressed_tensors == (0 if text == "baseline" else 4)  # the four conv and dense kernels
    folder = Path(saved["baseline"].path).parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.tcz" for t in SPECS)  # no temp files left


def test_baseline_is_float32_plus_the_graph_and_a_header(saved: dict[str, ArtifactInfo]) -> None:
    info = saved["baseline"]
    graph_bytes = read_artifact_header(info.path)["graph"]["nbytes"]
    assert graph_bytes < 20_000  # the GraphDef holds no weights: they are in the table
    assert 4 * info.params + graph_bytes < info.size_bytes < 4 * info.params + graph_bytes + 4096


def test_sizes_fall_as_the_paper_expects(saved: dict[str, ArtifactInfo]) -> None:
    assert _ratio(saved, "q8") <= 0.28
    assert _ratio(saved, "q16") == pytest.approx(0.5, abs=0.02)
    assert saved["q6"].size_bytes < saved["q8"].size_bytes
    assert saved["q8:ch"].size_bytes - saved["q8"].size_bytes < 2048  # 234 channels x (scale + min) float32
    assert saved["p0.25"].size_bytes < saved["baseline"].size_bytes
    assert saved["p0.5"].size_bytes < saved["p0.25"].size_bytes
    assert saved["q8+p0.25"].size_bytes < saved["q8"].size_bytes
    assert saved["q8+p0.05"].size_bytes < saved["q8"].size_bytes


def test_q6_costs_six_bits_a_weight_on_a_big_tensor(tmp_path: Path) -> None:
    keras.utils.set_random_seed(0)
    big = keras.Sequential([keras.Input((1024,)), keras.layers.Dense(1024)])
    graph_def, inputs, outputs = freeze_model(big)
    raw = graph_def.SerializeToString()
    sizes = {}
    for text in ("baseline", "q6"):
        graph_def = tf.compat.v1.GraphDef()
        graph_def.ParseFromString(raw)
        sizes[text] = save_artifact(graph_def, inputs, outputs, text, tmp_path / f"{text}.tcz").size_bytes
    assert 4 * big.count_params() < sizes["baseline"] < 4 * big.count_params() + 8192
    assert sizes["q6"] / sizes["baseline"] == pytest.approx(6 / 32, abs=0.005)


def _weights(path: str) -> list[np.ndarray]:
    """Every weight variable's value, as the run stage loads it."""
    built = build_graph(path)
    readers = [
        n.name
        for n in built.graph_def.node
        if n.op in ("Identity", "ReadVariableOp") and n.input and n.input[0].endswith("/weight")
    ]
    with open_session(built, tf) as sess:
        return [sess.run(name + ":0") for name in readers]


def test_baseline_round_trip_is_exact(saved: dict[str, ArtifactInfo], model: keras.Model) -> None:
    big = [v for v in _weights(saved["baseline"].path) if v.size >= 2 and v.dtype == np.float32]
    for weight in model.get_weights():
        assert any(v.shape == weight.shape and np.array_equal(v, weight) for v in big)


def test_pruning_zeroes_a_quarter_of_each_kernel(saved: dict[str, ArtifactInfo]) -> None:
    kernels = [v for v in _weights(saved["p0.25"].path) if v.ndim >= 2]
    assert len(kernels) == 4
    for kernel in kernels:
        assert int((kernel == 0).sum()) == round(0.25 * kernel.size)
    assert saved["p0.25"].nonzero_params == saved["baseline"].nonzero_params - sum(
        round(0.25 * k.size) for k in kernels
    )


def test_header_records_spec_graph_and_encodings(saved: dict[str, ArtifactInfo]) -> None:
    header = read_artifact_header(saved["q8+p0.25"].path)
    assert (header["format"], header["spec"], header["runtime"]) == (FORMAT_VERSION, "q8+p0.25", "tf-graph")
    assert header["graph"]["inputs"] and header["graph"]["outputs"]
    kernels = [t for t in header["tensors"] if len(t["shape"]) >= 2]
    others = [t for t in header["tensors"] if len(t["shape"]) < 2]
    assert {t["bits"] for t in kernels} == {8}
    assert all(t["encoding"] in ("bitmap", "kept_gaps", "pruned_gaps") for t in kernels)
    assert all(t["encoding"] == "dense" and "bits" not in t for t in others)
    quant = header["quantization"]
    assert (quant["bits"], quant["granularity"], quant["dequant"], quant["tensors"]) == (
        8,
        "per-tensor",
        "runtime",
        4,
    )
    assert read_artifact_header(saved["q8:ch"].path)["quantization"]["granularity"] == "per-channel"
    assert read_artifact_header(saved["baseline"].path)["quantization"] is None


def _flip(data: bytearray, index: int) -> bytearray:
    data[index] ^= 0xFF
    return data


def _version_1(data: bytearray) -> bytearray:
    return data[:8] + struct.pack("<H", 1) + data[10:]


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("magic.tcz", lambda d: b"PK\x03\x04" + d[4:], "not a tocompress artifact"),
        ("empty.tcz", lambda d: b"", "not a tocompress artifact"),
        ("truncated.tcz", lambda d: d[: len(d) // 2], "truncated"),
        ("payload.tcz", lambda d: _flip(d, len(d) - 10), "checksum"),
        ("header.tcz", lambda d: _flip(d, 40), "damaged header"),
        ("newer.tcz", lambda d: d[:8] + struct.pack("<H", FORMAT_VERSION + 1) + d[10:], "upgrade tocompress"),
        ("v1.tcz", _version_1, r"format 1 \(a Keras model, from an older tocompress\)"),
    ],
)
def test_damaged_or_old_files_raise_one_clear_line(
    saved: dict[str, ArtifactInfo], tmp_path: Path, name: str, edit, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(bytes(edit(bytearray(Path(saved["q8+p0.25"].path).read_bytes()))))
    with pytest.raises(ArtifactError, match=message) as excinfo:
        build_graph(str(path))
    assert isinstance(excinfo.value, ValueError)
    assert "\n" not in str(excinfo.value)


def test_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="does not exist"):
        build_graph(str(tmp_path / "nothing.tcz"))


def test_header_is_zlib_json(saved: dict[str, ArtifactInfo]) -> None:
    data = Path(saved["q8"].path).read_bytes()
    _, version, header_size, _, _ = struct.unpack_from("<8sHIQI", data)
    assert version == FORMAT_VERSION
    assert zlib.decompress(data[26 : 26 + header_size]).startswith(b"{")
