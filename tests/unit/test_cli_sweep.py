"""`tocompress recommend` and `tocompress sweep` from the command line: answers, exit codes, one-line errors."""

from __future__ import annotations

from pathlib import Path

from core.sweep.grid import sweep_command_for
from tui.cli.main import main

SWEEP = Path(__file__).parents[1] / "app" / "fixtures" / "sweep_two_models.jsonl"


def test_recommend_best_and_runners_up(capsys):
    code = main(
        ["recommend", str(SWEEP), "--model", "digits-cnn", "--objective", "size", "--max-accuracy-drop", "1"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "best: q8+p0.05" in out and "2. q8 " in out
    assert "p0.5" not in out  # drops 2.7 points


def test_recommend_unmeasured_objective_is_one_line(capsys):
    code = main(["recommend", str(SWEEP), "--model", "digits-cnn", "--objective", "energy"])
    err = capsys.readouterr().err
    assert code == 2 and "energy was not measured on any point" in err and "Traceback" not in err


def test_recommend_nothing_meets(capsys):
    args = [
        "recommend",
        str(SWEEP),
        "--model",
        "digits-cnn",
        "--objective",
        "latency",
        "--max-size-mb",
        "0.01",
    ]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "no point meets the constraints" in out and "closest: q6" in out


def test_sweep_bad_range_is_one_line(capsys, tmp_path):
    code = main(["sweep", "--settings", "p0.5..0.1/0.1", "--out", str(tmp_path / "s.jsonl")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "range" in err


def test_sweep_command_for_results_screen():
    assert sweep_command_for("digits-cnn", "q8") == (
        "tocompress sweep --model digits-cnn --settings q16,q8,q6,q8:load --out digits-cnn-sweep.jsonl"
    )
    assert "--settings p0.25,p0.5,p0.75" in sweep_command_for("digits-cnn", "p0.5")
