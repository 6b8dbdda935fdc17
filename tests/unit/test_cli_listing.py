"""`tocompress models` and `tocompress sensors` at 80 columns (or piped) never cut a name, and both print JSON."""

from __future__ import annotations

import json

import pytest

from core.models.registry import list_models
from tests.fixtures.boards import make_tx2_tree
from tests.fixtures.sensors import use_host_free_sensors
from tui.cli.main import main

NAMES = [info.name for info in list_models()]


def _cells(out: str, column: int = 0) -> list[str]:
    """Cell `column` of every table row that has text there (a model or source name), as printed."""
    rows = [line.split("│")[1:-1] for line in out.splitlines() if line.startswith("│")]
    return [row[column].strip() for row in rows if row[column].strip()]


@pytest.mark.parametrize("columns", ["80", "60"])
def test_models_at_a_narrow_width_print_every_name_whole(capsys, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "…" not in out  # the old table cut "inception…"
    assert _cells(out) == NAMES
    assert "tocompress fetch NAME" in out  # the weights files moved out of the table, pointed to


def test_models_at_a_wide_width_name_the_weights_files(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert _cells(out) == NAMES and "tocompress fetch vgg16" in out and "family" in out


def test_models_json_lists_every_model(capsys):
    assert main(["models", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in records] == NAMES
    demo = next(r for r in records if r["name"] == "digits-cnn")
    assert demo["input_shape"] == [8, 8, 1] and demo["weights"] == "shipped" and demo["runs_here"] is True


def test_sensors_at_80_columns_and_as_json(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    use_host_free_sensors(monkeypatch)
    make_tx2_tree(tmp_path)
    assert main(["sensors", "--seconds", "0.02", "--sysfs-root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    names = {"jtop", "tegra-power", "tegra-gpu", "tegrastats", "nvml", "rapl", "host"}
    assert names <= set(_cells(out, 1))  # after the ✓/✗ mark; names whole
    assert main(["sensors", "--json", "--seconds", "0.02", "--sysfs-root", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {s["name"] for s in report["sources"]} == names
    assert report["picks"] == {"power": "tegra-power", "gpu": "tegra-gpu"}


def test_a_sequence_input_reads_as_words_not_n():
    """nmt-demo's input (None,) showed as "n" in the models table and the setup screen."""
    from tui.view.format import fmt_shape

    assert fmt_shape((None,)) == "ids, any length"
    assert fmt_shape((224, 224, 3)) == "224x224x3" and fmt_shape((None, 8)) == "?x8"
