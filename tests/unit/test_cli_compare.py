"""`tocompress compare` and the `tocompress run` summary print the comparison model: table, verdict, gaps."""

import json
import shutil
from pathlib import Path

from core.report.result_file import load_result
from tui.cli.main import main
from tui.cli.run import print_summary

FIXTURE = Path(__file__).parent.parent / "app" / "fixtures" / "result_q8.json"


def test_compare_prints_the_headline_runs_and_the_verdict(capsys, tmp_path):
    a = tmp_path / "q8.json"
    shutil.copy(FIXTURE, a)
    data = load_result(a)
    data["runs"][1]["variant"] = "q6"
    data["runs"][1]["model"]["size_bytes"] = 76_517  # half of q8's
    b = tmp_path / "q6.json"
    b.write_text(json.dumps(data))
    assert main(["compare", str(a), str(b)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "digits-cnn:q8" in out and "digits-cnn:q6" in out
    assert "-50.0% ▲" in out
    assert (
        "50% smaller, no change in time, energy not measured here, same top-1 accuracy: prefer digits-cnn:q6"
        in out
    )
    assert "not measured here: Energy / inference, Power (mean), Power (peak): no power sensor" in out


def test_run_summary_prints_table_verdict_and_status(capsys):
    print_summary(load_result(FIXTURE))
    out = " ".join(capsys.readouterr().out.split())
    assert "digits-cnn: baseline vs q8" in out
    assert "591.9 KiB 149.4 KiB -74.8% ▲" in out
    assert (
        "Power (mean)" not in out.split("not measured here")[0]
    )  # unmeasured rows are left out of the table
    assert (
        "75% smaller, no real change in time, energy not measured here, same top-1 accuracy: compress" in out
    )
    assert out.endswith("status: complete")


def test_run_summary_of_a_lone_run_prints_its_values(capsys):
    data = load_result(FIXTURE)
    data["runs"] = data["runs"][:1]
    data["status"] = "cancelled"
    print_summary(data)
    out = " ".join(capsys.readouterr().out.split())
    assert "digits-cnn: baseline" in out and "591.9 KiB" in out and "▲" not in out
