"""`--model FILE` on the command line: the kind and the setting are checked before any process starts."""

from __future__ import annotations

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


def test_imagenet_folder_that_is_empty_is_refused_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "net.keras").write_bytes(b"")
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
