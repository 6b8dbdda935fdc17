"""Bad input on the command line: one clear line on stderr, a non-zero exit, no traceback, nothing started."""

import pytest

from tui.cli.main import main


def _run(capsys, *argv):
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["run", "--model", "no-such-model"], "unknown model"),
        (["run", "--compress", "q17"], "17 bits is out of range"),
        (["run", "--compress", "x8"], "cannot read 'x8'"),
        (["run", "--compress", "p1"], "out of range"),
        (["run", "--model", "resnet50", "--weights", "pretrained"], "tocompress never downloads them"),
        (["run", "--model", "inception-v1", "--weights", "pretrained"], "or run with --weights random"),
        (["run", "--min-iters", "50", "--max-iters", "10"], "max iterations 10 is below min iterations 50"),
        (["compare", "nope-a.json", "nope-b.json"], "no result file at nope-a.json"),
        (["run", "--threshold", "150"], "no-change threshold 150.0% in [0, 100)"),
        (["run", "--paired-seconds", "0"], "paired max seconds 0.0 must be positive"),
        (["run", "--dataset", "bogus"], "unknown dataset 'bogus'; choose one of: digits-test"),
        (["run", "--worker-python", "/nonexistent/python"], "not an executable"),
        (["--replay", "nope.jsonl"], "no such file"),
        (["--replay", "README.md"], "not json"),
        (["--model", "nope"], "unknown model 'nope'"),
        (["--model", "vgg16", "--autorun", "--weights", "pretrained"], "tocompress never downloads them"),
    ],
)
def test_bad_input_is_one_line(capsys, monkeypatch, tmp_path, argv, fragment):
    monkeypatch.setenv("TOCOMPRESS_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    code, err = _run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tocompress: error: ")
    assert fragment.lower() in lines[0].lower()
    assert "Traceback" not in err


def test_unwritable_output_is_refused_before_measuring(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, err = _run(capsys, "run", "--json", str(tmp_path))
    assert code == 2 and "is a folder" in err
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        import os

        if os.access(ro, os.W_OK):  # root ignores permission bits; a file in the way works for everyone
            target = blocker / "r.json"
            code, err = _run(capsys, "run", "--json", str(target))
        else:
            code, err = _run(capsys, "run", "--json", str(ro / "r.json"))
    finally:
        ro.chmod(0o700)
    assert code == 2
    assert "tocompress: error:" in err and "Traceback" not in err


def test_missing_assets_file_names_the_fix(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TOCOMPRESS_ASSETS", str(tmp_path))  # an assets folder without the demo model
    code, err = _run(capsys, "run", "--model", "digits-cnn")
    assert code == 2
    assert "digits-cnn.keras" in err and "git checkout -- assets/" in err
    assert len(err.strip().splitlines()) == 1


def test_models_lists_demo_first_with_weights_source(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.index("digits-cnn") < out.index("resnet50")
    assert "shipped" in out


def test_compress_help_lists_the_whole_setting_language(capsys, monkeypatch):
    """`--compress` help listed only qN and pF; every option of the language must be findable from it."""
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    flat = " ".join(capsys.readouterr().out.split())
    for form in (
        "qN:load",
        "qN:ch",
        "pF:filters",
        "pF:ftN",
        "tflite:fp16",
        "tflite:dyn8",
        "tflite:int8",
        "+",
    ):
        assert form in flat, form
