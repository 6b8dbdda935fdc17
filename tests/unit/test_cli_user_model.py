"""`--model FILE` on the command line: the kind and the setting are checked before any process starts."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tui.cli.main import main


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        ("net.tflite", ["--compress", "q8"], "only --compress baseline"),
        ("net.pb", ["--compress", "p0.5:filters"], "qN and unstructured pN only"),
        ("net.keras", ["--input-shape", "224,-1"], "--input-shape"),
        ("net.onnx", [], "unknown kind"),
        ("absent.keras", [], "no such file"),
        ("net.keras", [], "not a Keras file (a .keras file is a zip archive)"),
        ("net.h5", [], "not an HDF5 Keras file"),
    ],
)
def test_user_model_mistakes_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, extra: list[str], message: str
) -> None:
    if name != "absent.keras":
        (tmp_path / name).write_bytes(b"not read before the checks")
    assert main(["run", "--model", str(tmp_path / name), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def _keras_zip(path: Path) -> Path:
    """A `.keras` archive as far as the checks before a run read it (a zip with a config.json)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
    return path


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("p0.5:ft2", ":ft2 fine-tunes on the model's training split, which a model you bring has none of"),
        ("tflite:int8", "tflite:int8 calibrates on the model's training split"),
    ],
)
def test_user_keras_model_with_finetune_or_int8_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setting: str, message: str
) -> None:
    net = _keras_zip(tmp_path / "net.keras")
    assert main(["run", "--model", str(net), "--input-shape", "8,8,1", "--compress", setting]) == 2
    err = capsys.readouterr().err
    assert message in err and "unknown model" not in err and err.count("\n") == 1


def test_imagenet_folder_that_is_empty_is_refused_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _keras_zip(tmp_path / "net.keras")
    (tmp_path / "val").mkdir()
    args = [
        "run",
        "--model",
        str(tmp_path / "net.keras"),
        "--input-shape",
        "32,32,3",
        "--dataset",
        str(tmp_path / "val"),
    ]
    assert main(args) == 2
    assert "no JPEGs and no synset folders" in capsys.readouterr().err
